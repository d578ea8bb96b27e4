"""A new user's first steps in the console, in a real browser against a real ``yarrow serve``."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import OWNER, UPSTREAM_KEY, Shots
from tests.live import Served

pytestmark = pytest.mark.slow  # a real server and a real browser


def test_first_steps(page: Page, shots: Shots, fresh_server: Served, upstream: str) -> None:
    url = fresh_server.url
    # 1. first run: any page leads to setup
    page.goto(f"{url}/apps")
    expect(page).to_have_url(f"{url}/install")
    page.get_by_label("Email").fill(OWNER["email"])
    page.get_by_label("Name", exact=True).fill(OWNER["name"])
    page.get_by_label("Password").fill(OWNER["password"])
    shots("setup")
    page.get_by_role("button", name="Create account").click()

    # 2. sign in (a wrong password is explained in plain words first)
    expect(page).to_have_url(f"{url}/signin")
    page.get_by_label("Email").fill(OWNER["email"])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile("password", re.I))
    shots("signin-refused")
    page.get_by_label("Password").fill(OWNER["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{url}/apps")
    expect(page.get_by_text("No apps yet")).to_be_visible()
    shots("apps-empty")

    # 3. add the model provider: a bad key is refused with the reason, the right one is saved
    page.get_by_role("link", name="Model providers").click()
    heading = page.get_by_role("heading", name="OpenAI-API-compatible")
    card = page.get_by_role("article").filter(has=heading)
    card.get_by_role("button", name="Set up").click()
    form = card.get_by_role("form", name="OpenAI-API-compatible credentials")
    form.get_by_label("API endpoint URL").fill(upstream)
    form.get_by_label("API key").fill("sk-wrong")
    form.get_by_label(re.compile("^Chat model names")).fill("echo-1")
    form.get_by_role("button", name="Save and validate").click()
    expect(form.get_by_role("alert")).to_be_visible()
    shots("provider-refused")
    form.get_by_label("API key").fill(UPSTREAM_KEY)
    form.get_by_role("button", name="Save and validate").click()
    expect(card.get_by_text("Configured", exact=True)).to_be_visible()
    shots("provider-configured")

    # 4. create a chat app and configure it
    page.get_by_role("link", name="Apps").click()
    page.get_by_role("button", name="Create app").click()
    dialog = page.get_by_role("dialog", name="Create an app")
    dialog.get_by_label("Name").fill("Support bot")
    dialog.get_by_label("Chatbot").check()
    dialog.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Support bot")).to_be_visible()
    config = page.get_by_role("form", name="Configuration")
    config.get_by_label("Model").select_option(label="echo-1 (openai_api_compatible)")
    config.get_by_label("Prompt").fill("You are a helpful support agent.")
    config.get_by_label("Opening statement").fill("Hi! Ask me anything.")
    config.get_by_role("button", name="Save").click()
    expect(config.get_by_role("status")).to_have_text("Saved.")
    shots("app-configured")

    # 5. the debug chat streams the answer token by token
    chat = page.get_by_role("region", name="Debug and preview")
    expect(chat.get_by_text("Hi! Ask me anything.")).to_be_visible()
    chat.get_by_label("Message").fill("[slow:0.15] where is my **parcel** today")
    chat.get_by_label("Message").press("Enter")
    answer = chat.locator(".message.assistant").last
    partial = chat.locator(".message.assistant[data-streaming]")
    expect(partial).to_contain_text("Echo:")  # words arrive while the stream is still open
    assert "today" not in partial.inner_text()
    shots("chat-streaming")
    expect(answer).not_to_have_attribute("data-streaming", "true", timeout=20_000)
    expect(answer).to_contain_text("where is my parcel today")
    expect(answer.locator("strong")).to_have_text("parcel")  # markdown rendered
    shots("chat-answered")

    # 6. API access: base URL and a new key that works against the Service API
    page.get_by_role("link", name="API access").click()
    expect(page.get_by_test_id("base-url")).to_have_text(f"{url}/v1")
    page.get_by_role("button", name="Create API key").click()
    key = page.get_by_test_id("new-key").inner_text()
    assert key.startswith("app-")
    shots("api-key")
    reply = httpx.post(
        f"{url}/v1/chat-messages",
        json={"inputs": {}, "query": "ping", "user": "e2e", "response_mode": "blocking"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["answer"] == "Echo: ping"

    # 7. the published web app: an anonymous end user chats there
    with page.expect_popup() as popup:  # the link opens a new tab
        page.locator('a[href^="/chat/"]').click()
    visitor = popup.value
    expect(visitor.get_by_role("heading", name="Support bot")).to_be_visible()
    expect(visitor.get_by_text("Hi! Ask me anything.")).to_be_visible()
    visitor.get_by_label("Message").fill("is the shop open on _Sunday_")
    visitor.get_by_label("Message").press("Enter")
    reply_text = visitor.locator(".message.assistant").last
    expect(reply_text.locator("em")).to_have_text("Sunday", timeout=20_000)
    visitor.screenshot(path=str(shots.dir / f"{shots.n + 1:02d}-web-app.png"), full_page=True)
    shots.n += 1
    visitor.close()

    # 8. the apps list searches and filters by mode
    page.get_by_role("link", name="Apps").click()
    apps = page.get_by_role("list", name="Apps")
    expect(apps.get_by_text("Support bot")).to_be_visible()
    page.get_by_label("Search apps").fill("nothing like it")
    expect(page.get_by_text("match these filters")).to_be_visible()
    page.get_by_label("Search apps").fill("support")
    expect(apps.get_by_text("Support bot")).to_be_visible()
    page.get_by_label("Mode").select_option("workflow")
    expect(page.get_by_text("match these filters")).to_be_visible()
    page.get_by_label("Mode").select_option("chat")
    expect(apps.get_by_text("Support bot")).to_be_visible()
    shots("apps-filtered")

    # 9. dark theme, kept across reloads
    page.get_by_role("button", name="Dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("list", name="Apps").get_by_text("Support bot")).to_be_visible()
    shots("dark-theme")
    assert page.errors == []  # type: ignore[attr-defined]
