"""Dependencies for routes, as ``Annotated`` aliases that tests can override."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tutor.api.services import Services
from tutor.corpus import Corpus
from tutor.retrieval import PassageIndex
from tutor.tutoring import Tutor


async def get_services(request: Request) -> Services:
    """The app's services, with what other processes indexed or published since (checked
    every few seconds, off the event loop)."""
    services: Services = request.app.state.services
    await services.refresh()
    return services


def get_corpus(services: Annotated[Services, Depends(get_services)]) -> Corpus:
    return services.corpus


def get_index(services: Annotated[Services, Depends(get_services)]) -> PassageIndex:
    return services.index


def get_tutor(services: Annotated[Services, Depends(get_services)]) -> Tutor:
    return services.tutor


CorpusDep = Annotated[Corpus, Depends(get_corpus)]
IndexDep = Annotated[PassageIndex, Depends(get_index)]
ServicesDep = Annotated[Services, Depends(get_services)]
TutorDep = Annotated[Tutor, Depends(get_tutor)]
