"""The grading cross-encoder: question, reference and answer read together, int8 ONNX.

all-MiniLM-L6-v2 fine-tuned by ``scripts/train_cross_encoder.py`` to give P(correct) for an
answer against one reference. Unlike sentence vectors compared afterwards, the encoder attends
across the pair, so "lowering the temperature sharpens" and "... flattens" come out differently.
The file is quantized for int8 compute (``MatMulInteger``) and runs on onnxruntime with the
WordPiece tokenizer the embedder already ships; no torch at run time.

Its weights are int8 against uint8 activations, which only CPUs with VNNI multiply exactly: an
x86 CPU without it (AVX2 alone, or AVX-512 without VNNI) sums pairs of products in 16 bits
that saturate: on an AVX2-only AMD EPYC (2026-12-06) its probabilities moved 0.02 on
average and up to 0.20 (1,500 train pairs), and 357 of 13,045 verdicts changed. A second
file holds the same weights as uint8 (each plus 128, zero point 128: the same integer
products, which no kernel saturates); elsewhere the encoder runs that one, ~20% slower per
pair, and scores as VNNI does (within float rounding: 0.003).

Answers longer than the token budget are truncated (the answer is capped first, then the longer
segment is cut), so repeating a sentence cannot raise its score.

Its probabilities are read within the range it gave the rows it was trained on (``range`` in
``cross_encoder.json``, written by ``scripts/cross_encoder_range.py``), so a stacked score is
bounded before the encoder runs (:attr:`CrossEncoder.bounds`).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tutor.errors import ConfigurationError
from tutor.retrieval.embedder import onnx_session, tokenizer_file

MODEL_DIR = Path(__file__).parent / "model"
MODEL_FILE = "cross_encoder.onnx"
UINT8_FILE = (
    "cross_encoder.u8.onnx"  # the same model, uint8 weights (scripts/train_cross_encoder.py)
)
_VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})  # uint8 x int8 exact in 32 bits
SETTINGS_FILE = "cross_encoder.json"
MAX_TOKENS = 160
_QUESTION_CHARS, _REFERENCE_CHARS, _ANSWER_CHARS = 240, 280, 600  # caps before tokenizing
_MAX_REFERENCES = 3  # an answer is scored against up to three references; the best counts


def exact_int8_weights(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU multiplies uint8 activations by int8 weights exactly (VNNI). Unknown
    (no ``/proc/cpuinfo``: not Linux) counts as no."""
    try:
        text = cpuinfo.read_text("utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(_VNNI_FLAGS & set(line.partition(":")[2].split()))
    return False


def pair_text(question: str, reference: str, answer: str) -> tuple[str, str]:
    """The two segments the model reads: task (question and key), then the learner's answer."""
    q, r = " ".join(question.split())[:_QUESTION_CHARS], " ".join(reference.split())
    a = " ".join(answer.split())[:_ANSWER_CHARS]
    return f"question: {q} answer key: {r[:_REFERENCE_CHARS]}", a


class CrossEncoder:
    """Loads lazily; thread-safe (onnxruntime sessions may run concurrently)."""

    def __init__(
        self,
        directory: Path = MODEL_DIR,
        *,
        batch_size: int = 1,
        threads: int = 1,
        parallel: int | None = None,
        int8_weights: bool | None = None,
        clip: bool = True,
    ) -> None:
        """``batch_size`` 1 by default: dynamic int8 quantizes activations with one scale per
        batch, so a pair's probability would depend on the other pairs in its batch (up to
        0.1 measured), and on 2 cores single pairs were also the fastest (34 pairs/s against
        25 at 32 with padding).

        ``threads`` is onnxruntime's intra-op threads per pair: one, because a pair's matrices
        are too small to split (two threads took 53 ms of CPU per SciEntsBank answer against
        27 for one, and no less time). Many pairs instead run ``parallel`` at once (default:
        one per core, at most 4), each on its own thread of the one session.

        ``int8_weights`` picks the file: the int8 weights (True), their uint8 copy (False), or
        (None) the int8 weights where the CPU multiplies them exactly
        (:func:`exact_int8_weights`) or no uint8 copy is there.

        ``clip``: read the probabilities within :attr:`bounds` (False: as the model gives
        them, which ``scripts/cross_encoder_range.py`` measures)."""
        if int8_weights is None:
            int8_weights = exact_int8_weights() or not (directory / UINT8_FILE).is_file()
        self._path = directory / (MODEL_FILE if int8_weights else UINT8_FILE)
        self._settings_path = directory / SETTINGS_FILE
        self._batch_size, self._threads = batch_size, threads
        self._parallel = max(1, parallel or min(4, os.cpu_count() or 1))
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._pool: ThreadPoolExecutor | None = None  # made once, at the first call needing it
        self._bounds = self._measured_range() if clip else None

    @property
    def available(self) -> bool:
        return self._path.is_file()

    @property
    def version(self) -> str:
        """The model's identity, which the grader's stack was fitted for and cached grades key
        on: the sha256 of the file as quantized (``quantized_sha256``), kept by the exact graph
        rewrite of ``scripts/train_cross_encoder.py`` (bit-identical logits) and by its uint8
        copy (the same integer products), or of the file."""
        if not self._settings_path.is_file():
            return "missing"
        settings = json.loads(self._settings_path.read_text("utf-8"))
        return str(settings.get("quantized_sha256") or settings.get("sha256", "unknown"))[:10]

    @property
    def bounds(self) -> tuple[float, float] | None:
        """The lowest and highest P(correct) the model gave the rows it was trained on (the
        settings' ``range``), within which its probabilities are read; None where not
        measured, or for an encoder made with ``clip=False``. A grader that blends the
        encoder's log-odds monotonically can then bound an answer's score from the other model
        alone (the LLM path's guard, :meth:`OfflineGrader.guard_scores`)."""
        return self._bounds

    def _measured_range(self) -> tuple[float, float] | None:
        if not self._settings_path.is_file():
            return None
        measured = json.loads(self._settings_path.read_text("utf-8")).get("range")
        return (float(measured["low"]), float(measured["high"])) if measured else None

    def _clipped(self, probabilities: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        bounds = self.bounds
        return probabilities if bounds is None else np.clip(probabilities, *bounds)

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                if not self._path.is_file():
                    raise ConfigurationError(
                        f"the grading cross-encoder {self._path} is missing; "
                        "train it with scripts/train_cross_encoder.py"
                    )
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(tokenizer_file()))
                # the longer segment is cut first: with the caps above, that is the answer
                tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="longest_first")
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
                self._session = onnx_session(self._path, self._threads)
                self._tokenizer = tokenizer
            return self._session, self._tokenizer

    def score(self, triples: Sequence[tuple[str, Sequence[str], str]]) -> npt.NDArray[np.float64]:
        """P(correct) per (question, references, answer): the best over its references."""
        pairs, owner = _pairs(triples)
        return self._clipped(_best(self._run(pairs), owner, len(triples)))

    def submit(
        self, triples: Sequence[tuple[str, Sequence[str], str]]
    ) -> Callable[[], npt.NDArray[np.float64]]:
        """:meth:`score`, started on the encoder's threads: the returned function waits for
        the probabilities. The caller does other work meanwhile (the grader computes the trees'
        features), so one answer's pair and its embedding passes run on two cores at once."""
        pairs, owner = _pairs(triples)
        if not pairs:
            return lambda: np.zeros(len(triples))
        run, out, shares = self._shares(pairs)
        futures = [self._threads_pool().submit(run, share) for share in shares]

        def result() -> npt.NDArray[np.float64]:
            for future in futures:
                future.result()
            return self._clipped(_best(out, owner, len(triples)))

        return result

    def _run(self, pairs: list[tuple[str, str]]) -> npt.NDArray[np.float64]:
        if not pairs:
            return np.zeros(0)
        run, out, shares = self._shares(pairs)
        if len(shares) == 1:
            run(shares[0])
            return out
        # onnxruntime releases the GIL while a pair runs, so the shares use every core
        list(self._threads_pool().map(run, shares))
        return out

    def _shares(
        self, pairs: list[tuple[str, str]]
    ) -> tuple[Callable[[list[list[int]]], None], npt.NDArray[np.float64], list[list[list[int]]]]:
        """What runs the pairs: a function that fills ``out`` for its share of the batches, the
        array it fills, and one share per thread that will run."""
        session, tokenizer = self._load()
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        chunks = [order[s : s + self._batch_size] for s in range(0, len(order), self._batch_size)]
        out = np.empty(len(pairs))

        def run(share: list[list[int]]) -> None:
            for chunk in share:
                encodings = tokenizer.encode_batch([pairs[i] for i in chunk])
                feeds = {
                    "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                    "attention_mask": np.array(
                        [e.attention_mask for e in encodings], dtype=np.int64
                    ),
                    "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
                }
                logits = session.run(None, feeds)[0].reshape(-1)
                out[chunk] = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))

        workers = min(self._parallel, len(chunks))
        return run, out, [chunks[k::workers] for k in range(workers)]

    def _threads_pool(self) -> ThreadPoolExecutor:
        """The threads that run pairs in parallel, kept for the encoder's life: a pool made and
        joined per call cost ~0.25 ms of CPU and ~1 ms of wall time (loaded 2-core machine)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._parallel, thread_name_prefix="cross-encoder")
            return self._pool


def _pairs(
    triples: Sequence[tuple[str, Sequence[str], str]],
) -> tuple[list[tuple[str, str]], list[int]]:
    """The pairs to run (up to three references per answer) and the answer each belongs to."""
    pairs: list[tuple[str, str]] = []
    owner: list[int] = []
    for i, (question, references, answer) in enumerate(triples):
        for reference in list(references)[:_MAX_REFERENCES] or [""]:
            pairs.append(pair_text(question, reference, answer))
            owner.append(i)
    return pairs, owner


def _best(probs: npt.NDArray[np.float64], owner: list[int], n: int) -> npt.NDArray[np.float64]:
    """Each answer's best probability over its references."""
    out = np.zeros(n)
    np.maximum.at(out, np.array(owner, dtype=np.int64), probs)
    return out
