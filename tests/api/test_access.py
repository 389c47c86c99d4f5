"""The access matrix: who may call what, and a learner never reaches another learner's data.

A server of its own, on its own database with keys (the shared ``server_url`` runs in local mode
and must stay keyless): two learners, a teacher, an admin and a revoked key.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import serve, service_settings
from tutor.api import create_app
from tutor.config import Settings
from tutor.corpus import Corpus
from tutor.store import Role, create_learner, issue_api_key, open_database, revoke_api_key


@dataclass(frozen=True)
class Keyed:
    url: str
    keys: dict[str, str]  # who -> secret
    learners: dict[str, str]  # "ann" / "bob" -> learner id

    def client(self, who: str | None) -> httpx.Client:
        headers = {"authorization": f"Bearer {self.keys[who]}"} if who else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


@pytest.fixture(scope="module")
def keyed(indexed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keyed]:
    settings = service_settings(indexed_data_dir, tmp_path_factory.mktemp("access") / "tutor.db")
    database = open_database(settings)
    try:
        ann, bob = create_learner(database, "Ann").id, create_learner(database, "Bob").id
        issued = {
            "ann": issue_api_key(database, Role.LEARNER, learner_id=ann),
            "bob": issue_api_key(database, Role.LEARNER, learner_id=bob),
            "teacher": issue_api_key(database, Role.TEACHER),
            "admin": issue_api_key(database, Role.ADMIN),
            "revoked": issue_api_key(database, Role.ADMIN),
        }
        revoke_api_key(database, issued["revoked"].record.id)
    finally:
        database.dispose()
    with serve(create_app(settings)) as url:
        yield Keyed(url, {who: i.secret for who, i in issued.items()}, {"ann": ann, "bob": bob})


@pytest.fixture(scope="module")
def ann_work(keyed: Keyed, starter_corpus: Corpus) -> dict[str, str]:
    """Ann's attempt, chat session and quiz, for the others to try to reach."""
    lesson_id = next(iter(starter_corpus.lessons))
    item_id = starter_corpus.lessons[lesson_id].items[0].id
    with keyed.client("ann") as ann:
        attempt = ann.post(f"/v1/items/{item_id}/attempts", json={"answer": "I am not sure."})
        session = ann.post("/v1/sessions", json={"lesson": lesson_id})
        quiz = ann.post("/v1/quizzes", json={"lesson": lesson_id})
    for reply in (attempt, session, quiz):
        assert reply.status_code in (200, 201), reply.text
    return {
        "attempt": attempt.json()["id"],
        "session": session.json()["id"],
        "quiz": quiz.json()["id"],
        "item": item_id,
        "lesson": lesson_id,
    }


def test_requests_without_a_usable_key_are_401_with_a_bearer_challenge(keyed: Keyed) -> None:
    with httpx.Client(base_url=keyed.url, timeout=30) as anonymous:
        assert anonymous.get("/health").status_code == 200  # health stays open for probes
        missing = anonymous.get("/v1/lessons")
        wrong_scheme = anonymous.get("/v1/lessons", headers={"authorization": "Basic abc"})
        unknown = anonymous.get("/v1/lessons", headers={"authorization": "Bearer tutor_nope"})
    with keyed.client("revoked") as revoked:
        gone = revoked.get("/v1/lessons")
    for reply in (missing, wrong_scheme, unknown, gone):
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == "Bearer"
        assert reply.json()["error"]["code"] == "unauthorized"
    assert "Authorization: Bearer" in missing.json()["error"]["message"]
    assert "revoked" in gone.json()["error"]["message"]


def test_me_says_who_the_key_belongs_to(keyed: Keyed) -> None:
    with keyed.client("ann") as ann, keyed.client("teacher") as teacher:
        assert ann.get("/v1/me").json() == {
            "role": "learner",
            "learner_id": keyed.learners["ann"],
            "key_id": ann.get("/v1/me").json()["key_id"],
            "local": False,
        }
        me = teacher.get("/v1/me").json()
    assert me["role"] == "teacher" and me["learner_id"] is None and me["key_id"]


@pytest.mark.parametrize("path", ["", "/mastery", "/next", "/attempts"])
def test_a_learner_reads_only_their_own_learner(keyed: Keyed, path: str) -> None:
    ann_id, bob_id = keyed.learners["ann"], keyed.learners["bob"]
    with keyed.client("ann") as ann, keyed.client("teacher") as teacher:
        own = ann.get(f"/v1/learners/{ann_id}{path}")
        other = ann.get(f"/v1/learners/{bob_id}{path}")
        by_teacher = teacher.get(f"/v1/learners/{bob_id}{path}")
    assert own.status_code == 200, own.text
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    assert by_teacher.status_code == 200, by_teacher.text


def test_attempts_belong_to_the_key_and_stay_private(
    keyed: Keyed, ann_work: dict[str, str]
) -> None:
    attempt_id = ann_work["attempt"]
    with keyed.client("ann") as ann, keyed.client("bob") as bob:
        assert ann.get(f"/v1/attempts/{attempt_id}").json()["learner_id"] == keyed.learners["ann"]
        assert bob.get(f"/v1/attempts/{attempt_id}").status_code == 404
        bobs = bob.get(f"/v1/learners/{keyed.learners['bob']}/attempts").json()
        anns = ann.get(f"/v1/learners/{keyed.learners['ann']}/attempts").json()
    assert attempt_id in {a["id"] for a in anns}
    assert attempt_id not in {a["id"] for a in bobs}
    with keyed.client("teacher") as teacher:
        assert teacher.get(f"/v1/attempts/{attempt_id}").status_code == 200


def test_a_learner_cannot_read_or_write_another_learners_session(
    keyed: Keyed, ann_work: dict[str, str]
) -> None:
    session = ann_work["session"]
    with keyed.client("bob") as bob:
        read = bob.get(f"/v1/sessions/{session}")
        write = bob.post(f"/v1/sessions/{session}/messages", json={"content": "why?"})
        hint = bob.post(
            f"/v1/items/{ann_work['item']}/hints", json={"level": 1, "session": session}
        )
    assert [r.status_code for r in (read, write, hint)] == [404, 404, 404]
    with keyed.client("ann") as ann:
        assert ann.get(f"/v1/sessions/{session}").json()["messages"] == []  # nothing was added


def test_another_learners_session_and_a_missing_one_give_the_same_404(
    keyed: Keyed, starter_corpus: Corpus
) -> None:
    lesson_id = next(iter(starter_corpus.lessons))
    item_id = starter_corpus.lessons[lesson_id].items[0].id
    with keyed.client("ann") as ann:
        session = ann.post("/v1/sessions", json={"lesson": lesson_id}).json()["id"]
    with keyed.client("bob") as bob:
        for target in (session, "0" * 32):
            replies = [
                bob.get(f"/v1/sessions/{target}"),
                bob.post(f"/v1/sessions/{target}/messages", json={"content": "why?"}),
                bob.post(f"/v1/items/{item_id}/hints", json={"level": 1, "session": target}),
            ]
            for reply in replies:
                assert reply.status_code == 404
                assert reply.json()["error"]["message"] == f"no chat session {target!r}"


def test_a_learner_cannot_read_or_answer_another_learners_quiz(
    keyed: Keyed, ann_work: dict[str, str]
) -> None:
    quiz = ann_work["quiz"]
    with keyed.client("bob") as bob, keyed.client("teacher") as teacher:
        assert bob.get(f"/v1/quizzes/{quiz}").status_code == 404
        assert bob.post(f"/v1/quizzes/{quiz}/answers", json={"answer": "x"}).status_code == 404
        assert teacher.get(f"/v1/quizzes/{quiz}").status_code == 200
        # a teacher reads a learner's quiz but never answers it for them
        assert teacher.post(f"/v1/quizzes/{quiz}/answers", json={"answer": "x"}).status_code == 404
    with keyed.client("ann") as ann:
        assert ann.get(f"/v1/quizzes/{quiz}").json()["summary"]["answered"] == 0


# (method, path, body) -> the roles allowed; the others get 403
TEACHER_ROUTES = [
    ("GET", "/v1/learners", None),
    ("POST", "/v1/learners", {"name": "Cy"}),
    ("GET", "/v1/variants", None),
]
ADMIN_ROUTES = [
    ("GET", "/v1/keys", None),
    ("POST", "/v1/keys", {"role": "teacher"}),
    ("DELETE", "/v1/keys/no-such-key", None),
]


@pytest.mark.parametrize(("method", "path", "body"), TEACHER_ROUTES + ADMIN_ROUTES)
def test_the_role_matrix(keyed: Keyed, method: str, path: str, body: object) -> None:
    allowed = {"teacher", "admin"} if (method, path, body) in TEACHER_ROUTES else {"admin"}
    for who in ("ann", "teacher", "admin"):
        with keyed.client(who) as client:
            reply = client.request(method, path, json=body)
        if who in allowed:
            assert reply.status_code in (200, 201, 404), (who, reply.text)  # 404: no-such-key
        else:
            assert reply.status_code == 403, (who, method, path, reply.text)
            assert reply.json()["error"]["code"] == "forbidden"


def test_only_a_learner_key_practises(keyed: Keyed, ann_work: dict[str, str]) -> None:
    with keyed.client("teacher") as teacher:
        attempt = teacher.post(f"/v1/items/{ann_work['item']}/attempts", json={"answer": "x"})
        quiz = teacher.post("/v1/quizzes", json={"lesson": ann_work["lesson"]})
    for reply in (attempt, quiz):
        assert reply.status_code == 403
        assert "learner key" in reply.json()["error"]["message"]


def test_an_admin_issues_and_revokes_keys_over_the_api(keyed: Keyed) -> None:
    with keyed.client("admin") as admin:
        issued = admin.post("/v1/keys", json={"role": "learner", "learner_name": "Dee"})
        assert issued.status_code == 201, issued.text
        key = issued.json()
        assert key["key"].startswith("tutor_") and key["learner_id"]
        listed = admin.get("/v1/keys").json()
        assert key["id"] in {k["id"] for k in listed}
        assert all("key" not in k for k in listed)  # secrets are never listed
        headers = {"authorization": f"Bearer {key['key']}"}
        me = httpx.get(keyed.url + "/v1/me", headers=headers, timeout=30)
        assert me.json()["learner_id"] == key["learner_id"]
        assert admin.delete(f"/v1/keys/{key['id']}").json()["revoked"] is True
    assert httpx.get(keyed.url + "/v1/me", headers=headers, timeout=30).status_code == 401


# -- single-user local mode ----------------------------------------------------------------


def _non_loopback_address() -> str | None:
    """This machine's address on some network: the source a UDP "connect" would use (no packet
    is sent), or one the host name resolves to."""
    candidates = []
    for probe in ("10.255.255.255", "192.0.2.1", "198.51.100.1"):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.connect((probe, 9))
            except OSError:
                continue
            candidates.append(str(udp.getsockname()[0]))
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        candidates += [str(info[4][0]) for info in infos]
    except OSError:
        pass
    return next((a for a in candidates if not a.startswith(("127.", "0."))), None)


@pytest.fixture
def keyless_settings(indexed_data_dir: Path, tmp_path: Path) -> Settings:
    return service_settings(indexed_data_dir, tmp_path / "tutor.db")


def test_local_mode_needs_no_key_and_ends_with_the_first_key(keyless_settings: Settings) -> None:
    with serve(create_app(keyless_settings)) as url, httpx.Client(base_url=url) as local:
        me = local.get("/v1/me", headers={"authorization": "Bearer whatever"}).json()
        assert me["local"] is True and me["role"] == "admin" and me["learner_id"]
        issued = local.post("/v1/keys", json={"role": "admin"})
        assert issued.status_code == 201
        assert local.get("/v1/me").status_code == 401  # keys exist now: local mode is over
        headers = {"authorization": f"Bearer {issued.json()['key']}"}
        assert local.get("/v1/me", headers=headers).json()["local"] is False


def test_local_mode_refuses_callers_from_other_addresses(keyless_settings: Settings) -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to call from")
    with serve(create_app(keyless_settings), host=address) as url:
        reply = httpx.get(url + "/v1/lessons", timeout=30)
        assert httpx.get(url + "/health", timeout=30).status_code == 200
    assert reply.status_code == 401
    assert "tutor keys create" in reply.json()["error"]["message"]
