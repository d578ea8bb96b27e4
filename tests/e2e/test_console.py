"""Console pages beyond the first steps: DSL import, deletion, members, keyboard use, errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import OWNER, Shots, chat_app, console, sign_in
from tests.live import Served
from yarrow.api.webui import console_openapi

pytestmark = pytest.mark.slow  # a real server and a real browser


def test_ui_client_schema_matches_the_server(ready_server: Served) -> None:
    """The UI client is generated from ``console_openapi()``: it must match what is served."""
    live = httpx.get(f"{ready_server.url}/console/api/openapi.json", timeout=30).json()
    built = console_openapi()
    live_console = {p: v for p, v in live["paths"].items() if p.startswith("/console/api/")}
    assert live_console == built["paths"]
    for name, schema in built.get("components", {}).get("schemas", {}).items():
        assert live["components"]["schemas"][name] == schema, name


def test_import_a_dsl_file_then_delete_the_app(
    page: Page, shots: Shots, ready_server: Served, tmp_path: Path
) -> None:
    source = chat_app(ready_server, "Exported bot", pre_prompt="Be brief.")
    with console(ready_server) as http:
        yaml = http.get(f"/apps/{source}/export").json()["data"]
        http.delete(f"/apps/{source}")
    dsl = tmp_path / "bot.yml"
    dsl.write_text(yaml.replace("Exported bot", "Imported bot"))
    sign_in(page, ready_server.url)
    page.get_by_label("Import DSL file").set_input_files(str(dsl))
    expect(page.get_by_role("heading", name="Imported bot")).to_be_visible()
    expect(page.get_by_role("form", name="Configuration").get_by_label("Prompt")).to_have_value(
        "Be brief."
    )
    shots("imported")
    page.get_by_role("link", name="Apps").click()
    page.get_by_role("button", name="Delete Imported bot").click()
    expect(page.get_by_role("list", name="Apps").get_by_text("Imported bot")).to_have_count(0)
    assert any("Imported bot" in d for d in page.dialogs)  # type: ignore[attr-defined]
    shots("deleted")
    with console(ready_server) as http:
        names = [a["name"] for a in http.get("/apps").json()["data"]]
    assert "Imported bot" not in names


def test_a_broken_dsl_file_is_explained(page: Page, ready_server: Served, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("app: [unclosed\n")
    sign_in(page, ready_server.url)
    page.get_by_label("Import DSL file").set_input_files(str(bad))
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    assert "{" not in alert.inner_text()  # words, not a JSON dump


def test_invite_a_member(page: Page, shots: Shots, ready_server: Served) -> None:
    sign_in(page, ready_server.url)
    page.get_by_role("link", name="Members").click()
    invite = page.get_by_role("form", name="Invite members")
    invite.get_by_label("Emails").fill("new.person@example.com")
    invite.get_by_label("Role").select_option("editor")
    invite.get_by_role("button", name="Invite").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("/activate?token=")
    token = status.inner_text().split("/activate?token=")[1].split()[0]
    activated = httpx.post(
        f"{ready_server.url}/console/api/activate",
        json={"token": token, "name": "New Person", "password": "another-secret-9"},
        timeout=30,
    )
    assert activated.status_code == 200, activated.text
    page.reload()
    row = page.get_by_role("row").filter(has_text="new.person@example.com")
    expect(row.get_by_label("Role of new.person@example.com")).to_have_value("editor")
    row.get_by_label("Role of new.person@example.com").select_option("admin")
    page.reload()
    row = page.get_by_role("row").filter(has_text="new.person@example.com")
    expect(row.get_by_label("Role of new.person@example.com")).to_have_value("admin")
    shots("members")


def test_keyboard_only_sign_in_and_navigation(page: Page, ready_server: Served) -> None:
    page.goto(f"{ready_server.url}/signin")
    expect(page.get_by_role("heading", name="Sign in to Yarrow")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(OWNER["email"])
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(OWNER["password"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Apps")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")  # the first navigation link, then follow it with Enter
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Model providers")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Model providers")).to_be_visible()
    page.get_by_role("link", name="Apps").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Create app").press("Enter")
    expect(page.get_by_role("dialog", name="Create an app")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_upstream_failure_is_shown_in_plain_words(page: Page, ready_server: Served) -> None:
    app_id = chat_app(ready_server, "Fragile")
    sign_in(page, ready_server.url)
    page.goto(f"{ready_server.url}/app/{app_id}")
    chat = page.get_by_role("region", name="Debug and preview")
    chat.get_by_label("Message").fill("[fail:500] please")
    chat.get_by_label("Message").press("Enter")
    alert = chat.get_by_role("alert")
    expect(alert).to_be_visible(timeout=20_000)
    text = alert.inner_text()
    assert text and "{" not in text and "undefined" not in text, text


def test_unknown_page_and_signed_out_redirect(page: Page, ready_server: Served) -> None:
    page.goto(f"{ready_server.url}/apps")
    expect(page).to_have_url(f"{ready_server.url}/signin")  # no session: sign in first
    sign_in(page, ready_server.url)
    page.goto(f"{ready_server.url}/no/such/page")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    api = httpx.get(f"{ready_server.url}/console/api/no-such-route", timeout=30)
    assert api.status_code == 404 and json.loads(api.text)["code"] == "not_found"


def test_pages_fit_a_small_laptop_screen(page: Page, shots: Shots, ready_server: Served) -> None:
    app_id = chat_app(ready_server, "Narrow")
    page.set_viewport_size({"width": 1024, "height": 640})
    sign_in(page, ready_server.url)
    loaded = {
        "/apps": lambda: page.get_by_role("list", name="Apps"),
        "/providers": lambda: page.get_by_role("heading", name="OpenAI-API-compatible"),
        "/members": lambda: page.get_by_role("cell", name=OWNER["email"]),
        f"/app/{app_id}": lambda: page.get_by_role("form", name="Configuration"),
        f"/app/{app_id}/api": lambda: page.get_by_role("button", name="Create API key"),
    }
    for path, content in loaded.items():
        page.goto(f"{ready_server.url}{path}")
        expect(content()).to_be_visible()  # measured once the page has its content
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
        shots(path.strip("/").replace("/", "-")[:40])
