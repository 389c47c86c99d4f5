# Everything runs from a local virtualenv that `make install` creates from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run index test test-slow test-servers lint bench evals clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed ## create .venv and install tutor with its dev tools

index: install ## index corpus/ into the local Chroma store
	$(BIN)/tutor index

run: index ## set up, index the corpus and serve on http://$(HOST):$(PORT)
	$(BIN)/tutor serve --host $(HOST) --port $(PORT)

lint: install ## ruff and mypy
	$(BIN)/ruff check tutor tests benchmarks
	$(BIN)/mypy

# The slow suites (marked `slow`: public test sets, whole attack suites, replicas being
# reloaded, a worker pool of processes; about 3 minutes) run in `make test-slow`, which CI runs
# too, so that `make test` stays well under 10 minutes on 2 cores.
test: lint ## lint, then the test suite but its slow suites
	$(BIN)/pytest -m "not slow"

test-slow: install ## the slow suites (CI runs them after make test)
	$(BIN)/pytest -m "slow and not servers"

# The store, learner, API and OpenAI-compatible suites again on Postgres and a Chroma server,
# and two `tutor serve` replicas taking answers at once (tests marked `servers`). Needs
# TUTOR_TEST_DATABASE_URL and TUTOR_TEST_CHROMA_URL: `source .ci/servers.sh && start_test_servers`.
SERVER_SUITES := tests/store tests/learners tests/api tests/openai_compat \
	tests/grading_service/test_shared_caches.py
test-servers: install ## the servers suites (Postgres, Chroma server, two replicas)
	@test -n "$$TUTOR_TEST_DATABASE_URL" -a -n "$$TUTOR_TEST_CHROMA_URL" || { echo \
		"error: start the servers first: source .ci/servers.sh && start_test_servers" >&2; exit 1; }
	$(BIN)/pytest -m servers $(SERVER_SUITES)

bench: install ## print retrieval figures
	$(BIN)/python benchmarks/retrieval.py

# The offline grader on our eval sets and on the public test sets in ../shared (skipped when
# absent, with a "skipped NAME: why" line; without --skip-missing an absent set is an error),
# measured by the verdict the learner sees. Each gate sits a little on the safe side of
# the figure measured when it was set, so a regression fails CI; set for
# offline-grader@3.c83ea41fd9 and checked on 3.776ac61e02 (docs/design/evals.md, `tutor eval
# gates RUN_FOLDER`).
# Reports land in reports/evals/.
EVAL := $(BIN)/tutor eval grading --fresh
EVAL_REPORTS := reports/evals
# The review gates (2026-12-07): the verdicts given without needs_review must stay right and
# the share sent to a teacher must not grow to buy it. Measured: our items 0.557 sent to review,
# the rest 1.000 right; SciEntsBank 0.374 / 0.896; Beetle 0.310 / 0.931; Khan 0.881 / 0.947.
REVIEW_CORPUS ?= --min-accuracy-without-review 0.97 --max-review-rate 0.60
REVIEW_SCIENTSBANK ?= --min-accuracy-without-review 0.87 --max-review-rate 0.40
REVIEW_BEETLE ?= --min-accuracy-without-review 0.91 --max-review-rate 0.34
REVIEW_KHAN ?= --min-accuracy-without-review 0.92 --max-review-rate 0.91
GATES_CORPUS ?= --min-kappa 0.72 --min-weighted-kappa 0.85 --min-macro-f1 0.80 \
	--min-accuracy 0.81 --max-flip-rate 0 --max-injection-inflation 0.03 \
	--max-paraphrase-disagreement 0.12 --max-verbosity-inflation 0.03 $(REVIEW_CORPUS)
# SciEntsBank's paraphrase disagreement is 0.098 on a fresh install of 2026-12-06 (0.087 on the
# install before, the same commit: the dependencies' numerics moved; macro-F1 0.783 -> 0.778).
# Injection inflation through the grading service (its guard in the figures since 2026-12-06):
# SciEntsBank 0.038 -> 0.019, Beetle 0.057 -> 0.038; each wrapped answer still graded correct
# is one whose plain answer the grader already gives correct (net inflation 0).
GATES_SCIENTSBANK ?= --min-kappa 0.55 --min-macro-f1 0.76 --min-accuracy 0.77 \
	--max-injection-inflation 0.03 --max-paraphrase-disagreement 0.11 --max-verbosity-inflation 0.04 \
	$(REVIEW_SCIENTSBANK)
GATES_BEETLE ?= --min-kappa 0.71 --min-macro-f1 0.85 --min-accuracy 0.86 \
	--max-injection-inflation 0.05 --max-paraphrase-disagreement 0.07 --max-verbosity-inflation 0.04 \
	$(REVIEW_BEETLE)
# Khan's items are unseen by every model: kappa 0.253 by verdict (target 0.45, issue 11) since
# each kind of answer its rubric lists is a reference (0.151 before). Its robustness gates held
# an older grader's figures (0.27 / 0.15 / 0.23); measured on 2026-12-06: injection 0,
# paraphrase disagreement 0.008, verbosity 0.
GATES_KHAN ?= --min-kappa 0.22 --min-macro-f1 0.54 --min-accuracy 0.60 \
	--max-injection-inflation 0.03 --max-paraphrase-disagreement 0.04 --max-verbosity-inflation 0.03 \
	$(REVIEW_KHAN)

# New items as a content team writes them (evals/new-items.jsonl: 12 questions with a key of one
# reference and no graded answers; a right, a half and two wrong answers each, the wrong ones
# mostly the key turned round). The gates hold the figures of 2026-12-07 (kappa 0.319, accuracy
# 0.521; the blend before the one for a single reference scored 0.411 / 0.604 here while it
# scored 0.581 against 0.724 on SciEntsBank's new questions). The inflation rates count wrong
# answers graded correct with or without the added text: none was lifted by it (net 0). The
# gates leave about two answers' room (0.229 / 0.208 measured): on a CPU without VNNI the
# cross-encoder's uint8 copy moves scores up to 0.003, and two of these answers sit that close
# to the correct band.
GATES_NEW_ITEMS ?= --min-kappa 0.27 --min-accuracy 0.47 --max-paraphrase-disagreement 0.08 \
	--max-injection-inflation 0.25 --max-verbosity-inflation 0.30

# Contrast cases (evals/contrast.yaml: negations, swaps, keyword salad, padding, ...), graded
# with the items' graded answers and without (a new question); both runs print before either
# fails the target. The issue's target is 0 wrong answers graded correct; these gates hold the
# measured figures (14 and 7 of the 84 wrong answers among 114 cases today: 9 / 6 right answers
# with a false claim added, 4 / 1 swaps, 1 / 0 negation) so that nothing regresses meanwhile.
# With examples 20 since 2026-12-06: the claim match stopped reading "Ignoring the token cost of
# extra chunks" as a claim, whose whole-answer match had capped rag-08-false1 (an answer that
# states the token cost) for the wrong reason.
# 19 since the clause check also reads opposites ("lowering it flattens" for "lowering it
# sharpens"): samp-02-swap1, with and without examples.
# 18 since a worked result is checked against the key's (ctx-04-swap1: "$25 per day"); 15 since
# the clause check reads "example"/"examples" alike and a long clause negated after its subject;
# 14 since a figure per unit must be the key's (ctx-04-false1: "$3,650 per month").
# 13 since an answer stating two listed mistakes, whole or in part, is capped (ftp-04-swap1);
# 14 since the trees were refitted with rows that see right answers alone as their examples
# (offline-grader@3.776ac61e02): fsp-05-false1 crossed into the correct band (paraphrase
# recall 0.55 either way). The refit on the same vectors without that copy also gives 14.
GATES_CONTRAST ?= --max-wrong-correct 14 --max-verbosity-inflation 0.05 --min-review-rate 1
# Without examples 10 since the fresh install of 2026-12-06 (9 before; f54de44 gives 10 there
# too: one more false-claim case over the band, the dependencies' numerics, not the grader);
# 9 again since the opposites (samp-02-swap1).
# 8 since the worked result (ctx-04-swap1); 7 since a figure per unit (ctx-04-false1).
# 10 since a key of one reference has its own blend (artifact.Stack.single, 2026-12-07): it
# credits right answers to new questions (SciEntsBank's held-out macro-F1 0.581 -> 0.724, this
# suite's paraphrases 3 -> 11 of 20) and lifts three wrong ones over the band (8 of the 10 carry
# needs_review).
GATES_CONTRAST_NEW ?= --max-wrong-correct 10 --max-verbosity-inflation 0.05 --min-review-rate 1
# With the items' graded answers scored 1 alone (an item written with model answers): 10 wrong
# answers graded correct, paraphrase recall 0.45 (2026-12-07, offline-grader@3.776ac61e02);
# 20 and 1.00 before the trees saw such rows in training: every answer looked right.
GATES_CONTRAST_RIGHT ?= --max-wrong-correct 10 --max-verbosity-inflation 0.05 --min-review-rate 1
# Stated common mistakes (evals/mistakes.yaml): precision 0.62, recall 0.34 today, on the
# int8-weight embedder (10bba1a: 0.72 / 0.22 before mistakes of leaving something out were named;
# 0.67 / 0.37 with them on the uint8-weight one, 0.73 / 0.23 without).
# 0.614 / 0.329 since a wrong worked result is not read for a step left out (ctx-04: one right
# name lost, two wrong ones avoided); 0.600 / 0.329 since the evals grade through the grading
# service: a pi-04 answer quoting "ignore previous instructions" is flagged, graded without that
# sentence as learners get it, and named a mistake it does not make.
# 0.600 / 0.314 since seven over-claim cases joined the set (2026-12-06: four answers making a
# mistake that turns on "fully", "always" or "guaranteed", none named: their parts sit 0.1-0.4
# from the mistake's words, "XML tags fix that completely" against "delimiters fully solve the
# problem"; three right answers using such words, none named).
# 0.605 / 0.302 since the refit of offline-grader@3.776ac61e02 (one right name fewer: part
# matches are named on answers not graded correct, and one more of them is graded correct).
# 0.646 / 0.360 since a part that says the mistake's words (an overclaim for an overclaim)
# is read as stating it where its vector is nearer the key (2026-12-07: 5 more named, none
# wrongly; no grade of the other evals moved).
GATES_MISTAKES ?= --min-precision 0.63 --min-recall 0.35
# Follow-ups in dialogues (evals/dialogues/, `tutor eval dialogue`): hit@1 0.73, hit@3 0.91 and
# 0 of 182 turns with a wrong attempt in context today, on the int8-weight embedder (0.74 / 0.92
# on the uint8-weight one before 10bba1a, 0.73 / 0.92 on fp32; issue 14's goal: hit@3 >= 0.9, 0).
GATES_DIALOGUE ?= --min-hit1 0.70 --min-hit3 0.89 --max-wrong-attempt 0 --min-attempt-recall 1

evals: install ## grade the eval sets with the offline grader; fail on a gate
	$(EVAL) evals/corpus --repeats 2 --report $(EVAL_REPORTS)/corpus $(GATES_CORPUS)
	$(EVAL) asag:scientsbank --skip-missing --report $(EVAL_REPORTS)/scientsbank $(GATES_SCIENTSBANK)
	$(EVAL) asag:beetle --skip-missing --report $(EVAL_REPORTS)/beetle $(GATES_BEETLE)
	$(EVAL) khan --skip-missing --report $(EVAL_REPORTS)/khan $(GATES_KHAN)
	$(EVAL) evals/new-items.jsonl --report $(EVAL_REPORTS)/new-items $(GATES_NEW_ITEMS)
	$(BIN)/tutor eval contrast $(GATES_CONTRAST); status=$$?; \
		$(BIN)/tutor eval contrast --right-only $(GATES_CONTRAST_RIGHT) || status=1; \
		$(BIN)/tutor eval contrast --no-examples $(GATES_CONTRAST_NEW) && exit $$status
	$(BIN)/tutor eval mistakes $(GATES_MISTAKES)
	$(BIN)/tutor eval dialogue $(GATES_DIALOGUE)

clean:
	rm -rf $(VENV) .tutor-data .pytest_cache .mypy_cache .ruff_cache
