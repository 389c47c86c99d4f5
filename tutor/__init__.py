"""tutor: an adaptive tutor over a lesson corpus, grounded in retrieved passages."""

import os

# litellm reads these at import time; they must be set before anything imports it.
# Without the first it tries to download its model cost map; without the second its async
# calls go through aiohttp, which respx (our test double for providers) cannot see.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")
# Chroma must never phone home.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

__version__ = "0.1.0"
