"""Word pairs the grader reads as saying opposite or different things.

Sentence vectors and the cross-encoder put a word and its opposite, or two terms learners mix
up, as close as synonyms: "Salt is insoluble, so it dissolves in water." for "Salt is soluble,
so it dissolves in water." was graded `correct` 0.86, "Tuples are mutable, ..." for "Tuples
are immutable, ..." 0.95. The clause check (:func:`tutor.grading.lexical.reversed_clauses`,
:func:`~tutor.grading.lexical.turns`) reads an answer clause that restates a key clause with
one of these words in place of its partner as saying the key's point the other way. Pairs are
of single words, compared by their clause stems, and count only where no negation governs
them ("not a conductor" says what "an insulator" says).
"""

from __future__ import annotations

# The trees' antonym feature (`lexical.antonym_clashes`) was trained with these: keep them.
ANTONYM_PAIRS = [
    ("increase", "decrease"), ("more", "less"), ("higher", "lower"), ("larger", "smaller"),
    ("bigger", "smaller"), ("positive", "negative"), ("open", "closed"), ("open", "close"),
    ("same", "different"), ("true", "false"), ("before", "after"), ("on", "off"),
    ("hot", "cold"), ("fast", "slow"), ("correct", "incorrect"), ("always", "never"),
    ("add", "remove"), ("gain", "lose"), ("series", "parallel"), ("connected", "disconnected"),
    ("complete", "incomplete"), ("rise", "fall"), ("up", "down"), ("long", "short"),
    ("high", "low"), ("strong", "weak"), ("increase", "reduce"), ("first", "last"),
    ("inside", "outside"), ("absorb", "reflect"), ("attract", "repel"), ("better", "worse"),
    ("specific", "vague"), ("explicit", "implicit"), ("include", "exclude"), ("allow", "prevent"),
]  # fmt: skip

# Directions, read by the clause check and, the first of each pair as "more", by comparisons
# ("slower than" is less "faster"). ("raise", "lower") and ("raises", "lowers"): the stemmer
# gives "raise" and "rais" (the clause check folds both to "rais", see `lexical.clause_stem`).
DIRECTION_PAIRS = [
    ("sharpen", "flatten"), ("raise", "lower"), ("raises", "lowers"), ("widen", "narrow"),
    ("expand", "shrink"), ("maximum", "minimum"), ("early", "late"), ("above", "below"),
    ("greater", "less"), ("greater", "smaller"), ("heavier", "lighter"),
    ("warmer", "cooler"), ("faster", "slower"), ("stronger", "weaker"), ("hotter", "colder"),
    ("longer", "shorter"), ("older", "younger"), ("richer", "poorer"),
]  # fmt: skip

# Opposites of school science, computing and everyday reasoning, for the clause check only.
OPPOSITE_PAIRS = [
    ("recent", "first"), ("recent", "oldest"), ("newest", "oldest"), ("latest", "earliest"),
    ("largest", "smallest"), ("biggest", "smallest"), ("highest", "lowest"),
    ("longest", "shortest"), ("fastest", "slowest"), ("heaviest", "lightest"),
    ("hottest", "coldest"), ("strongest", "weakest"), ("hardest", "softest"), ("most", "least"),
    ("regardless", "depend"), ("independent", "depend"), ("conductor", "insulator"),
    ("conduct", "insulate"), ("halve", "double"), ("exothermic", "endothermic"),
    ("evaporate", "condense"), ("evaporation", "condensation"), ("melt", "freeze"),
    ("acidic", "alkaline"), ("acidic", "basic"), ("acid", "alkali"), ("transparent", "opaque"),
    ("soluble", "insoluble"), ("mutable", "immutable"), ("lossy", "lossless"),
    ("expand", "contract"), ("expansion", "contraction"), ("encode", "decode"),
    ("encrypt", "decrypt"), ("ascend", "descend"), ("absorb", "emit"),
    ("absorption", "emission"), ("numerator", "denominator"), ("import", "export"),
    ("herbivore", "carnivore"), ("aerobic", "anaerobic"), ("dominant", "recessive"),
    ("convex", "concave"), ("vertical", "horizontal"), ("north", "south"), ("east", "west"),
    ("client", "server"), ("sender", "receiver"), ("synchronous", "asynchronous"),
    ("static", "dynamic"), ("public", "private"), ("push", "pull"), ("heat", "cold"),
    ("heat", "cool"), ("absorb", "release"), ("speed", "slow"), ("speeds", "slows"),
    ("rises", "falls"), ("boom", "crash"),
]  # fmt: skip

# Terms learners mix up: one in place of the other says something else.
CONFUSABLE_PAIRS = [
    ("mitosis", "meiosis"), ("artery", "vein"), ("arteries", "veins"), ("weather", "climate"),
    ("herbivore", "carnivore"), ("herbivore", "omnivore"), ("carnivore", "omnivore"),
    ("respiration", "photosynthesis"), ("mass", "weight"),
    ("conduction", "convection"), ("stack", "queue"), ("compiler", "interpreter"),
    ("virus", "bacteria"), ("prokaryotic", "eukaryotic"), ("ionic", "covalent"),
    ("kinetic", "potential"), ("heat", "temperature"), ("precision", "recall"),
    ("solid", "liquid"), ("liquid", "gas"), ("solid", "gas"),
    ("oxygen", "dioxide"),  # "carbon dioxide" read by its second word
    ("rotate", "orbit"), ("rotation", "orbit"), ("rotation", "revolution"),
    # how running time grows, and the searches that give it
    ("constant", "linear"), ("constant", "logarithmic"), ("linear", "logarithmic"),
    ("linear", "quadratic"), ("logarithmic", "quadratic"), ("polynomial", "exponential"),
    ("linear", "exponential"), ("linear", "binary"),
    ("sun", "moon"), ("oxygen", "nitrogen"), ("physical", "chemical"),
]  # fmt: skip
