"""A school's own learner ids: a learner key for an id that does not exist creates that learner
(over the API as on the command line), and ``local`` names the single-user learner in the API's
paths as it does on the command line."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.api.conftest import serve, service_settings
from tutor.api import create_app


def test_local_is_the_single_user_learner_in_api_paths(
    indexed_data_dir: Path, tmp_path: Path
) -> None:
    settings = service_settings(indexed_data_dir, tmp_path / "tutor.db")
    with serve(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as local:
        me = local.get("/v1/me").json()["learner_id"]
        for path in ("", "/mastery", "/next", "/attempts"):
            reply = local.get(f"/v1/learners/local{path}")
            assert reply.status_code == 200, (path, reply.text)
        assert local.get("/v1/learners/local").json()["id"] == me
        assert local.get("/v1/learners/local/mastery").json()["learner_id"] == me
        assert local.get("/v1/learners/nobody").status_code == 404


def test_a_learner_key_creates_the_schools_learner_id_over_the_api(
    indexed_data_dir: Path, tmp_path: Path
) -> None:
    settings = service_settings(indexed_data_dir, tmp_path / "tutor.db")
    with serve(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as local:
        admin = local.post("/v1/keys", json={"role": "admin"}).json()["key"]
        headers = {"authorization": f"Bearer {admin}"}
        body = {"role": "learner", "learner_id": "school-7A", "learner_name": "Ann"}
        issued = local.post("/v1/keys", json=body, headers=headers)
        assert issued.status_code == 201, issued.text
        assert issued.json()["learner_id"] == "school-7A"
        learner = local.get("/v1/learners/school-7A", headers=headers).json()
        assert learner["name"] == "Ann"
        again = local.post("/v1/keys", json={"role": "learner", "learner_id": "school-7A"},
                           headers=headers)  # fmt: skip
        assert again.status_code == 201 and again.json()["learner_id"] == "school-7A"
        bad = local.post("/v1/keys", json={"role": "learner", "learner_id": "no spaces"},
                         headers=headers)  # fmt: skip
        assert bad.status_code == 400
        assert "learner id 'no spaces' cannot be created" in bad.json()["error"]["message"]
