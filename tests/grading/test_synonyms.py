"""The WordNet lexicon the short-key checks read (scripts/build_lexicon.py builds it)."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.grading.synonyms import LEXICON, antonyms, synonyms

WORDNET = Path("/usr/share/wordnet")
REPO = Path(__file__).resolve().parents[2]


def test_a_word_has_the_synonyms_of_its_first_sense_only() -> None:
    assert {"quick", "rapid", "speedy"} <= synonyms("fast")
    assert "firm" not in synonyms("fast")  # "hold fast": a rarer sense
    assert "dissipated" not in synonyms("fast")  # similar to "fast living", not to quick
    assert "fast" in synonyms("Quick")


def test_antonyms_are_read_the_same_way() -> None:
    assert "sell" in antonyms("buy")
    assert "poor" in antonyms("rich")
    assert antonyms("photosynthesis") == frozenset()


def test_the_lexicon_carries_wordnets_notice() -> None:
    with gzip.open(LEXICON, "rt", encoding="utf-8") as text:
        assert "WordNet 3.0 Copyright 2006 by Princeton University" in text.readline()
    assert "Permission to use, copy, modify and distribute" in (
        LEXICON.parent / "LICENSE"
    ).read_text("utf-8")


@pytest.mark.skipif(not (WORDNET / "data.noun").is_file(), reason="no WordNet (wordnet-base)")
def test_the_script_rebuilds_the_shipped_lexicon(tmp_path: Path) -> None:
    out = tmp_path / "wordnet.tsv.gz"
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_lexicon.py"), "--out", str(out)],
                   check=True, capture_output=True)  # fmt: skip
    assert gzip.decompress(out.read_bytes()) == gzip.decompress(LEXICON.read_bytes())
