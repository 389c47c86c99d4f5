"""A key found good is known without a database lookup until a key is revoked anywhere: at
once through this service's API, and after the service's periodic check when another process
(the CLI, another replica) revoked it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import serve, service_settings
from tutor.api import auth, create_app
from tutor.api.known_keys import KnownKeys
from tutor.api.services import Services
from tutor.store import Role, find_api_key, issue_api_key, open_database, revoke_api_key


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys' prefixes the auth layer looked up in the database."""
    seen: list[str] = []
    find = find_api_key

    def counted(database: object, secret: str) -> object:
        seen.append(secret[:12])
        return find(database, secret)  # type: ignore[arg-type]

    monkeypatch.setattr(auth, "find_api_key", counted)
    return seen


@pytest.fixture
def service(
    indexed_data_dir: Path, tmp_path: Path
) -> Iterator[tuple[str, Services, dict[str, str]]]:
    settings = service_settings(indexed_data_dir, tmp_path / "tutor.db")
    database = open_database(settings)
    try:
        keys = {
            "admin": issue_api_key(database, Role.ADMIN).secret,
            "teacher": issue_api_key(database, Role.TEACHER).secret,
            "other": issue_api_key(database, Role.TEACHER).secret,
        }
    finally:
        database.dispose()
    app = create_app(settings)
    with serve(app) as url:
        yield url, app.state.services, keys


def _me(url: str, secret: str) -> httpx.Response:
    return httpx.get(f"{url}/v1/me", headers={"authorization": f"Bearer {secret}"}, timeout=30)


def test_a_good_key_is_looked_up_once(
    service: tuple[str, Services, dict[str, str]], lookups: list[str]
) -> None:
    url, _, keys = service

    replies = [_me(url, keys["teacher"]) for _ in range(3)]

    assert [r.status_code for r in replies] == [200, 200, 200]
    assert replies[-1].json()["role"] == "teacher"
    assert lookups == [keys["teacher"][:12]]


def test_an_unknown_key_is_looked_up_every_time(
    service: tuple[str, Services, dict[str, str]], lookups: list[str]
) -> None:
    url, _, _ = service

    replies = [_me(url, "tutor_not-a-key") for _ in range(2)]

    assert [r.status_code for r in replies] == [401, 401]
    assert len(lookups) == 2


def test_a_key_revoked_over_the_api_is_refused_at_once(
    service: tuple[str, Services, dict[str, str]],
) -> None:
    url, _, keys = service
    assert _me(url, keys["teacher"]).status_code == 200
    teacher_id = next(
        k["id"] for k in httpx.get(f"{url}/v1/keys", headers={"authorization": f"Bearer "
                                   f"{keys['admin']}"}, timeout=30).json()
        if k["role"] == "teacher" and keys["teacher"].startswith(k["prefix"])
    )  # fmt: skip

    revoked = httpx.delete(f"{url}/v1/keys/{teacher_id}", timeout=30,
                           headers={"authorization": f"Bearer {keys['admin']}"})  # fmt: skip

    assert revoked.status_code == 200, revoked.text
    assert _me(url, keys["teacher"]).status_code == 401


def test_a_key_revoked_by_another_process_is_refused_after_the_check(
    service: tuple[str, Services, dict[str, str]],
) -> None:
    url, services, keys = service
    assert _me(url, keys["teacher"]).status_code == 200
    assert _me(url, keys["other"]).status_code == 200
    database = open_database(services.settings)  # as `tutor keys revoke` would, elsewhere
    try:
        record = find_api_key(database, keys["teacher"])
        assert record is not None
        revoke_api_key(database, record.id)
    finally:
        database.dispose()

    services.sync()  # what the service does on a request every RECHECK_SECONDS

    assert _me(url, keys["teacher"]).status_code == 401
    assert _me(url, keys["other"]).status_code == 200  # looked up again, still good


def test_a_lookup_that_began_before_a_revocation_is_not_kept() -> None:
    known: KnownKeys[str] = KnownKeys()
    known.check(0)
    epoch = known.epoch  # a lookup starts, reads the row while it is still good...
    known.check(1)  # ... a key is revoked and the check sees it before the lookup ends

    known.put("tutor_secret", "teacher", epoch)

    assert known.get("tutor_secret") is None
    known.put("tutor_secret", "teacher", known.epoch)
    assert known.get("tutor_secret") == "teacher"
