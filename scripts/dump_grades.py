"""Grade every answer of the ASAG train and test files, Khan's and our items' as a new
question (no graded examples) and write one JSON line each: question id, target, verdict,
score. Two dumps side by side show which grades a change to the grader moves:

    .venv/bin/python scripts/dump_grades.py build/dump-before.jsonl     # on the old code
    .venv/bin/python scripts/dump_grades.py build/dump-after.jsonl      # on the new code
    .venv/bin/python scripts/dump_grades.py --compare build/dump-before.jsonl build/dump-after.jsonl

~5 minutes for 13,045 answers on 2 cores. The dumps hold per-row figures of the public sets:
keep them out of the repo (build/ is ignored).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tutor.evals.public import load_public  # noqa: E402
from tutor.grading import artifact  # noqa: E402
from tutor.grading.datasets import corpus_rows, load_many  # noqa: E402
from tutor.grading.models import GradeRequest  # noqa: E402
from tutor.grading.offline import OfflineGrader  # noqa: E402
from tutor.retrieval.embedder import embedder_named  # noqa: E402

FILES = ["scientsbank-train", "beetle-train", "mohler-train", "scientsbank-test-unseen-answers",
         "beetle-test-unseen-answers"]  # fmt: skip
BATCH = 256


def requests(data: Path) -> list[tuple[str, float, GradeRequest]]:
    rows = load_many(data / "asag", FILES) + corpus_rows(REPO / "corpus")
    out = [(r.question_id, r.target, GradeRequest(question=r.question,
                                                   references=list(r.references), answer=r.answer))
           for r in rows if r.answer.strip()]  # fmt: skip
    for case in load_public("khan", data):
        out.append((case.question_id, float(case.label), GradeRequest(
            question=case.question, references=case.references, answer=case.answer,
            common_mistakes=case.common_mistakes)))  # fmt: skip
    return out


def dump(target: Path, data: Path) -> None:
    grader = OfflineGrader.load(embedder_named(artifact.load().embedder))
    todo = requests(data)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as out:
        for start in range(0, len(todo), BATCH):
            chunk = todo[start : start + BATCH]
            for (qid, label, _), scored in zip(chunk, grader.score_many([r for *_, r in chunk]),
                                               strict=True):  # fmt: skip
                out.write(json.dumps([qid, label, scored.verdict.value, scored.score]) + "\n")
    print(f"{len(todo)} grades in {target}")


def compare(before: Path, after: Path) -> int:
    old = [json.loads(line) for line in before.open(encoding="utf-8")]
    new = [json.loads(line) for line in after.open(encoding="utf-8")]
    if len(old) != len(new):
        print(f"different answers: {len(old)} against {len(new)}")
        return 1
    moved = [(i, a, b) for i, (a, b) in enumerate(zip(old, new, strict=True))
             if a[2] != b[2] or abs(a[3] - b[3]) > 1e-9]  # fmt: skip
    print(f"{len(moved)} of {len(old)} grades moved, "
          f"{sum(a[2] != b[2] for _, a, b in moved)} verdicts")  # fmt: skip
    for i, a, b in moved[:50]:
        print(f"  row {i} {a[0]} target {a[1]}: {a[2]} {a[3]} -> {b[2]} {b[3]}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    if args.out is None:
        parser.error("give the dump's path, or --compare BEFORE AFTER")
    if not (args.data / "asag").is_dir():
        print(f"no ASAG data at {args.data / 'asag'}", file=sys.stderr)
        return 2
    dump(args.out, args.data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
