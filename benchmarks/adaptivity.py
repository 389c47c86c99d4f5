"""Adaptivity: how many items simulated learners need until they know every concept, and
whether the tutor tells them "mastered" only when they do.

    python benchmarks/adaptivity.py                   # 200 learners, seed 7, corpus/
    python benchmarks/adaptivity.py --learners 500 --seed 1 --prereq-factor 1
    python benchmarks/adaptivity.py --fit 200         # parameters fitted as `tutor fit` does
    python benchmarks/adaptivity.py --check 0         # mastery by the threshold alone

Each simulated learner has hidden, known BKT parameters over the real corpus's concepts: per
concept a prior and a learning rate, per learner a guess and a slip; items have a hidden true
difficulty (their label's rating plus noise). An answer is correct with the slip/guess
probability of the item's concepts (all must be known), shifted by the item's difficulty; after
each item every unknown concept on it may be learned, at a fifth of the rate while one of its
prerequisites is still unknown (``--prereq-factor``). The policies see only whether each
answer was right, never the hidden state.

Every policy's answers go through the service's own tracker (``Knowledge.observe``), so each
can tell the learner "mastered" (``Knowledge.mastered``). A run goes on until the hidden state
knows every concept that has items *and* the tracker has declared them all mastered (capped at
``--cap``), and reports both counts:

- items until declared: when the learner is told everything is mastered (what they live);
- items until known: when the hidden state first knows everything (the old figure);
- false mastery: of all the times a concept became mastered in the tracker's view, the share
  at which the hidden state did not know it; and how many learners were told "everything
  mastered" while a concept was still unknown.

"vs fixed" compares both counts with the fixed order's items until *known*, as if a fixed
order stopped at exactly the right moment: its own "declared" count depends on our tracker.

The simulated learners are the ones this benchmark had before issue 14 (same distributions,
same seed); only the stopping rule changed (a run continues past "known" until "declared"), so
later learners draw different random answers and the "known" figures move by a few items.

Policies:
- adaptive: ``tutor.learners.choose`` over ``Knowledge`` updated by ``observe`` (the service's
  own code), with the default BKT parameters (not the simulator's) or, with ``--fit N``, the
  parameters ``fit_bkt`` finds in the answers of N other simulated learners (a separate cohort
  taught by our policy with the defaults, one sequence per learner and concept, concepts with
  at least 50 answers), and item ratings shared across learners, as the item_stats table is.
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
from tutor.learners import Catalog, Knowledge, LearnerConfig, choose, fit_bkt
from tutor.learners.bkt import BOUNDS, BKTParams, logit, sigmoid
from tutor.learners.difficulty import initial_rating
from tutor.learners.knowledge import ItemRating
from tutor.learners.params import MIN_OBSERVATIONS

BASELINE = "fixed order (corpus)"
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
    known_at: int | None  # items until the hidden state knew every concept (None: cap)
    declared_at: int | None  # items until the tracker first declared every concept mastered
    unknown_then: int  # concepts truly unknown at that moment
    declarations: int  # times a concept became mastered (in the tracker's view)
    false_declarations: int  # ... while the hidden state did not know it


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
    params: dict[str, BKTParams] | None = None,
    log: list[tuple[str, float]] | None = None,
) -> Run:
    """Practise until the hidden state knows everything *and* the tracker says so (or ``cap``)."""
    knowledge = Knowledge(catalog, config, params=params or {}, ratings=ratings)
    targets = catalog.practicable()
    now = START
    known_at: int | None = None
    declared_at: int | None = None
    unknown_then = declarations = false_declarations = 0
    for n in range(cap):
        if known_at is None and all(truth.known[c] for c in targets):
            known_at = n
        if known_at is not None and declared_at is not None:
            break
        item_id = chooser(knowledge, now, n)
        concepts = catalog.items[item_id].concepts
        before = {c: knowledge.mastered(c) for c in concepts}
        score = truth.answer(concepts, true_difficulty[item_id], rng)
        knowledge.observe(item_id, score, now)
        if log is not None:
            log.append((item_id, score))
        truth.practise(concepts, catalog, factor, rng)
        now += STEP
        for c in concepts:  # the learner is told "mastered" now (before, the answer counted)
            if knowledge.mastered(c) and not before[c]:
                declarations += 1
                false_declarations += not truth.known[c]
        if declared_at is None and all(knowledge.mastered(c) for c in targets):
            declared_at = n + 1
            unknown_then = sum(not truth.known[c] for c in targets)
    return Run(known_at, declared_at, unknown_then, declarations, false_declarations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).parent.parent / "corpus")
    parser.add_argument("--prereq-factor", type=float, default=0.2)
    parser.add_argument("--cap", type=int, default=3000)
    parser.add_argument("--target", type=float, default=0.7, help="target P(success)")
    parser.add_argument("--threshold", type=float, default=LearnerConfig.mastery_threshold)
    parser.add_argument(
        "--check", type=int, default=LearnerConfig.mastery_check,
        help="right answers in a row a concept needs, besides the threshold, to count as mastered",
    )  # fmt: skip
    parser.add_argument(
        "--fit", type=int, default=0, metavar="N",
        help="first fit BKT parameters (tutor fit's code) to the answers of N other simulated "
        "learners taught by our policy with the defaults, then run every policy with them",
    )  # fmt: skip
    args = parser.parse_args()

    catalog = Catalog.from_corpus(load_corpus(args.corpus))
    config = LearnerConfig(
        mastery_threshold=args.threshold, mastery_check=args.check, target_success=args.target
    )
    in_corpus_order = sorted(catalog.items, key=lambda i: catalog.items[i].order)
    prereqs_first = sorted(
        in_corpus_order,
        key=lambda i: max(catalog.concepts[c].order for c in catalog.items[i].concepts),
    )
    policies: dict[str, Chooser] = {
        "adaptive (ours)": adaptive,
        BASELINE: fixed(in_corpus_order),
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
        f"{len(catalog.items)} items, seed {args.seed}, prerequisite factor {args.prereq_factor}, "
        f"mastered at P(known) >= {config.mastery_threshold} and {config.mastery_check} right "
        f"in a row"
    )
    params = (
        _fitted(catalog, args, config, true_difficulty, random.Random(args.seed + 100))
        if args.fit
        else {}
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
                    args.prereq_factor, args.cap, params,
                )
            )  # fmt: skip
        results[name] = runs
        print(f"  {name}: {time.perf_counter() - started:.1f}s")
    _report(results, args.cap)


def _fitted(
    catalog: Catalog,
    args: argparse.Namespace,
    config: LearnerConfig,
    true_difficulty: dict[str, float],
    world: random.Random,
) -> dict[str, BKTParams]:
    """Per-concept parameters fitted as ``tutor fit`` does, from another cohort's answers."""
    started = time.perf_counter()
    ratings: dict[str, ItemRating] = {}
    sequences: dict[str, list[list[float]]] = {c: [] for c in catalog.concepts}
    for _ in range(args.fit):
        truth = TrueLearner.sample(catalog, world)
        log: list[tuple[str, float]] = []
        simulate(
            adaptive, catalog, truth, true_difficulty, ratings, config, world,
            args.prereq_factor, args.cap, log=log,
        )  # fmt: skip
        for concept, seqs in sequences.items():
            scores = [score for item, score in log if concept in catalog.items[item].concepts]
            if scores:
                seqs.append(scores)
    fits = {
        c: fit_bkt(seqs) for c, seqs in sequences.items() if sum(map(len, seqs)) >= MIN_OBSERVATIONS
    }
    mean = {f: statistics.mean(getattr(fit.params, f) for fit in fits.values()) for f in BOUNDS}
    print(
        f"  fitted {len(fits)} concepts to {args.fit} other learners' answers in "
        f"{time.perf_counter() - started:.1f}s; mean "
        + ", ".join(f"{name} {value:.3f}" for name, value in mean.items())
    )
    return {c: fit.params for c, fit in fits.items()}


def _report(results: dict[str, list[Run]], cap: int) -> None:
    def counts(runs: list[Run], key: str) -> list[int]:
        return sorted(getattr(r, key) or cap for r in runs)

    # One yardstick for both columns: the items a fixed order needs until the learner truly
    # knows everything (as if it stopped at the right moment by magic). Its own "declared"
    # count depends on our tracker (and grows with the check), so it would flatter us.
    base = statistics.mean(counts(results[BASELINE], "known_at"))
    print(
        f"\n{'':28} {'items until declared mastered':>36}   {'false':>7} {'done with':>10}"
        f"   {'items until known':>18}\n"
        f"{'policy':28} {'mean':>7} {'median':>7} {'p90':>6} {'capped':>6} {'vs fixed':>8}"
        f"   {'mastery':>7} {'gaps':>10}   {'mean':>7} {'vs fixed':>9}"
    )
    for name, runs in results.items():
        declared, known = counts(runs, "declared_at"), counts(runs, "known_at")
        mean = statistics.mean(declared)
        p90 = declared[math.ceil(0.9 * len(declared)) - 1]
        capped = sum(r.declared_at is None for r in runs)
        told = sum(r.declarations for r in runs)
        false = 100 * sum(r.false_declarations for r in runs) / told if told else 0.0
        gaps = f"{sum(r.unknown_then > 0 for r in runs)}/{len(runs)}"
        print(
            f"{name:28} {mean:7.1f} {statistics.median(declared):7.1f} {p90:6d} {capped:6d} "
            f"{_change(mean, base):>8}   {false:6.1f}% {gaps:>10}   "
            f"{statistics.mean(known):7.1f} {_change(statistics.mean(known), base):>9}"
        )
    print(
        "\nvs fixed: against the fixed order's items until known (mean), as if it stopped at "
        "the right moment;\nfalse mastery: share of the times the tracker declared a concept "
        "mastered while the hidden state did not know it;\ndone with gaps: learners told every "
        f"concept was mastered while some was still unknown; cap {cap} items."
    )
    for name, runs in results.items():
        told_early = [r.unknown_then for r in runs if r.unknown_then]
        if told_early:
            print(
                f"  {name}: {statistics.mean(told_early):.2f} concepts unknown on average when "
                f"told so ({len(told_early)} learners)"
            )


def _change(value: float, baseline: float) -> str:
    return f"{100 * (value - baseline) / baseline:+.0f}%"


if __name__ == "__main__":
    main()
