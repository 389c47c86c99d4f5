"""A serving process freezes what it keeps alive (litellm's tables first of all) and collects
young objects less often (:mod:`tutor.collector`), and puts the collector back when it stops:
full collections had walked ~470,000 objects, stopping the event loop ~200-400 ms each."""

from __future__ import annotations

import gc
from pathlib import Path

import httpx

from tests.api.conftest import serve, service_settings
from tutor.api import create_app
from tutor.collector import YOUNG_GC_THRESHOLD, collecting_less


def _tracked(value: object) -> bool:
    """Whether the collector still walks ``value`` (a frozen object is in no generation)."""
    return any(o is value for o in gc.get_objects())


def test_a_serving_process_freezes_litellm_and_puts_the_collector_back(tmp_path: Path) -> None:
    before = gc.get_threshold(), gc.get_freeze_count()
    was_frozen = before[1] > 0  # (another app served in this test process, say)
    settings = service_settings(
        tmp_path / "data", tmp_path / "tutor.db", model="openai/gpt-4o-mini",
        api_base="http://127.0.0.1:9/v1",  # never called: the test only starts the service
    )  # fmt: skip
    with serve(create_app(settings)) as url:
        assert httpx.get(url + "/health", timeout=60).status_code == 200
        import litellm  # imported by the app's start-up, so that it was frozen with the rest

        assert gc.get_threshold()[0] == YOUNG_GC_THRESHOLD
        assert gc.get_freeze_count() > before[1]
        assert not _tracked(litellm.model_cost)  # litellm's cost map: frozen
        fresh: list[object] = [[]]  # a container made after start-up
        assert _tracked(fresh)  # what a request makes is collected as usual
    assert gc.get_threshold() == before[0]
    assert (gc.get_freeze_count() > 0) is was_frozen
    assert _tracked(litellm.model_cost) is not was_frozen


def test_a_block_inside_another_leaves_the_freezing_to_the_outer_one() -> None:
    thresholds, was_frozen = gc.get_threshold(), gc.get_freeze_count() > 0
    with collecting_less():
        with collecting_less():
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() > 0  # the outer block's objects stay frozen
        assert gc.get_threshold()[0] == YOUNG_GC_THRESHOLD
    assert gc.get_threshold() == thresholds
    assert (gc.get_freeze_count() > 0) is was_frozen
