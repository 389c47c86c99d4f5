"""The variant routes on the real uvicorn server (offline engine, fresh SQLite store)."""

from __future__ import annotations

import httpx

from tutor.corpus import Item


def test_generate_then_list_drafts_then_publish(client: httpx.Client) -> None:
    response = client.post("/v1/items/fsp-01/variants", json={"n": 3})

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"accepted", "rejected"}
    assert len(body["accepted"]) == 3 and isinstance(body["rejected"], dict)
    for variant in body["accepted"]:
        item = Item.model_validate(variant["item"])
        assert item.concepts == ["few-shot-examples"]
        assert variant["status"] == "draft" and variant["parent_item_id"] == "fsp-01"
        assert variant["provenance"]["engine"] == "offline"
    ids = [v["id"] for v in body["accepted"]]

    drafts = client.get("/v1/variants", params={"status": "draft"}).json()
    assert set(ids) <= {v["id"] for v in drafts}

    published = client.post(f"/v1/variants/{ids[0]}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert ids[0] in {v["id"] for v in client.get("/v1/variants?status=published").json()}
    assert ids[0] not in {v["id"] for v in client.get("/v1/variants?status=draft").json()}

    rejected = client.post(f"/v1/variants/{ids[1]}/reject")
    assert rejected.json()["status"] == "rejected"

    # the published variant is practice now: served, listed after its parent, graded
    variant = Item.model_validate(published.json()["item"])
    served = client.get(f"/v1/items/{variant.id}")
    assert served.status_code == 200 and served.json()["stem"] == variant.stem
    lesson = client.get(f"/v1/lessons/{served.json()['lesson_id']}").json()
    practice = [p["id"] for p in lesson["practice"]]
    assert practice.index(variant.id) > practice.index("fsp-01")
    rejected_item = Item.model_validate(rejected.json()["item"])
    assert rejected_item.id not in practice
    answer = variant.answer_key or variant.answer
    graded = client.post(f"/v1/items/{variant.id}/attempts", json={"answer": answer})
    assert graded.status_code == 200, graded.text
    assert graded.json()["grade"]["verdict"] == "correct"
    assert graded.json()["mastery"][0]["concept_id"] == "few-shot-examples"


def test_bad_requests_get_json_errors(client: httpx.Client) -> None:
    too_many = client.post("/v1/items/fsp-01/variants", json={"n": 11})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["code"] == "invalid_request"

    missing = client.post("/v1/items/no-such-item/variants", json={"n": 1})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"

    assert client.post("/v1/variants/nope/publish").status_code == 404
    assert client.get("/v1/variants", params={"status": "lost"}).status_code == 422
