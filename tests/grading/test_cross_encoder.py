"""The grading cross-encoder: pairs run in parallel get the probabilities they get alone; the
shipped graph is the rewritten one, its uint8 copy holds the same weights, and both score as
the file as quantized did."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.grading.conftest import ITEMS
from tutor.grading.cross_encoder import (
    MODEL_DIR,
    MODEL_FILE,
    SETTINGS_FILE,
    UINT8_FILE,
    CrossEncoder,
    exact_int8_weights,
)

# P(correct) of (paraphrase, wrong, negated, half) against the reference, per hand item, from
# the file as quantize_dynamic wrote it (sha256 b11df0e9a6...), before the graph rewrite of
# scripts/train_cross_encoder.py; the rewritten file gives the same floats bit for bit here.
QUANTIZED = "b11df0e9a6"
FLOATS = 0.005  # another CPU's float kernels, with room (measured: 0.0026, AVX2 against VNNI)
PINNED = [
    0.5465033276907574, 0.21287428253693946, 0.40189862378477603, 0.417374784435498,
    0.5916339305763761, 0.6422064190720744, 0.5933655822354149, 0.6670032555596526,
    0.3975619789411395, 0.32254278398544695, 0.5422421560813492, 0.5987551958861448,
]  # fmt: skip


def _ops(model: bytes, op: str) -> int:
    """Nodes of type ``op`` in an ONNX file, without the onnx package (the service does not
    install it): a node's ``op_type`` is protobuf field 4, the bytes ``"``, length, name."""
    return model.count(b'"' + bytes([len(op)]) + op.encode())


def test_the_shipped_graph_has_no_nan_guard_after_the_softmaxes() -> None:
    """The export's ``Where(IsNaN(p), 0, p)`` after each attention softmax is gone, and the
    six layers' identical additive masks are one."""
    model = (MODEL_DIR / MODEL_FILE).read_bytes()
    settings = json.loads((MODEL_DIR / SETTINGS_FILE).read_text("utf-8"))

    assert settings["sha256"] == hashlib.sha256(model).hexdigest()
    assert _ops(model, "Softmax") == 6
    assert _ops(model, "MatMulInteger") == 37  # still int8 compute
    assert _ops(model, "IsNaN") == 0
    assert _ops(model, "Where") == 2  # the additive mask, and one in the mask's shape


def test_the_uint8_copy_is_the_described_file_with_the_same_graph() -> None:
    """The uint8 copy of ``scripts/train_cross_encoder.py`` (``uint8_copy``: each weight and
    zero point plus 128) has the int8 file's integer matrix products and nothing else new."""
    settings = json.loads((MODEL_DIR / SETTINGS_FILE).read_text("utf-8"))
    signed, unsigned = (MODEL_DIR / MODEL_FILE).read_bytes(), (MODEL_DIR / UINT8_FILE).read_bytes()

    assert settings["uint8_sha256"] == hashlib.sha256(unsigned).hexdigest()
    for op in ("MatMulInteger", "MatMul", "Softmax", "IsNaN", "DynamicQuantizeLinear"):
        assert _ops(unsigned, op) == _ops(signed, op), op


@pytest.mark.parametrize("flags", ["fpu avx2 avx512f avx512_vnni", "fpu avx_vnni", "fpu avx2"])
def test_int8_weights_only_where_the_cpu_multiplies_them_exactly(
    tmp_path: Path, flags: str
) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n", "utf-8")
    assert exact_int8_weights(cpuinfo) is ("vnni" in flags)
    assert exact_int8_weights(tmp_path / "absent") is False


def test_both_files_score_as_the_quantized_file_did() -> None:
    """The version (what the stack was fitted for and cached grades key on) is the quantized
    file's, so neither the rewrite nor the uint8 copy may move a probability. On the VNNI
    machine that rewrote it the int8 file gives the pinned floats bit for bit. The uint8 copy
    gives them within ``FLOATS`` on any CPU (its integer products are exact everywhere; the
    float kernels of other CPUs round otherwise, and an activation's quantization can round to
    the next step), and so does the int8 file on a CPU with VNNI; without VNNI the int8 file
    was 0.027 off (AVX2-only AMD EPYC, 2026-12-06), which is why the encoder does not run it
    there."""
    triples = [(i.question, [i.reference], answer)
               for i in ITEMS for answer in (i.paraphrase, i.wrong, i.negated, i.half)]  # fmt: skip
    encoders = [CrossEncoder(parallel=1, int8_weights=False), CrossEncoder(parallel=1)]
    if exact_int8_weights():
        encoders.append(CrossEncoder(parallel=1, int8_weights=True))

    for encoder in encoders:
        assert encoder.version == QUANTIZED, "a retrained model: pin its probabilities here"
        assert encoder.score(triples).tolist() == pytest.approx(PINNED, abs=FLOATS)


def test_parallel_pairs_score_as_one_at_a_time_call_after_call() -> None:
    """Answers with several references run their pairs on the encoder's threads (kept between
    calls); every call gets what one pair at a time gives."""
    triples = [(i.question, [i.reference, i.paraphrase, i.half], answer)
               for i in ITEMS for answer in (i.paraphrase, i.wrong)]  # fmt: skip
    alone = CrossEncoder(parallel=1).score(triples)
    parallel = CrossEncoder(parallel=2)

    for _ in range(3):
        assert parallel.score(triples).tolist() == alone.tolist()


def test_pairs_started_early_score_as_score_does() -> None:
    """The grader starts an answer's pairs before it computes the trees' features and reads
    them afterwards: the probabilities are those of ``score``, for one answer or many."""
    triples = [(i.question, [i.reference, i.half], answer)
               for i in ITEMS for answer in (i.paraphrase, i.wrong)]  # fmt: skip
    encoder = CrossEncoder(parallel=2)
    started = [encoder.submit(triples), encoder.submit(triples[:1]), encoder.submit([])]

    assert started[0]().tolist() == CrossEncoder(parallel=1).score(triples).tolist()
    assert started[1]().tolist() == encoder.score(triples[:1]).tolist()
    assert started[2]().tolist() == []


def test_probabilities_are_read_within_the_range_measured_on_the_training_rows(
    tmp_path: Path,
) -> None:
    """The shipped settings record the range (scripts/cross_encoder_range.py), and an encoder
    reads its probabilities within it: the hand items' pairs lie inside it already, so they
    score as the unclipped model does; a narrower range clips them to its edges."""
    settings = json.loads((MODEL_DIR / SETTINGS_FILE).read_text("utf-8"))
    low, high = settings["range"]["low"], settings["range"]["high"]
    assert 0 < low < 0.05 and 0.95 < high < 1 and settings["range"]["rows"] > 10_000
    encoder, raw = CrossEncoder(), CrossEncoder(clip=False)
    assert encoder.bounds == (low, high) and raw.bounds is None
    triples = [(i.question, [i.reference], answer)
               for i in ITEMS for answer in (i.paraphrase, i.wrong, i.negated, i.half)]  # fmt: skip
    assert list(encoder.score(triples)) == list(raw.score(triples))
    for name in (MODEL_FILE, UINT8_FILE):
        (tmp_path / name).symlink_to(MODEL_DIR / name)
    (tmp_path / SETTINGS_FILE).write_text(
        json.dumps({**settings, "range": {"low": 0.4, "high": 0.6}}), "utf-8"
    )
    narrow = CrossEncoder(tmp_path).score(triples)
    assert narrow.min() == 0.4 and narrow.max() == 0.6
    assert list(CrossEncoder(tmp_path).submit(triples)()) == list(narrow)
