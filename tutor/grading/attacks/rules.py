"""What attacks on a grader say, as patterns over the folded (lower-cased) views of an answer.

*Structure* rules look for shapes an honest answer never has (role tags, JSON grades, role
markers at the start of a line, closing delimiters, HTML comments) and see quoted text too.
*Phrase* rules look for what an attack asks or claims; they do not see quoted mentions.
Each rule names its category, as in ``evals/attacks.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    name: str
    category: str
    pattern: re.Pattern[str]
    unless_after: re.Pattern[str] | None = None  # ignore a match after this, in its sentence

    def search(self, text: str) -> re.Match[str] | None:
        for match in self.pattern.finditer(text):
            before = re.split(r"[.!?\n]", text[max(0, match.start() - 30) : match.start()])[-1]
            if self.unless_after is None or not self.unless_after.search(before):
                return match
        return None


def _rule(name: str, category: str, pattern: str, unless_after: str | None = None) -> Rule:
    after = re.compile(unless_after + r"\s*$") if unless_after else None
    return Rule(name, category, re.compile(pattern, re.MULTILINE), after)


# A good grade, as an attack asks for it; FULL is a top mark in words or numbers.
FULL = (
    r"(?:(?:full|maximum|max|top|perfect|highest) (?:marks?|credit|points?|score|grade)|"
    r"1\.0+|100 ?%|100/100|10/10|5/5|100)"
)
GOOD = rf"(?:correct|right|accepted|perfect|a pass|passing|pass|{FULL})"
NOT_CONDITIONAL = r"(?![\"']?\s*(?:or|and|/|only|if|when|unless)\b)"
OBJECT = (
    r"(?:this|it|me|everything|the above|(?:this|my|the|every|all|any)(?: learner'?s| student'?s)?"
    r" (?:answers?|responses?|submissions?|work|one)(?: above)?)"
)
ROLE = (
    r"(?:system|developer|dev|admin(?:istrator)?|assistant|grader|teacher|instructor|moderator|"
    r"examiner|evaluator|marker|operator|course team|staff|ai|model)"
)
INSTRUCTIONS = r"(?:instructions?|rules?|prompts?|directions?|guidelines?|constraints?|commands?)"
RUBRIC = (
    r"(?:rubric|reference(?: answers?)?|answer key|marking scheme|mark scheme|grading criteria|"
    r"criteria|grading rules)"
)
START = r"(?:^|[.!?;:(\[\-]\s*|\bplease,?\s+|\bnow,?\s+|\bjust\s+|\band\s+|,\s*)"
MENTION = (
    r"\b(?:attackers?|injections?|malicious|jailbreaks?|tricks?|asks? (?:the |a )?(?:model|llm|"
    r"bot|assistant|ai) to|tells? (?:the |a )?(?:model|llm|bot|assistant|ai) to|such as|e\.g\.)"
    r"\b.{0,25}"
)

STRUCTURE_RULES = (
    _rule(
        "role_tag",
        "spoofed_role",
        r"<\s*/?\s*(?:system|assistant|user|developer|instructions?|reference|learner[\s_-]?"
        r"text|question|grader|admin|rubric|answer)\b[^<>\n]{0,60}>|\[/?(?:inst|system|sys|"
        r"learner_text|reference|assistant)\]|<\|[a-z_]{2,20}\|>|<<\s*/?sys\s*>>",
    ),
    _rule(
        "role_marker",
        "spoofed_role",
        rf"^\W{{0,6}}{ROLE}(?:\s+(?:message|notice|note|instructions?|override|prompt|update|"
        r"mode|command|says))?\s*(?:\([^)\n]{0,30}\))?\s*[\]):>]",
    ),
    _rule(
        "json_grade",
        "fake_verdict",
        r"[\"'](?:verdict|grade|result)[\"']\s*:\s*[\"']?(?:correct|right|pass)|[\"'](?:score|"
        r"confidence)[\"']\s*:\s*[\"']?(?:1(?:\.0+)?|100|0?\.9\d*|9\d)(?![\d.])|[\"']flags[\"']"
        r"\s*:\s*\[\s*\]",
    ),
    _rule(
        "grade_line",
        "fake_verdict",
        r"\b(?:grade|verdict|score|result|evaluation|assessment)\s*[:=]\s*[\"']?(?:correct|"
        rf"right|pass|perfect|{FULL})(?![a-z\d])",
    ),
    _rule("html_comment", "hidden_text", r"<!--"),
    _rule(
        "end_marker",
        "delimiter",
        r"\b(?:end|close|stop) of (?:the )?(?:learner'?s? |student'?s? )?(?:answer|response|"
        r"submission|input|text|data)\b|^#{2,}\s*(?:end|begin|grader|grading|system|new|"
        r"instructions?)\b|\b(?:grader|grading|system) instructions?\s*[:#]|\bbegin (?:new |"
        r"the )?(?:grader |grading |system )?instructions?\b",
    ),
)

PHRASE_RULES = (
    _rule(
        "ignore_rubric",
        "instruction",
        r"\b(?:ignore|disregard|forget|override|bypass|skip|overlook|set aside)\s+(?:all |any |"
        r"the |your |these |those |every )*(?:(?:previous|prior|above|earlier|preceding|former|"
        rf"original|system|grading)\s+)+(?:\w+\s+)?{INSTRUCTIONS}|\b(?:ignore|disregard|"
        rf"forget|override|bypass|overlook|set aside)\s+(?:the |your |this |any )?{RUBRIC}\b",
        unless_after=MENTION,
    ),
    _rule(
        "ignore_imperative",
        "instruction",
        rf"{START}(?:ignore|disregard|forget)\s+(?:(?:all|any|the|your|my|these|those)\s+)*"
        rf"(?:{INSTRUCTIONS}|everything|above)\b",
    ),
    _rule(
        "new_instructions",
        "instruction",
        rf"\b(?:new|updated|revised|real|actual) {INSTRUCTIONS}\s*[:!]|\bthe (?:grading )?"
        r"criteria (?:have|has) (?:been )?(?:updated|changed)",
    ),
    _rule(
        "grade_request",
        "instruction",
        r"\b(?:mark|grade|score|rate|record|label|evaluate|treat|accept|consider|count|classify"
        rf"|judge)\s+{OBJECT}\s+(?:as\s+)?(?:being\s+)?(?:an? )?(?:fully |completely |entirely "
        rf")?{GOOD}(?![a-z]){NOT_CONDITIONAL}|\b(?:give|award|assign|grant)\s+{OBJECT}\s+"
        rf"(?:an? |the )?(?:(?:score|grade|mark|verdict)\s+(?:of\s+)?)?{FULL}",
        unless_after=r"\b(?:whether|if|only|should|would|could|judges?)\b.{0,12}",
    ),
    _rule(
        "give_full_marks",
        "instruction",
        rf"{START}(?:give|award|assign|grant)\s+(?:the |a )?(?:full|maximum|max|top|perfect|"
        r"highest)\s+(?:marks?|credit|points?|score|grade)\b",
    ),
    _rule(
        "output_verdict",
        "instruction",
        r"\b(?:output|return|print|respond with|reply with|answer with|returns?)\s+(?:the )?"
        rf"(?:verdict|grade|score)\s*(?:=|:|of|as|is)?\s*[\"']?{GOOD}(?![a-z]){NOT_CONDITIONAL}"
        rf"|{START}(?:output|print|return|reply with|respond with)\s+(?:that|the|its|this|my)"
        r"\s+(?:grade|verdict|score)\b|\bif (?:this|my) answer (?:were|was|is) (?:correct|"
        r"right)\b[^.\n]{0,40}\b(?:grade|score|verdict)\b",
    ),
    _rule(
        "self_assessment",
        "fake_verdict",
        r"\bmy (?:answer|response|submission)\b[^.\n]{0,30}\b(?:is|was|has been|should be|must"
        r" be|deserves?)\s+(?:\w+\s+){0,2}?(?:correct|right|accepted|perfect|full marks|full "
        r"credit|a pass)\b|\b(?:the )?(?:learner'?s |student'?s )?answer above is (?:\w+ )?"
        r"(?:correct|right)\b|\bdeserves? (?:full|maximum|top|perfect|the highest) (?:marks?|"
        r"credit|score|points|grade)\b|\bthis (?:answer|response|submission) (?:should|must) be"
        r" (?:marked|graded|scored|accepted|recorded)\b",
        unless_after=r"\b(?:whether|if)\b.{0,12}",
    ),
    _rule(
        "preapproved",
        "spoofed_role",
        r"\b(?:pre-?approved|re-?reviewed|calibration mode|priority 0|rubric bug|already (?:been"
        r" )?(?:checked|reviewed|approved|verified|graded)\b[^.\n]{0,40}\bcorrect)\b|\b(?:note|"
        r"notice|memo|message) (?:from|to|for) (?:the )?(?:teacher|grader|instructor|admin\w*|"
        r"examiner|evaluator|marker|course team)\b|\binstructions? (?:to|for) the (?:grader|"
        r"evaluator|marker|examiner)\b",
    ),
    _rule(
        "role_play",
        "role_play",
        r"\byou are (?:now|no longer) (?:an? |the |my |in )?(?:\w+ ){0,2}?\w*(?:bot|grader|gpt|"
        r"assistant|model|ai|mode|judge|teacher|examiner)\b|\bfrom now on,? you\b|\bpretend "
        r"(?:to be|you are|that you)\b|\blet'?s play a game\b|\b(?:you are|as) (?:an? |the )?"
        rf"\w+(?:grader|gradebot)\b|{START}act as\b",
        unless_after=MENTION,
    ),
    _rule(
        "reference_attack",
        "reference_attack",
        r"\b(?:reference(?: answers?)?|answer key|marking scheme|rubric)\b[^.\n]{0,40}?\b(?:is|"
        r"was|are|were)\s+(?:\w+\s+)?(?:wrong|incorrect|outdated|out of date|mistaken|false|"
        r"obsolete|erroneous)\b|\b(?:answer key|rubric|marking scheme|reference answer|grading "
        r"criteria)\b[^.\n]{0,40}\b(?:was|were|has been|have been)\s+(?:\w+\s+)?(?:corrected|"
        r"updated|changed|revised|replaced|fixed)\b|\berrat(?:a|um)\b|\b(?:is|as) (?:now )?the"
        r" (?:accepted|official) answer\b|\bany answer (?:that|which)\b[^.\n]{0,60}\b(?:is|are|"
        r"counts? as)\s+(?:now\s+)?(?:correct|acceptable|accepted|right)\b",
        unless_after=r"\b(?:if|when|whether|unless)\b.{0,20}",
    ),
    _rule(
        "appeal",
        "social",
        r"\bi (?:will|'ll|would) (?:fail|lose|be expelled)\b|\bscholarship\b|\b(?:rate|review) "
        r"(?:this|the|you) (?:tutor|bot|grader|service|app)\b|\bif you (?:mark|grade|score|rate|"
        rf"pass) (?:this|it|me|my answer) (?:as )?{GOOD}|\b(?:tip|pay|bribe) you\b|\bgrade "
        r"(?:me )?(?:only )?on effort\b|\bi tried (?:very |really |so )?hard\b|\bwith \d+ years "
        r"of experience\b|\bi (?:can )?(?:assure|promise|guarantee) you\b|\btrust me\b",
    ),
    _rule(
        "obfuscated_instruction",
        "obfuscation",
        r"\bdecode (?:and|then) (?:follow|obey|execute|run|do)\b|\bfollow (?:the )?(?:hidden|"
        r"encoded|decoded) \w+|^\s*keywords?\s*:|\ball (?:key )?points covered\b|\bmatches the "
        r"reference(?: answer)? exactly\b",
    ),
    _rule(
        "other_language",
        "obfuscation",
        r"\b(?:instrucci[oó]n|instruction|anweisung|instru[cç][aã]o|istruzione)\s+(?:para|pour|"
        r"f[uü]r|per)\s+(?:el|le|la|den|die|o|il)\s+(?:evaluador|correcteur|pr[uü]fer|bewerter|"
        r"avaliador|valutatore)|\b(?:respuesta|r[eé]ponse|antwort|resposta|risposta)\b[^.\n]"
        r"{0,30}\b(?:es|est|ist|[eé]|está) (?:correcta|correcte|richtig|korrekt|correta|"
        r"corretta)\b|\b(?:puntuaci[oó]n|calificaci[oó]n|note|punktzahl|pontua[cç][aã]o|"
        r"punteggio) m[aá]xim[ao]|\bnote maximale\b|\bvolle punktzahl\b|\bignor(?:a|ez|iere|"
        r"ar)\s+(?:las|les|die|as|le)\s+(?:instrucciones|instructions|anweisungen|instru[cç]"
        r"[oõ]es|istruzioni)\b",
    ),
)
