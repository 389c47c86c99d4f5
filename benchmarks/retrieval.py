"""Retrieval speed: indexing throughput and query latency, tutor search vs a raw Chroma query.

    python benchmarks/retrieval.py                 # 1k and 10k passages
    python benchmarks/retrieval.py --sizes 1000 100000 --queries 200

Passages are generated from a fixed vocabulary (seeded), so runs are comparable.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from tutor.config import Settings
from tutor.corpus import Concept, Corpus, Lesson, Passage, Section
from tutor.retrieval import MiniLMEmbedder, PassageIndex, open_client

WORDS = (
    "prompt model token context window temperature sampling retrieval passage embedding vector "
    "grounding citation hallucination schema json validation example few-shot instruction role "
    "answer question learner rubric grade evaluation latency cost chunk overlap query index "
    "fine-tuning weights dataset label accuracy bias variance system user assistant format"
).split()


def make_corpus(n: int, per_lesson: int = 50, seed: int = 7) -> Corpus:
    rng = random.Random(seed)
    lessons: dict[str, Lesson] = {}
    for start in range(0, n, per_lesson):
        lesson_id = f"bench-{start // per_lesson}"
        passages = [
            Passage(
                id=f"p-{i}",
                section=Section.EXPLANATION,
                text=" ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 120))) + ".",
            )
            for i in range(start, min(start + per_lesson, n))
        ]
        lessons[lesson_id] = Lesson(
            id=lesson_id,
            title=f"Bench lesson {start // per_lesson}",
            topic="Benchmark",
            concepts=[Concept(id="bench", name="Bench")],
            passages=passages,
        )
    return Corpus(lessons=lessons)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def run(size: int, queries: int, embedder: MiniLMEmbedder) -> None:
    corpus = make_corpus(size)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)  # type: ignore[call-arg]
        index = PassageIndex(open_client(settings), embedder)
        start = time.perf_counter()
        index.sync(corpus)
        indexing = time.perf_counter() - start
        start = time.perf_counter()
        resync = index.sync(corpus)
        resync_s = time.perf_counter() - start

        rng = random.Random(11)
        texts = [" ".join(rng.choice(WORDS) for _ in range(8)) for _ in range(queries)]
        ours, raw = [], []
        for text in texts:
            t0 = time.perf_counter()
            index.search(text, 5)
            t1 = time.perf_counter()
            index.collection.query(query_texts=[text], n_results=5)
            t2 = time.perf_counter()
            ours.append((t1 - t0) * 1000)
            raw.append((t2 - t1) * 1000)
    p50, p95 = percentile(ours, 50), percentile(ours, 95)
    r50, r95 = percentile(raw, 50), percentile(raw, 95)
    print(
        f"{size:>7} passages | index {size / indexing:7.1f} passages/s ({indexing:6.1f} s) | "
        f"no-change resync {resync_s:5.2f} s ({resync.unchanged} unchanged) | "
        f"query p50 {p50:6.1f} ms p95 {p95:6.1f} ms | raw Chroma p50 {r50:6.1f} ms "
        f"p95 {r95:6.1f} ms | ratio p50 {p50 / r50:4.2f} p95 {p95 / r95:4.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    embedder = MiniLMEmbedder()
    embedder.embed(["warm up"])
    for size in args.sizes:
        run(size, args.queries, embedder)


if __name__ == "__main__":
    main()
