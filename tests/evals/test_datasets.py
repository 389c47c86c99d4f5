"""Reading datasets: spreadsheets with a column map, JSONL, YAML with corpus items and groups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CORPUS_DIR
from tutor.corpus import Corpus
from tutor.errors import BadRequestError
from tutor.evals.cases import Scheme, detect, truth
from tutor.evals.datasets import load_dataset, parse_map
from tutor.evals.harness import load_cases
from tutor.evals.public import DatasetAbsent, load_public
from tutor.grading.models import Verdict

EVALS = Path(__file__).resolve().parents[2] / "evals"


def test_csv_columns_from_a_spreadsheet_are_mapped(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(
        "Q,Model answer,Alt answer,Student,Teacher A,Teacher B\n"
        "Why?,Because A.,Since A.,It is A,correct,partially correct\n"
        "How?,By B.,,No idea,incorrect,incorrect\n",
        encoding="utf-8",
    )
    mapping = parse_map("question=Q,reference=Model answer+Alt answer,answer=Student,"
                        "raters=Teacher A+Teacher B")  # fmt: skip
    cases = load_dataset(path, mapping=mapping)
    assert cases[0].references == ["Because A.", "Since A."]
    assert cases[1].references == ["By B."]  # an empty cell is not a reference
    assert cases[0].raters == {"Teacher A": "correct", "Teacher B": "partially correct"}
    scheme = detect([v for c in cases for v in c.raters.values()])
    assert scheme.kind == "verdict"
    assert truth(cases[1], scheme) == 0.0


def test_a_map_naming_an_unknown_column_lists_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text("Q,A,L\nWhy?,x,1\n", encoding="utf-8")
    with pytest.raises(BadRequestError, match=r"no column 'Ref'.*columns: Q, A, L"):
        load_dataset(path, mapping=parse_map("question=Q,reference=Ref,answer=A,label=L"))
    with pytest.raises(BadRequestError, match="bad --map entry"):
        parse_map("colour=Q")


def test_jsonl_rows_without_a_question_are_rejected_clearly(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"answer": "x", "label": 1}) + "\n", encoding="utf-8")
    with pytest.raises(BadRequestError, match="needs a question and reference"):
        load_dataset(path)


def test_corpus_items_fill_in_question_reference_and_mistakes(starter_corpus: Corpus) -> None:
    cases = load_dataset(EVALS / "corpus" / "answers.yaml", corpus=starter_corpus)
    _, item = starter_corpus.item("ctx-02")
    case = next(c for c in cases if c.id == "ctx-02-c1")
    assert case.question == item.stem and case.references == [item.answer]
    assert case.common_mistakes == item.common_mistakes and case.solution_steps


def test_shipped_datasets_cover_every_free_text_item(starter_corpus: Corpus) -> None:
    cases = load_cases(str(EVALS / "corpus"), corpus_dir=CORPUS_DIR)
    free_text = {i.id for _, i in starter_corpus.items() if i.type.value == "free_text"}
    answered = [c for c in cases if c.kind == "answer" and not c.group]
    for item in free_text:
        labels = {c.label for c in answered if c.question_id == item}
        assert labels == {"correct", "partially_correct", "incorrect"}, item
    assert sum(c.kind == "clean" for c in cases) >= 6
    groups = {c.group for c in cases if c.group}
    assert len(groups) >= 15
    assert detect([c.label for c in cases]) == Scheme("verdict")


def test_scheme_detection() -> None:
    assert detect(["correct", "incorrect"]).kind == "binary"
    assert detect(["0", "1", 1.0]).kind == "binary"
    assert detect([0, 2.5, 5]) == Scheme("score", 5.0)
    assert detect(["Partially Correct", "correct"]).kind == "verdict"
    assert Scheme("verdict").value("partial") == 1.0
    mohler = Scheme("score", 5.0)
    assert mohler.levels == 6 and mohler.value(4.5) == 0.9
    assert [mohler.level(x) for x in (0.0, 0.5, 0.9, 1.0)] == [0, 3, 5, 5]  # halves round up
    with pytest.raises(BadRequestError, match="mix numbers and names"):
        detect(["correct", 1])
    scheme = Scheme("binary")
    from tests.evals.conftest import grade

    # by the verdict the learner sees, whatever the score: partially correct is not correct
    assert scheme.predict(grade(Verdict.PARTIALLY_CORRECT, 0.6)) == 0.0
    assert scheme.predict(grade(Verdict.CORRECT, 0.45)) == 1.0


def test_public_sets_are_read_in_place_or_skipped(tmp_path: Path) -> None:
    with pytest.raises(DatasetAbsent):
        load_public("khan", tmp_path)
    shared = Path(__file__).resolve().parents[3] / "shared" / "data"
    if not (shared / "khan-saq").is_dir():
        pytest.skip("../shared/data is absent")
    khan = load_public("khan", shared)
    assert len(khan) == 800 and set(khan[0].raters) == {"human_1", "human_2", "human_3"}
    # the criteria, then each paragraph of example answers as a reference of its own, and
    # the short answers a paragraph lists after "e.g."
    first = khan[0].references
    assert first[0].startswith("Correct answers will recognize")
    assert first[1].startswith("Synonyms of deleterious") and "\n\n" not in "".join(first)
    assert {"harmful", "causing harm or damage", "really bad", "not beneficial"} <= set(first)
    scientsbank = load_public("asag:scientsbank", shared)
    assert len(scientsbank) == 540 and all(c.examples for c in scientsbank[:20])


def test_a_rubrics_kinds_of_answer_are_references_of_their_own(tmp_path: Path) -> None:
    """Each paragraph of a rubric's correct examples, each line of one that lists a kind per
    line, and each short answer listed after "e.g." or a colon; a formula ("-4y = -4y") stays
    in its paragraph only: a text grader matching "x" alone calls every algebra answer right."""
    folder = tmp_path / "khan-saq"
    folder.mkdir()
    examples = {
        "1": "Synonyms of gloomy, e.g., sad, dark, very sad, etc.\n\nWords with not, e.g., "
        "not cheerful, not bright, etc.\n",
        "2": "Keep A constant and decrease B\nIncrease A and keep B constant\n",
        "3": "2x + 5 = 2x + 5\n-4y = -4y\n",
        "4": "- Part A:\n  - There is a finite set of correct answers here: grim, bleak.\n",
    }
    header = ("domain,item,question,criteria_for_scoring,correct_answer_examples,"
              "incorrect_answer_examples")  # fmt: skip
    rows = [header] + [
        f'ELA,{k},"Question {k}?","Correct answers will say it.","{v}","Not that."'
        for k, v in examples.items()
    ]
    (folder / "items.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    labels = ["domain,item,response_id,response,human_1,human_2,human_3,human_avg"]
    labels += [f"ELA,{k},{k},an answer,1,1,0,1" for k in examples]
    (folder / "human_labels.csv").write_text("\n".join(labels) + "\n", encoding="utf-8")

    refs = {c.question_id: c.references for c in load_public("khan", tmp_path)}
    assert refs["khan:item1"][2:5] == ["sad", "dark", "very sad"]
    assert refs["khan:item1"][6:] == ["not cheerful", "not bright"]
    assert refs["khan:item2"][2:] == ["Keep A constant and decrease B",
                                      "Increase A and keep B constant"]  # fmt: skip
    assert refs["khan:item3"] == ["Correct answers will say it.", "2x + 5 = 2x + 5\n-4y = -4y"]
    assert refs["khan:item4"][2:] == ["grim", "bleak"]  # its paragraph's one line is [1]
