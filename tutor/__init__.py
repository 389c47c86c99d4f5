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

__version__ = "0.1.0"
