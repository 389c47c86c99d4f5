"""tutor: an adaptive tutor over a lesson corpus, grounded in retrieved passages."""

import os

# litellm reads this at import time; it must be set before anything imports it. Without it
# litellm tries to download its model cost map. (Its async calls go out through aiohttp, its
# default: httpx's own transport cost ~4 ms more of the event loop's CPU per call. The tests
# set DISABLE_AIOHTTP_TRANSPORT=True so that respx, which sees httpx only, can stand in for
# providers; tests/api/test_provider_transport.py runs the aiohttp path against a real one.)
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# Chroma must never phone home.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# numpy's OpenBLAS starts a thread per core for a matrix product and lets them spin; tutor runs
# its CPU work on its own threads and processes already (the grader on both cores, a worker pool
# in the service), so those helpers only burned CPU: grading our items' answers one at a time
# with their graded examples cost 137 ms of CPU each, 117 ms with one BLAS thread (same grades).
# Read when numpy is first imported, so it must be set before (tutor is imported first by the
# CLI and the service); an operator's own value wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
