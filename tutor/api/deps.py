"""Dependencies for routes, as ``Annotated`` aliases that tests can override.

They are ``async``: FastAPI runs a plain ``def`` dependency in a thread of its own pool, a
thread hop per request for what is, after the first request, an attribute read. What is not
built yet (the first request loads models and files) is built in a worker thread.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tutor.api.services import Services
from tutor.corpus import Corpus
from tutor.offload import offload
from tutor.retrieval import PassageIndex
from tutor.tutoring import Tutor


async def get_services(request: Request) -> Services:
    """The app's services, with what other processes indexed or published since (checked
    every few seconds, off the event loop)."""
    services: Services = request.app.state.services
    await services.refresh()
    return services


async def get_corpus(services: Annotated[Services, Depends(get_services)]) -> Corpus:
    if not services.built("corpus"):
        return await offload(lambda: services.corpus)
    return services.corpus


async def get_index(services: Annotated[Services, Depends(get_services)]) -> PassageIndex:
    if not services.built("index"):
        return await offload(lambda: services.index)
    return services.index


async def get_tutor(services: Annotated[Services, Depends(get_services)]) -> Tutor:
    if not services.built("tutor"):
        return await offload(lambda: services.tutor)
    return services.tutor


CorpusDep = Annotated[Corpus, Depends(get_corpus)]
IndexDep = Annotated[PassageIndex, Depends(get_index)]
ServicesDep = Annotated[Services, Depends(get_services)]
TutorDep = Annotated[Tutor, Depends(get_tutor)]
