"""The OpenAI-compatible endpoint family: ``/v1/chat/completions`` and ``/v1/models``.

:mod:`.wire` holds OpenAI's shapes and error format, :mod:`.numbering` the ``[n]`` citations,
:mod:`.conversation` how messages become a tutor reply, :mod:`.routes` the routes and streaming.
"""

from tutor.api.routes.openai_compat.routes import router

__all__ = ["router"]
