"""The shipped offline grader, loaded once, and hand-written items about prompt engineering."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tutor.grading import OfflineGrader
from tutor.retrieval import MiniLMEmbedder


@pytest.fixture(scope="session")
def grader(grader_embedder: MiniLMEmbedder) -> OfflineGrader:
    return OfflineGrader.load(grader_embedder)


@dataclass(frozen=True)
class HandItem:
    question: str
    reference: str
    paraphrase: str
    wrong: str
    negated: str
    half: str
    steps: list[str] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)


FEW_SHOT = HandItem(
    question="Why does adding a few worked examples to a prompt often improve a language "
    "model's output?",
    reference="The examples show the model the exact format and style of the output we want, "
    "so it imitates that pattern instead of guessing.",
    paraphrase="Because the examples demonstrate the style and format we want the output in, "
    "and the model copies that pattern rather than guessing.",
    wrong="Because longer prompts make the model respond faster.",
    negated="The examples do not show the model the format or style of the output we want, so "
    "it still has to guess.",
    half="The examples show the model the format we want.",
    steps=[
        "The examples demonstrate the desired output format and style.",
        "The model imitates the pattern it sees in the examples.",
        "So it has less to guess about what is wanted.",
    ],
    mistakes=["The examples retrain the model's weights so it permanently learns the task."],
)

SYSTEM_PROMPT = HandItem(
    question="What is a system prompt used for when building a chatbot on a language model?",
    reference="It sets the model's role, rules and tone for the whole conversation, before any "
    "user message is read.",
    paraphrase="The system prompt defines the assistant's role, the rules it must follow and "
    "its tone for the entire conversation, ahead of the user's messages.",
    wrong="It stores the chat history in a database.",
    negated="It does not set the model's role, rules or tone for the conversation.",
    half="It sets the role the model plays in the conversation.",
)

DELIMITERS = HandItem(
    question="Why should you wrap user-supplied text in clear delimiters inside a prompt?",
    reference="Delimiters separate the user's text from the instructions, so the model treats "
    "it as data and is less likely to follow instructions hidden in it.",
    paraphrase="So the model can tell the instructions apart from the user's text and treats "
    "that text as data, not as commands to obey, which protects against prompt injection.",
    wrong="Delimiters make the prompt shorter so it costs fewer tokens.",
    negated="Delimiters do not separate the user's text from the instructions, and the model "
    "still follows instructions hidden in it.",
    half="They separate the user's text from the instructions.",
)

ITEMS = [FEW_SHOT, SYSTEM_PROMPT, DELIMITERS]
