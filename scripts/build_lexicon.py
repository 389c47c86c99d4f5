"""Build ``tutor/grading/lexicon/wordnet.tsv.gz``: each common word's synonyms and derived
forms from WordNet 3.0, for the grader's short-key checks (:mod:`tutor.grading.synonyms`).

    apt-get install wordnet-base      # Debian's WordNet 3.0 database, /usr/share/wordnet
    .venv/bin/python scripts/build_lexicon.py [--wordnet /usr/share/wordnet]

(``apt-get download wordnet-base && dpkg -x wordnet-base_*.deb DIR`` gives the same files
without installing them: pass ``--wordnet DIR/usr/share/wordnet``.)

For each common word (a whole word of the embedder's WordPiece vocabulary, or one with a sense
seen in WordNet's tagged corpora; three letters or more) and each part of speech, its most
frequent sense only (WordNet lists senses by
frequency in its tagged corpora): the words of that synset, for an adjective those of the
synsets WordNet marks as similar to it ("fast" -> quick, rapid, speedy), and the derived
forms WordNet links to the word itself ("ellipse" -> elliptical, "acid" -> acidic). Two words
are linked only when each is so related to the other. The third column holds antonyms, read
the same way ("big" -> little, small; "buy" -> sell). One sense only: "fast"
also means firm ("hold fast") and abstaining from food, which a learner's "firm" for "Give a
word that means rapid" must not be credited with.

The file carries WordNet's licence (below, and in ``tutor/grading/lexicon/LICENSE``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tutor.retrieval.embedder import tokenizer_file  # noqa: E402

OUT = REPO / "tutor" / "grading" / "lexicon" / "wordnet.tsv.gz"
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
MIN_LETTERS = 3


def vocabulary() -> set[str]:
    vocab = json.loads(tokenizer_file().read_text("utf-8"))["model"]["vocab"]
    return {w for w in vocab if w.isalpha() and w.isascii() and len(w) >= MIN_LETTERS}


Pointer = tuple[str, str, str, int, int]  # symbol, target offset, target pos, source, target
Synsets = dict[tuple[str, str], tuple[list[str], list[Pointer]]]  # (pos, offset) -> ...


def read_data(folder: Path) -> Synsets:
    """(pos, offset) -> (lemmas, pointers)."""
    synsets: Synsets = {}
    for name, pos in POS.items():
        for line in (folder / f"data.{name}").read_text("latin-1").splitlines():
            if line.startswith("  "):
                continue  # the licence header
            fields = line.split(" | ")[0].split()
            offset, count = fields[0], int(fields[3], 16)
            lemmas = [fields[4 + 2 * i].lower() for i in range(count)]
            at = 4 + 2 * count
            pointers = []
            for i in range(int(fields[at])):
                symbol, target, target_pos, st = fields[at + 1 + 4 * i : at + 5 + 4 * i]
                target_pos = "a" if target_pos == "s" else target_pos
                pointers.append((symbol, target, target_pos, int(st[:2], 16), int(st[2:], 16)))
            synsets[(pos, offset)] = (lemmas, pointers)
    return synsets


def first_senses(folder: Path) -> tuple[dict[str, list[tuple[str, str]]], set[str]]:
    """word -> the (pos, offset) of its most frequent sense in each part of speech; and the
    words with a sense seen in WordNet's tagged corpora (SemCor)."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    tagged: set[str] = set()
    for name, pos in POS.items():
        for line in (folder / f"index.{name}").read_text("latin-1").splitlines():
            if line.startswith("  "):
                continue
            fields = line.split()
            pointers = int(fields[3])
            if int(fields[5 + pointers]) > 0:
                tagged.add(fields[0].lower())
            offsets = fields[6 + pointers :]
            out[fields[0].lower()].append((pos, offsets[0]))
    return out, tagged


def related(word: str, sense: tuple[str, str], synsets: Synsets, symbols: str) -> set[str]:
    """The words ``symbols`` link to ``word`` in ``sense``: "=" its synset's words, "&" those of
    the synsets WordNet marks as similar (adjectives), "+" and "\\" the forms derived from the
    word itself, "!" its antonyms."""
    lemmas, pointers = synsets[sense]
    found = set(lemmas) if "=" in symbols else set()
    own = lemmas.index(word) + 1 if word in lemmas else 0
    for symbol, target, target_pos, source, target_word in pointers:
        other = synsets.get((target_pos, target))
        if other is None or symbol not in symbols:
            continue
        if symbol == "&":  # similar to: every word of the other synset
            found |= set(other[0])
        elif source == own and target_word:  # a lexical link from this word
            found.add(other[0][target_word - 1])
    return found


def build(folder: Path, symbols: str) -> dict[str, set[str]]:
    """Two words are linked when each is related to the other through its own most frequent
    sense: "quick" and "fast" (each the other's similar word), not "fast" and "dissipated"
    (whose first sense is similar to "fast living", not to "fast" as quick)."""
    synsets = read_data(folder)
    senses, tagged = first_senses(folder)
    vocab = (vocabulary() | tagged) & {w for w in senses if w.isalpha() and len(w) >= MIN_LETTERS}
    near = {
        w: set().union(*(related(w, s, synsets, symbols) for s in senses[w])) - {w} for w in vocab
    }
    table: dict[str, set[str]] = defaultdict(set)
    for word, others in near.items():
        for other in others:
            if other in vocab and word in near[other]:
                table[word].add(other)
    return table


NOTICE = "# WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. See LICENSE.\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if not (args.wordnet / "data.noun").is_file():
        print(f"error: no WordNet database in {args.wordnet} (apt-get install wordnet-base)")
        return 1
    same, opposite = build(args.wordnet, "=&+\\"), build(args.wordnet, "!")
    lines = [
        f"{w}\t{' '.join(sorted(same[w]))}\t{' '.join(sorted(opposite[w]))}\n"
        for w in sorted(same.keys() | opposite.keys())
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(args.out, "wb", mtime=0) as out:  # mtime 0: the same bytes each build
        out.write((NOTICE + "".join(lines)).encode("utf-8"))
    links = sum(len(v) for v in same.values()), sum(len(v) for v in opposite.values())
    print(f"{len(lines)} words, {links[0]} synonym and {links[1]} antonym links -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
