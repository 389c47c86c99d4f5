"""Record the grading cross-encoder's range: the lowest and highest P(correct) it gives the rows
it was trained on, written to ``cross_encoder.json`` as ``range``.

    .venv/bin/python scripts/cross_encoder_range.py [--data ../shared/data/asag]

The encoder reads its probabilities within that range (``CrossEncoder.bounds``), so the stacked
score of an answer is bounded before the encoder runs, from the trees alone; the LLM path's
guard settles its second opinion that way when the whole bound lies on one side of what would
send the model's grade to review, and runs the encoder only when it does not
(``OfflineGrader.guard_scores``). Run it after ``scripts/train_cross_encoder.py`` ships a model
(about 2 minutes on 2 cores): the rows are the train files and our items' graded answers and
common mistakes (``datasets.corpus_rows``), each scored as the grader scores it, the best over
its references. No row of the public sets is written, only the two probabilities.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tutor.grading.cross_encoder import MODEL_DIR, SETTINGS_FILE, CrossEncoder  # noqa: E402
from tutor.grading.datasets import TRAIN_FILES, corpus_rows, load_many  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "asag")
    parser.add_argument("--model", type=Path, default=MODEL_DIR)
    args = parser.parse_args(argv)
    if not all((args.data / f"{name}.jsonl").is_file() for name in TRAIN_FILES):
        parser.error(f"the train files {', '.join(TRAIN_FILES)} are not all in {args.data}")
    rows = [r for r in load_many(args.data) + corpus_rows(REPO / "corpus") if r.answer.strip()]
    encoder = CrossEncoder(args.model, clip=False)
    probabilities = encoder.score([(r.question, r.references, r.answer) for r in rows])
    # outward to the sixth decimal, so that no row's probability falls outside
    low = math.floor(float(probabilities.min()) * 1e6) / 1e6
    high = math.ceil(float(probabilities.max()) * 1e6) / 1e6
    settings_path = args.model / SETTINGS_FILE
    settings = json.loads(settings_path.read_text("utf-8"))
    settings["range"] = {
        "low": low, "high": high, "rows": len(rows),
        "of": f"{', '.join(TRAIN_FILES)} and our items' graded answers and common mistakes",
    }  # fmt: skip
    settings_path.write_text(json.dumps(settings, indent=2) + "\n", "utf-8")
    logits = np.log(np.array([low, high]) / (1 - np.array([low, high])))
    print(f"{len(rows)} rows: P(correct) {low:.6f} to {high:.6f} (log-odds {logits[0]:.3f} to "
          f"{logits[1]:.3f}); written to {settings_path}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
