"""Adaptivity: how many items simulated learners need until they know every concept.

    python benchmarks/adaptivity.py                   # 200 learners, seed 7, corpus/
    python benchmarks/adaptivity.py --learners 500 --seed 1 --prereq-factor 1

Each simulated learner has hidden, known BKT parameters over the real corpus's concepts: per
concept a prior and a learning rate, per learner a guess and a slip; items have a hidden true
difficulty (their label's rating plus noise). An answer is correct with the slip/guess
probability of the item's concepts (all must be known), shifted by the item's difficulty; after
each item every unknown concept on it may be learned, at a fifth of the rate while one of its
prerequisites is still unknown (``--prereq-factor``). The policies see only whether each
answer was right, never the hidden state; the count stops when the hidden state knows every
concept that has items (capped at ``--cap``).

Policies:
- adaptive: ``tutor.learners.choose`` over ``Knowledge`` updated by ``observe`` (the service's
  own code), with the default BKT parameters (not the simulator's) and item ratings shared
  across learners, as the item_stats table is.
- fixed order: the corpus's items in corpus order, over and over.
- fixed, prerequisites first: the same items sorted so prerequisites come first.
- lowest mastery first: same knowledge tracing, always the concept with the lowest P(known),
  its first item (corpus order) not among the last three.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tutor.corpus import load_corpus
from tutor.learners import Catalog, Knowledge, LearnerConfig, choose
from tutor.learners.bkt import logit, sigmoid
from tutor.learners.difficulty import initial_rating
from tutor.learners.knowledge import ItemRating

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=2)


@dataclass
class TrueLearner:
    """The hidden state a policy never sees."""

    known: dict[str, bool]
    learn: dict[str, float]
    guess: float
    slip: float

    @classmethod
    def sample(cls, catalog: Catalog, rng: random.Random) -> TrueLearner:
        concepts = list(catalog.concepts)
        return cls(
            known={c: rng.random() < rng.uniform(0.05, 0.35) for c in concepts},
            learn={c: rng.uniform(0.08, 0.3) for c in concepts},
            guess=rng.uniform(0.1, 0.3),
            slip=rng.uniform(0.03, 0.1),
        )

    def answer(self, concepts: tuple[str, ...], difficulty: float, rng: random.Random) -> float:
        base = 1 - self.slip if all(self.known[c] for c in concepts) else self.guess
        return 1.0 if rng.random() < sigmoid(logit(base) - difficulty) else 0.0

    def practise(
        self, concepts: tuple[str, ...], catalog: Catalog, factor: float, rng: random.Random
    ) -> None:
        for c in concepts:
            if self.known[c]:
                continue
            ready = all(self.known[p] for p in catalog.concepts[c].prerequisites)
            if rng.random() < self.learn[c] * (1 if ready else factor):
                self.known[c] = True


Chooser = Callable[[Knowledge, datetime, int], str]


def adaptive(knowledge: Knowledge, now: datetime, _n: int) -> str:
    return choose(knowledge, now).item_id


def fixed(order: list[str]) -> Chooser:
    return lambda _knowledge, _now, n: order[n % len(order)]


def lowest_mastery(knowledge: Knowledge, _now: datetime, _n: int) -> str:
    catalog = knowledge.catalog
    concept = min(catalog.practicable(), key=knowledge.p_known)
    recent = knowledge.history[-3:]
    items = catalog.by_concept[concept]
    return next((i for i in items if i not in recent), items[0])


@dataclass
class Run:
    items: int
    capped: bool
    believed_at: int | None  # items when the tracker first believed everything mastered
    unknown_then: int  # concepts truly unknown at that moment


def simulate(
    chooser: Chooser,
    catalog: Catalog,
    truth: TrueLearner,
    true_difficulty: dict[str, float],
    ratings: dict[str, ItemRating],
    config: LearnerConfig,
    rng: random.Random,
    factor: float,
    cap: int,
) -> Run:
    knowledge = Knowledge(catalog, config, ratings=ratings)
    targets = catalog.practicable()
    now = START
    believed_at: int | None = None
    unknown_then = 0
    for n in range(cap):
        if all(truth.known[c] for c in targets):
            return Run(n, False, believed_at, unknown_then)
        item_id = chooser(knowledge, now, n)
        concepts = catalog.items[item_id].concepts
        score = truth.answer(concepts, true_difficulty[item_id], rng)
        knowledge.observe(item_id, score, now)
        truth.practise(concepts, catalog, factor, rng)
        now += STEP
        if believed_at is None and all(knowledge.mastered(c) for c in targets):
            believed_at = n + 1
            unknown_then = sum(not truth.known[c] for c in targets)
    return Run(cap, True, believed_at, unknown_then)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).parent.parent / "corpus")
    parser.add_argument("--prereq-factor", type=float, default=0.2)
    parser.add_argument("--cap", type=int, default=3000)
    parser.add_argument("--target", type=float, default=0.7, help="target P(success)")
    parser.add_argument("--threshold", type=float, default=0.95, help="mastery threshold")
    args = parser.parse_args()

    catalog = Catalog.from_corpus(load_corpus(args.corpus))
    config = LearnerConfig(mastery_threshold=args.threshold, target_success=args.target)
    in_corpus_order = sorted(catalog.items, key=lambda i: catalog.items[i].order)
    prereqs_first = sorted(
        in_corpus_order,
        key=lambda i: max(catalog.concepts[c].order for c in catalog.items[i].concepts),
    )
    policies: dict[str, Chooser] = {
        "adaptive (ours)": adaptive,
        "fixed order (corpus)": fixed(in_corpus_order),
        "fixed, prerequisites first": fixed(prereqs_first),
        "lowest mastery first": lowest_mastery,
    }
    world = random.Random(args.seed)
    true_difficulty = {
        i: initial_rating(item.difficulty) + world.gauss(0, 0.5)
        for i, item in catalog.items.items()
    }
    learners = [TrueLearner.sample(catalog, world) for _ in range(args.learners)]
    print(
        f"{args.learners} simulated learners, {len(catalog.practicable())} concepts, "
        f"{len(catalog.items)} items, seed {args.seed}, prerequisite factor {args.prereq_factor}"
    )
    results: dict[str, list[Run]] = {}
    for name, chooser in policies.items():
        started = time.perf_counter()
        ratings: dict[str, ItemRating] = {}
        rng = random.Random(args.seed + 1)
        runs = []
        for truth in learners:
            clone = TrueLearner(dict(truth.known), truth.learn, truth.guess, truth.slip)
            runs.append(
                simulate(
                    chooser, catalog, clone, true_difficulty, ratings, config, rng,
                    args.prereq_factor, args.cap,
                )
            )  # fmt: skip
        results[name] = runs
        print(f"  {name}: {time.perf_counter() - started:.1f}s")
    _report(results, args.cap)


def _report(results: dict[str, list[Run]], cap: int) -> None:
    baseline = statistics.mean(r.items for r in results["fixed order (corpus)"])
    print(f"\n{'policy':28} {'mean':>7} {'median':>7} {'p90':>6} {'capped':>6} {'vs fixed':>9}")
    for name, runs in results.items():
        counts = sorted(r.items for r in runs)
        mean = statistics.mean(counts)
        p90 = counts[math.ceil(0.9 * len(counts)) - 1]
        capped = sum(r.capped for r in runs)
        change = f"{100 * (mean - baseline) / baseline:+.0f}%"
        print(
            f"{name:28} {mean:7.1f} {statistics.median(counts):7.1f} {p90:6d} {capped:6d} "
            f"{change:>9}"
        )
    ours = results["adaptive (ours)"]
    believed = [r for r in ours if r.believed_at is not None]
    if believed:
        print(
            f"\nadaptive: believed every concept mastered after "
            f"{statistics.mean(r.believed_at or 0 for r in believed):.1f} items on average "
            f"({len(believed)}/{len(ours)} learners), with "
            f"{statistics.mean(r.unknown_then for r in believed):.2f} concepts still unknown "
            f"at that point (hidden state); counts stop when the hidden state knows everything "
            f"(cap {cap})."
        )


if __name__ == "__main__":
    main()
