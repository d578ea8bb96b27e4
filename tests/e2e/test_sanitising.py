"""Model output is untrusted: scripts, ``javascript:`` links and event attributes never run.

The fake upstream echoes the question, so a question carrying the payloads comes back as the
model's answer and goes through the same markdown renderer as any answer.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Shots, chat_app, sign_in
from tests.live import Served

PAYLOADS = [
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned = 'onerror'\">",
    "[click me](javascript:window.__pwned='md-link')",
    "<a href=\"javascript:window.__pwned='a-href'\" id=jslink>raw link</a>",
    "<a href=\"JaVaScRiPt&colon;window.__pwned='entity'\">entity link</a>",
    "<svg onload=\"window.__pwned='svg'\"></svg>",
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
    '<div onmouseover="window.__pwned=\'hover\'" style="position:fixed;inset:0">hover</div>',
    "<form action=\"javascript:window.__pwned='form'\"><button>go</button></form>",
    "<details open ontoggle=\"window.__pwned='toggle'\">x</details>",
    '<a href="data:text/html,<script>alert(1)</script>">data link</a>',
    "![img](x\" onerror=\"window.__pwned='md-img')",
    "**bold survives** and `code survives`",
]

pytestmark = pytest.mark.slow  # a real server and a real browser


def test_model_output_cannot_run_script(page: Page, shots: Shots, ready_server: Served) -> None:
    app_id = chat_app(ready_server, "Sanitiser")
    sign_in(page, ready_server.url)
    page.goto(f"{ready_server.url}/app/{app_id}")
    chat = page.get_by_role("region", name="Debug and preview")
    chat.get_by_label("Message").fill(" ".join(PAYLOADS))
    chat.get_by_label("Message").press("Enter")
    answer = chat.locator(".message.assistant .markdown").last
    expect(answer.locator("strong")).to_have_text("bold survives", timeout=20_000)
    expect(answer.locator("code")).to_have_text("code survives")
    expect(chat.locator(".message.assistant[data-streaming]")).to_have_count(0)
    shots("hostile-answer")

    tags = answer.evaluate("el => [...el.querySelectorAll('*')].map(e => e.tagName.toLowerCase())")
    for tag in ("script", "iframe", "svg", "form", "button", "object", "embed"):
        assert tag not in tags, tag
    attributes = answer.evaluate(
        "el => [...el.querySelectorAll('*')].flatMap(e => e.getAttributeNames())"
    )
    assert not [a for a in attributes if a.startswith("on") or a == "style"], attributes
    assert "onerror" in answer.inner_text()  # the payloads are shown as text, not dropped silently
    hrefs = answer.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert all(h is None or not h.lower().startswith(("javascript", "data")) for h in hrefs), hrefs
    # interact with whatever links and elements were left, then look for any effect
    for link in answer.locator("a").all():
        link.click(modifiers=["Control"])  # never navigate this page away
    answer.hover()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert page.errors == []  # type: ignore[attr-defined]
