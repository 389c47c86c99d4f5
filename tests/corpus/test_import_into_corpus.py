"""Importing a page into an existing corpus: shared concepts are reused, conflicts are refused
with their file and line, and the corpus still checks and indexes afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tutor.cli import app
from tutor.corpus import check_corpus, load_corpus
from tutor.corpus.importer import parse_page
from tutor.corpus.sharing import reuse_concepts

SEED = Path(__file__).resolve().parents[3] / "shared/seeds/lesson-page-finetune-vs-prompt.txt"
IMPORTED = "when-to-fine-tune-vs-prompt-engineer"


@pytest.fixture
def seed_page() -> Path:
    if not SEED.is_file():
        pytest.skip(f"seed page {SEED} is not available")
    return SEED


def import_page(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["import-page", *args])
    return result.exit_code, result.output


def test_seed_page_imported_into_the_corpus_keeps_check_and_index_working(
    seed_page: Path, corpus_copy: Path
) -> None:
    code, output = import_page(str(seed_page), "--out", str(corpus_copy))
    assert code == 0, output
    check = CliRunner().invoke(app, ["corpus", "check", str(corpus_copy)])
    assert check.exit_code == 0, check.output
    assert "0 errors" in check.output
    corpus = load_corpus(corpus_copy)  # what `tutor index` loads; it raised before
    imported = corpus.lessons[IMPORTED]
    existing = corpus.lessons["fine-tuning-vs-prompting"]
    fine_tuning = next(c for c in existing.concepts if c.id == "fine-tuning")
    assert fine_tuning in imported.concepts  # the corpus's declaration, prerequisites and all
    assert [c.id for c in imported.concepts] == ["fine-tuning", "prompt-engineering"]


def test_concepts_are_reused_by_name_and_references_follow_the_id(seed_page: Path) -> None:
    lesson = parse_page(seed_page.read_text(encoding="utf-8"))
    known = lesson.concepts[0].model_copy(
        update={"id": "model-fine-tuning", "name": "Fine Tuning", "description": "Training."}
    )
    reused = reuse_concepts(lesson, {known.id: known})
    assert [c.id for c in reused.concepts] == ["model-fine-tuning", "prompt-engineering"]
    assert reused.concepts[0] == known
    for part in (*reused.passages, *reused.items):
        assert part.concepts == ["model-fine-tuning", "prompt-engineering"]


def test_an_item_id_conflict_is_refused_with_file_and_line(
    seed_page: Path, corpus_copy: Path
) -> None:
    path = corpus_copy / "prompt-basics.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    taken = data["items"][0]["id"]
    text = path.read_text(encoding="utf-8")
    text = text.replace(f"id: {taken}\n", "id: fine-tune-prompt-engineer-01\n", 1)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("  - id: fine-tune-prompt-engineer-01") + 1
    code, output = import_page(str(seed_page), "--out", str(corpus_copy))
    assert code == 1
    assert "nothing written" in output
    assert "item id 'fine-tune-prompt-engineer-01'" in output
    assert f"prompt-basics.yaml:{line}" in " ".join(output.split())
    assert not (corpus_copy / f"{IMPORTED}.yaml").exists()


def test_a_concept_declared_differently_names_both_files_and_lines(corpus_copy: Path) -> None:
    copy = corpus_copy / "zz-temperature.yaml"
    copy.write_text(
        "id: zz-temperature\ntitle: Temperature again\ntopic: Testing\nconcepts:\n"
        "  - id: temperature\n    name: Temperature\n"
        "passages:\n  - section: big_idea\n    text: Temperature scales logits.\n",
        encoding="utf-8",
    )
    (problem,) = check_corpus(corpus_copy).errors
    assert "concept 'temperature' is declared differently" in problem.message
    assert problem.file == str(copy)
    assert problem.line == 5
    assert "sampling-and-temperature.yaml:" in problem.message
