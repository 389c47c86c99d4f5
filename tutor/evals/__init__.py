"""Can the grader be trusted? Agreement with people, and with itself.

    cases = load_cases("evals/corpus", corpus_dir=settings.corpus_dir)
    outcome = await evaluate(grader, version, "evals/corpus", cases, RunDir(path), Options())
    outcome.figures["agreement"]["kappa"], outcome.passed

``Grader`` is the seam (offline model, LLM through the gateway, scripted fakes in tests);
``harness`` runs the whole thing; ``labels`` measures labels that already exist;
``compare`` sets two runs side by side. See docs/design/evals.md.
"""

from tutor.evals.cases import EvalCase, Scheme
from tutor.evals.compare import compare
from tutor.evals.graders import Grader, OfflineAdapter, grader_for
from tutor.evals.harness import Options, Outcome, evaluate, load_cases
from tutor.evals.labels import label_agreement
from tutor.evals.results import Manifest, Result, RunDir

__all__ = [
    "EvalCase",
    "Grader",
    "Manifest",
    "OfflineAdapter",
    "Options",
    "Outcome",
    "Result",
    "RunDir",
    "Scheme",
    "compare",
    "evaluate",
    "grader_for",
    "label_agreement",
    "load_cases",
]
