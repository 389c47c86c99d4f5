"""Sentence splitting and relevant, non-redundant sentence selection."""

from __future__ import annotations

from tutor.engines.extractive import candidates, select, split_sentences
from tutor.engines.lexicon import Lexicon
from tutor.retrieval import Hit, MiniLMEmbedder


def test_sentences_split_at_ends_but_not_after_abbreviations() -> None:
    text = 'Use tags, e.g. <doc>. Then say "Only the line." Numbers like 0.75 stay whole.\n2 cats.'
    assert split_sentences(text) == [
        "Use tags, e.g. <doc>.",
        'Then say "Only the line."',
        "Numbers like 0.75 stay whole.",
        "2 cats.",
    ]


def hit(passage_id: str, text: str, score: float = 0.5) -> Hit:
    return Hit(passage_id, "l", "L", "solution", "", (), text, score)


def test_selection_prefers_relevant_sentences_and_skips_near_duplicates(
    embedder: MiniLMEmbedder,
) -> None:
    passages = [
        hit("l/a", "Temperature reshapes the probability distribution over the next token. "
                   "Lower temperature makes the output more predictable and repeatable. "
                   "The office closes at five on Fridays in the summer."),
        hit("l/b", "A lower temperature makes the model's output more predictable and repeatable. "
                   "Higher temperature flattens the distribution and adds variety to outputs."),
    ]  # fmt: skip
    lexicon = Lexicon(p.text for p in passages)
    pool = candidates(passages)

    chosen = select(embedder, "What does temperature do?", pool, limit=3, lexicon=lexicon)

    texts = [s.text for s in chosen.sentences]
    assert "The office closes at five on Fridays in the summer." not in texts
    predictable = [t for t in texts if "predictable" in t]
    assert len(predictable) == 1  # the near-duplicate was not picked twice
    groups = chosen.groups()
    assert all(texts_ for _, texts_ in groups)


def test_a_sentence_that_leans_back_brings_its_predecessor(embedder: MiniLMEmbedder) -> None:
    passages = [
        hit("l/a", "Models follow any instructions they read, even inside data. "
                   "Prompt injection exploits this: attackers hide commands in documents.")
    ]  # fmt: skip
    chosen = select(embedder, "prompt injection attackers", candidates(passages), limit=1)
    ((_, texts),) = chosen.groups()
    assert texts == [
        "Models follow any instructions they read, even inside data.",
        "Prompt injection exploits this: attackers hide commands in documents.",
    ]
