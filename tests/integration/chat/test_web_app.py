"""The web-app API (`/api`): passports, chat as an anonymous visitor, visitor isolation."""

from __future__ import annotations

from typing import Any

import jwt
from fastapi.testclient import TestClient

from tests.integration.chat.conftest import make_app, sse_events
from tests.integration.foundation.conftest import User, assert_dify_error
from yarrow.entrypoints.wiring import Process


class Visitor:
    """A browser visitor of one site, holding its passport."""

    def __init__(self, client: TestClient, code: str) -> None:
        self.client, self.code = client, code
        response = client.get("/api/passport", headers={"X-App-Code": code})
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]

    @property
    def headers(self) -> dict[str, str]:
        return {"X-App-Code": self.code, "Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api{path}", params=params, headers=self.headers)

    def post(self, path: str, json: Any) -> Any:
        return self.client.post(f"/api{path}", json=json, headers=self.headers)


def _site_code(owner: User, app_id: str) -> str:
    code: str = owner.get(f"/apps/{app_id}").json()["site"]["code"]
    return code


def test_visitor_chats_through_the_web_app(configured: User) -> None:
    app = make_app(configured)
    visitor = Visitor(configured.client, _site_code(configured, app.id))
    site = visitor.get("/site").json()
    assert site["site"]["title"] == "chat app" and site["end_user_id"]
    assert visitor.get("/parameters").json()["user_input_form"][0]["text-input"]["variable"]
    events = sse_events(visitor.post("/chat-messages", {"query": "web hello", "inputs": {}}))
    assert "".join(e.get("answer", "") for e in events) == "Echo: web hello"
    assert "usage" not in events[-1]["metadata"]  # web apps get the simple form
    cid = events[0]["conversation_id"]
    blocking = visitor.post(
        "/chat-messages",
        {"query": "again", "inputs": {}, "conversation_id": cid, "response_mode": "blocking"},
    ).json()
    assert blocking["answer"] == "Echo: again" and "usage" not in blocking["metadata"]
    history = visitor.get("/messages", conversation_id=cid).json()["data"]
    assert [m["query"] for m in history] == ["web hello", "again"]
    assert visitor.post(f"/messages/{history[0]['id']}/feedbacks", {"rating": "like"}).json() == {
        "result": "success"
    }
    assert [c["id"] for c in visitor.get("/conversations").json()["data"]] == [cid]


def test_visitors_are_isolated(configured: User) -> None:
    app = make_app(configured)
    code = _site_code(configured, app.id)
    alice, bob = Visitor(configured.client, code), Visitor(configured.client, code)
    cid = alice.post(
        "/chat-messages", {"query": "private", "inputs": {}, "response_mode": "blocking"}
    ).json()["conversation_id"]
    assert bob.get("/conversations").json()["data"] == []
    assert_dify_error(bob.get("/messages", conversation_id=cid), 404)
    assert_dify_error(
        bob.post("/chat-messages", {"query": "x", "inputs": {}, "conversation_id": cid}), 404
    )
    # Service API end users are other identities, even with the same session string
    assert (
        app.get("/conversations", user=alice.get("/site").json()["end_user_id"]).json()["data"]
        == []
    )


def test_passport_checks(configured: User, process: Process) -> None:
    first, second = make_app(configured), make_app(configured)
    code, other_code = _site_code(configured, first.id), _site_code(configured, second.id)
    client = configured.client
    assert_dify_error(client.get("/api/passport"), 401)
    assert_dify_error(client.get("/api/passport", headers={"X-App-Code": "nope"}), 404)
    visitor = Visitor(client, code)
    assert_dify_error(client.get("/api/site", headers={"X-App-Code": code}), 401)
    crossed = {"X-App-Code": other_code, "Authorization": f"Bearer {visitor.token}"}
    assert_dify_error(client.get("/api/site", headers=crossed), 401)
    key = process.settings.core.secret_key.get_secret_value()
    claims = jwt.decode(visitor.token, key, algorithms=["HS256"])
    for token in (
        jwt.encode({**claims, "exp": 1}, key, algorithm="HS256"),
        jwt.encode(claims, "another-key-that-is-long-enough-for-hs256", algorithm="HS256"),
        jwt.encode({**claims, "end_user_id": "x"}, key, algorithm="HS256"),
    ):
        headers = {"X-App-Code": code, "Authorization": f"Bearer {token}"}
        assert_dify_error(client.get("/api/site", headers=headers), 401)
    via_header = {"X-App-Code": code, "X-App-Passport": visitor.token}
    assert client.get("/api/site", headers=via_header).status_code == 200
    configured.post(f"/apps/{first.id}/site-enable", {"enable_site": False})
    assert_dify_error(visitor.get("/site"), 403)
    assert_dify_error(client.get("/api/passport", headers={"X-App-Code": code}), 403)


def test_visitor_uploads_and_uses_a_file(configured: User) -> None:
    app = make_app(configured)
    visitor = Visitor(configured.client, _site_code(configured, app.id))
    response = configured.client.post(
        "/api/files/upload",
        headers=visitor.headers,
        files={"file": ("v.txt", b"visitor file", "text/plain")},
    )
    assert response.status_code == 201, response.text
    file_id = response.json()["id"]
    ok = visitor.post(
        "/chat-messages",
        {
            "query": "see file",
            "inputs": {},
            "response_mode": "blocking",
            "files": [
                {"type": "document", "transfer_method": "local_file", "upload_file_id": file_id}
            ],
        },
    )
    assert ok.status_code == 200
    other = Visitor(configured.client, visitor.code)
    refused = other.post(
        "/chat-messages",
        {
            "query": "steal",
            "inputs": {},
            "files": [
                {"type": "document", "transfer_method": "local_file", "upload_file_id": file_id}
            ],
        },
    )
    assert_dify_error(refused, 404, "file_not_found")
