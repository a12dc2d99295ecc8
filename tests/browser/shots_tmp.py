"""TEMPORARY (deleted before hand-off): screenshots and DOM dumps of the playground for a before/after check."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = Path(os.environ.get("PG_SHOTS", "/tmp/pgsplit/x"))

DUMP = """() => {
  const clean = (root) => {
    const copy = root.cloneNode(true);
    const walk = (node) => {
      for (const child of [...node.childNodes]) {
        if (child.nodeType === 3 && !child.textContent.trim()) child.remove();
        else if (child.nodeType === 1) walk(child);
      }
    };
    walk(copy);
    copy.querySelectorAll("time").forEach((t) => { t.textContent = "T"; t.setAttribute("datetime", "D"); });
    copy.querySelectorAll("[data-id]").forEach((t) => t.setAttribute("data-id", "ID"));
    copy.querySelectorAll("a[href]").forEach((t) => t.setAttribute("href", "H"));
    return copy;
  };
  const items = (sel) => [...clean(document.querySelector(sel)).children].map((n) => n.outerHTML);
  return { transcript: items("#pg-transcript"), sidebar: items("#pg-conversations") };
}"""

MESSAGE = "hi <b>raw</b>\n\n# Title\n\n- a\n- **b**\n\n```js\nx < 1\n```\n\n> quote `code`"


def shot(page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for _ in range(50):  # wait_for_function would eval a string, which the page's CSP refuses
        if not page.evaluate("!!document.querySelector('#id_model[aria-busy]')"):
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(900)  # transitions (drawer, focus ring) settle
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def dump(page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(page.evaluate(DUMP), indent=1, ensure_ascii=False))


def send(page, text: str, model: str) -> None:
    page.fill("#id_model_name", model)
    page.fill("#id_message", text)
    page.click("#pg-send")
    page.wait_for_selector('#pg-form[data-state="done"], #pg-form[data-state="error"]')


def run_chats(page) -> None:
    send(page, MESSAGE, "echo-1")
    page.click("#pg-advanced summary")
    page.select_option("#id_error_mode", "default")
    page.fill("#id_default_value", "**fallback** text")
    send(page, "this one falls back", "echo-fault-503")
    page.select_option("#id_error_mode", "fail")
    send(page, "this one fails", "echo-fault-503")
    page.click("#pg-advanced summary")
    page.check("#id_history")
    send(page, "请问我是谁", "echo-1")


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_shots(live_server, django_user_model, page, point_at, lang):
    credential = point_at("openai_compatible")
    django_user_model.objects.create_superuser(username="admin", password="browser-test-pw-1")
    page.goto(f"{live_server.url}/accounts/login/?next=/playground/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "browser-test-pw-1")
    page.click("input[type=submit]")
    page.wait_for_url("**/playground/")
    if lang != "en":
        with page.expect_navigation():
            page.select_option("#pg-language", lang)
    shot(page, f"{lang}-empty")
    page.select_option("#id_credential", label=credential.name)
    run_chats(page)
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("document.getElementById('pg-transcript').scrollTop = 0")
    dump(page, f"{lang}-live")
    shot(page, f"{lang}-live")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, f"{lang}-live-phone")
    page.click("#pg-drawer-toggle")
    shot(page, f"{lang}-drawer-phone")
    page.keyboard.press("Escape")
    page.reload()
    page.evaluate("document.getElementById('pg-transcript').scrollTop = 0")
    dump(page, f"{lang}-stored")
    shot(page, f"{lang}-stored-phone")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.evaluate("document.getElementById('pg-transcript').scrollTop = 0")
    shot(page, f"{lang}-stored")
    page.goto(f"{live_server.url}/playground/compare/")
    shot(page, f"{lang}-compare")
