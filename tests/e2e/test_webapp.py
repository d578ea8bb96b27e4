"""The published web app (``/chat/{code}``) as an anonymous end user."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Shots, chat_app, console
from tests.live import Served

pytestmark = pytest.mark.slow  # a real server and a real browser


def test_end_user_chats_rates_and_returns(page: Page, shots: Shots, ready_server: Served) -> None:
    app_id = chat_app(ready_server, "Public helper", opening_statement="Welcome, visitor!")
    with console(ready_server) as http:
        code = http.get(f"/apps/{app_id}").json()["site"]["code"]
    page.goto(f"{ready_server.url}/chat/{code}")
    expect(page.get_by_role("heading", name="Public helper")).to_be_visible()  # no sign-in
    expect(page.get_by_text("Welcome, visitor!")).to_be_visible()
    shots("welcome")

    page.get_by_label("Message").fill("[slow:0.1] how do I reset `my password`")
    page.get_by_label("Message").press("Enter")
    streaming = page.locator(".message.assistant[data-streaming]")
    expect(streaming).to_contain_text("Echo:")
    answer = page.locator(".message.assistant").last
    expect(answer.locator("code")).to_have_text("my password", timeout=20_000)
    expect(streaming).to_have_count(0)
    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    shots("answered")

    # the visitor comes back: the conversation is listed with its history and feedback
    page.reload()
    conversations = page.get_by_role("complementary", name="Conversations")
    conversations.get_by_role("listitem").first.get_by_role("button").click()
    answer = page.locator(".message.assistant").last
    expect(answer).to_contain_text("how do I reset")
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    shots("history")
    with console(ready_server) as http:
        assert http.get(f"/apps/{app_id}").status_code == 200

    # a site that was switched off is explained, not a blank page
    with console(ready_server) as http:
        assert http.post(f"/apps/{app_id}/site-enable", json={"enable_site": False}).is_success
    page.reload()
    expect(page.get_by_role("alert")).to_be_visible()
    shots("site-disabled")
    assert page.errors == []  # type: ignore[attr-defined]


def test_unknown_site_code_is_explained(page: Page, ready_server: Served) -> None:
    page.goto(f"{ready_server.url}/chat/no-such-code")
    expect(page.get_by_role("alert")).to_be_visible()
