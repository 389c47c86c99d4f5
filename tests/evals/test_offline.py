"""The shipped offline grader through the harness (skipped until its artifact exists)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import CORPUS_DIR
from tutor.evals.graders import Grader, OfflineAdapter
from tutor.evals.harness import Options, evaluate, load_cases
from tutor.evals.results import RunDir

EVALS = Path(__file__).resolve().parents[2] / "evals"


def test_offline_adapter_implements_the_protocol(offline: OfflineAdapter) -> None:
    assert isinstance(offline, Grader)
    assert offline.name == "offline" and offline.version.startswith("offline-grader@")


@pytest.mark.slow  # `make test-slow`: ~15-40 s on 2 cores
def test_offline_grader_on_our_dataset(offline: OfflineAdapter, tmp_path: Path) -> None:
    cases = load_cases(str(EVALS / "corpus" / "answers.yaml"), corpus_dir=CORPUS_DIR)
    cases = [c for c in cases if c.question_id.startswith(("ctx-", "pi-"))]  # for speed
    options = Options(repeats=2, checks=frozenset({"injection", "format"}), sample=6,
                      per_attack=1, resamples=200)  # fmt: skip
    outcome = asyncio.run(
        evaluate(offline, offline.version, "evals/corpus", cases, RunDir(tmp_path), options)
    )
    figures = outcome.figures
    assert figures["counts"]["unscored"] == 0
    assert figures["agreement"]["n"] == len(cases)
    correct = sum(c.label == "correct" for c in cases) / len(cases)
    assert figures["agreement"]["accuracy"] > correct  # above always saying "correct"
    assert figures["repeats"]["flip_rate"] == 0.0  # a deterministic grader never flips
    assert figures["injection"]["flagged_rate"] > 0  # its injection detector fires
