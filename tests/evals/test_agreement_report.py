"""``tutor eval agreement --report DIR`` writes the same self-contained HTML report (and
figures.json) that ``tutor eval grading --report DIR`` writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from tutor.cli import app

runner = CliRunner()
LABELS = (
    "id,domain,a,b,c,truth\n1,math,1,1,1,1\n2,math,0,0,NA,0\n3,ela,0,1,1,1\n4,ela,,0,0,0\n"
    "5,ela,1,1,0,1\n"
)


def test_agreement_writes_the_html_report_and_figures(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(LABELS, encoding="utf-8")
    run = tmp_path / "run"
    result = runner.invoke(app, ["eval", "agreement", str(path), "--raters", "a,b,c",
                                 "--truth", "truth", "--group-by", "domain",
                                 "--report", str(run)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"report: {run / 'report.html'}" in " ".join(result.stdout.split())
    figures = json.loads((run / "figures.json").read_text(encoding="utf-8"))
    assert figures["overall"]["items"] == 5
    html = (run / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert not re.search(r"<script|<link|https?://", html)  # self-contained, like grading's
    assert f"{figures['overall']['fleiss_kappa']:.3f}" in html
    assert f"{figures['overall']['krippendorff_alpha']:.3f}" in html
    assert "Each rater against the truth" in html and "Per group" in html
    assert ">ela<" in html and ">math<" in html


def test_the_report_is_written_with_json_output_too(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(LABELS, encoding="utf-8")
    result = runner.invoke(app, ["eval", "agreement", str(path), "--raters", "a,b",
                                 "--report", str(tmp_path / "run"), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["raters"] == ["a", "b"]  # stdout stays one JSON document
    assert (tmp_path / "run" / "report.html").is_file()
