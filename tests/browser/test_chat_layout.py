"""The playground as a chat in a real browser: the transcript fills the page, the composer sits at the bottom,
the settings beside it (a drawer on a phone); Stop, regenerate, edit, settings that stay, and the zh-hans UI.

The fake provider answers "Echo: " and the user's message; its fault models stall or fail on purpose.
"""

from __future__ import annotations

import json
import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-test-pw-1"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def playground(live_server, django_user_model, page, point_at):
    """The playground, logged in, on a credential of the fake provider and its model echo-1."""
    credential = point_at("openai_compatible")
    django_user_model.objects.create_superuser(username="admin", password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/?next=/playground/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/playground/")
    page.select_option("#id_credential", str(credential.pk))
    page.fill("#id_model_name", "echo-1")
    return page


def vision_model(*, supports_vision: bool) -> None:
    """echo-1 in the catalog of the fake provider's credential, seeing images or not."""
    from providers.models import Provider, ProviderModel

    provider = Provider.objects.get(slug="openai_compatible")
    ProviderModel.objects.update_or_create(
        provider=provider, name="echo-1", model_type="llm", defaults={"supports_vision": supports_vision}
    )


def send(page, text: str, state: str = "done") -> None:
    page.fill("#id_message", text)
    page.click("#pg-send")
    page.wait_for_selector('#pg-form[data-state="done"], #pg-form[data-state="error"]')
    assert page.get_attribute("#pg-form", "data-state") == state, page.inner_text("#pg-error")


def output(page) -> list[dict]:
    return json.loads(page.text_content("#pg-json"))


def replies(page):
    return page.locator("#pg-transcript .pg-msg-assistant .pg-msg-body")


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= size["height"]


def test_the_composer_stays_at_the_bottom_and_enter_sends(playground):
    """On 1366x768 the composer is pinned at the bottom, the settings are beside the chat, and the reply shows
    once: Enter sends, Shift+Enter adds a line."""
    page = playground
    page.set_viewport_size(DESKTOP)
    page.click("#id_message")
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    assert page.input_value("#id_message") == "first line\nsecond line"
    page.keyboard.press("Enter")
    page.wait_for_selector('#pg-form[data-state="done"]')
    assert replies(page).last.inner_text() == "Echo: first line\nsecond line"
    assert page.locator(".pg-md", has_text="Echo: first line").count() == 1  # rendered once, in the transcript

    send_box = page.locator("#pg-send").bounding_box()
    assert send_box["y"] + send_box["height"] <= DESKTOP["height"]
    assert page.locator("#pg-settings").is_visible() and page.locator("#id_system").is_visible()
    page.click("#pg-settings-toggle")
    assert page.locator("#pg-settings").is_hidden()
    page.reload()
    assert page.locator("#pg-settings").is_hidden()  # the collapsed panel is remembered
    page.click("#pg-settings-toggle")
    assert page.locator("#pg-settings").is_visible()


def test_ctrl_enter_can_be_the_send_key(playground):
    """Chosen under the message box and remembered in the browser: then Enter adds a line and Ctrl+Enter sends."""
    page = playground
    page.select_option("#pg-send-key", "ctrl")
    page.click("#id_message")
    page.keyboard.type("one")
    page.keyboard.press("Enter")
    page.keyboard.type("two")
    assert page.input_value("#id_message") == "one\ntwo" and page.get_attribute("#pg-form", "data-state") != "done"
    page.keyboard.press("Control+Enter")
    page.wait_for_selector('#pg-form[data-state="done"]')
    assert replies(page).last.inner_text() == "Echo: one\ntwo"
    page.reload()
    assert page.input_value("#pg-send-key") == "ctrl"


def test_the_settings_come_back_when_the_conversation_is_reopened(playground):
    page = playground
    page.fill("#id_system", "Answer in one line")
    page.click("#pg-advanced summary")
    page.fill("#id_temperature", "0.3")
    send(page, "hello")
    assert "/playground/c/" in page.url
    page.reload()
    assert page.input_value("#id_system") == "Answer in one line"
    assert float(page.input_value("#id_temperature")) == 0.3
    assert page.input_value("#id_model_name") == "echo-1" or page.input_value("#id_model") == "echo-1"


def test_variables_fill_the_system_message(playground):
    page = playground
    page.fill("#id_system", "You help {{name}}")
    page.fill("#id_variables", '{"name": "Ada"}')
    send(page, "Hi, I am {{name}}")
    history = output(page)[0]["history"]
    assert history[0] == {"role": "system", "content": "You help Ada"}
    assert history[-1]["content"] == "Hi, I am Ada"


def test_stop_ends_a_stalled_stream_at_once_and_keeps_the_part_received(playground, screenshot, settings):
    """echo-1-fault-silent sends two chunks and then not a byte: Stop (here, Esc) gives the page back within a
    second, and the part received stays on the page, marked stopped. The server learns of the Stop at its next
    keep-alive to the page (it sends one each half second of silence), so the stopped reply is stored before the
    next turn, and a reload shows both turns in order. (The read timeout is a real one here: the tests' 1 s would
    end the silence first.)"""
    settings.PROVIDER_HTTP_READ_TIMEOUT = 30
    page = playground
    page.fill("#id_model_name", "echo-1-fault-silent")
    page.fill("#id_message", "one two three four five six")
    page.click("#pg-send")
    page.wait_for_function("() => !!document.querySelector('#pg-transcript .pg-msg-assistant .pg-msg-body')?.innerText")
    assert page.locator("#pg-stop").is_visible() and page.locator("#pg-send").is_hidden()
    assert page.inner_text("#pg-elapsed").endswith("s")  # the elapsed-time counter runs
    page.wait_for_timeout(500)  # both chunks are in; silence follows
    partial = replies(page).last.inner_text()
    assert partial.startswith("Echo")
    screenshot("playground-streaming")

    started = time.monotonic()
    page.keyboard.press("Escape")
    page.wait_for_selector('#pg-form[data-state="stopped"]', timeout=1000)
    assert time.monotonic() - started < 1
    assert page.locator("#pg-send").is_enabled() and page.locator("#pg-stop").is_hidden()
    assert page.locator("#pg-transcript .pg-msg-assistant .pg-msg-stopped").is_visible()
    assert replies(page).last.inner_text() == partial

    # The page is usable at once: the next turn goes through while the server winds the stopped one down.
    page.fill("#id_model_name", "echo-1")
    send(page, "next")
    assert replies(page).last.inner_text() == "Echo: next"

    page.reload()
    page.wait_for_selector("#pg-transcript .pg-msg-assistant")
    assert [r.inner_text() for r in replies(page).all()] == [partial, "Echo: next"]
    assert page.locator("#pg-transcript .pg-msg-assistant").first.locator(".pg-msg-stopped").is_visible()


def test_stop_during_keep_alives_keeps_the_page_usable(playground):
    """echo-1-fault-keepalive sends only keep-alives: Stop ends the wait at once; nothing came, nothing shows."""
    page = playground
    page.fill("#id_model_name", "echo-1-fault-keepalive")
    page.fill("#id_message", "hello")
    page.click("#pg-send")
    page.wait_for_selector("#pg-stop:not([hidden])")
    page.wait_for_timeout(300)
    started = time.monotonic()
    page.click("#pg-stop")
    page.wait_for_selector('#pg-form[data-state="stopped"]', timeout=1000)
    assert time.monotonic() - started < 1
    assert page.locator("#pg-send").is_enabled()
    _wait_until_stored_stopped()


def _wait_until_stored_stopped() -> None:
    """The server stores the stopped reply and releases the turn after the browser has moved on: the test waits
    for both, or the database's teardown (a TRUNCATE on PostgreSQL) would race those writes into a deadlock."""
    from playground.models import Conversation, Message

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        stored = Message.objects.filter(role="assistant", stopped=True).exists()
        if stored and not Conversation.objects.exclude(streaming="").exists():
            return
        time.sleep(0.05)
    raise AssertionError("the stopped reply was not stored within 10 s")


def test_an_image_goes_to_a_vision_model_and_shows_in_the_transcript(playground, screenshot, tmp_path):
    """Attached with the button or pasted into the message box: the user bubble shows the image, the model gets it
    (the fake provider counts image parts: "[1 image]"), and after a reload the stored image still shows."""
    from tests.playground.images import real_png

    PNG = real_png()
    vision_model(supports_vision=True)
    page = playground
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    page.set_input_files("#id_image", str(picture))
    assert page.inner_text("#pg-attach-name") == "cat.png"
    send(page, "what is this?")
    assert replies(page).last.inner_text().startswith("[1 image] Echo")
    assert page.locator("#pg-transcript .pg-msg-user .pg-msg-image").count() == 1
    assert page.inner_text("#pg-attach-name") == ""  # sent: the composer is empty again

    # Pasted: the clipboard's image file becomes the attachment (named for its type, as screenshots have no name).
    page.evaluate(
        """(bytes) => {
            const file = new File([new Uint8Array(bytes)], "", { type: "image/png" });
            const data = new DataTransfer();
            data.items.add(file);
            const box = document.getElementById("id_message");
            box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        list(PNG),
    )
    assert page.inner_text("#pg-attach-name") == "pasted-image.png"
    send(page, "and this?")
    assert replies(page).last.inner_text().startswith("[1 image] Echo")

    page.reload()
    images = page.locator("#pg-transcript .pg-msg-user .pg-msg-image")
    assert images.count() == 2
    page.wait_for_function("() => [...document.querySelectorAll('.pg-msg-image')].every((i) => i.naturalWidth > 0)")
    assert "[image:" not in page.inner_text("#pg-transcript")
    screenshot("playground-image")


def test_a_model_that_cannot_see_refuses_an_image_with_a_clear_message(playground, tmp_path):
    from tests.playground.images import PNG

    vision_model(supports_vision=False)
    page = playground
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    page.set_input_files("#id_image", str(picture))
    page.fill("#id_message", "what is this?")
    page.click("#pg-send")
    page.wait_for_selector('[data-errors-for="image"] li')
    assert page.inner_text('[data-errors-for="image"]') == "echo-1 is not a vision model: it does not accept images."
    assert page.locator("#pg-transcript .pg-msg-user").count() == 0  # nothing was sent, nothing is lost
    assert page.input_value("#id_message") == "what is this?"


def test_regenerate_keeps_the_earlier_reply_as_an_alternative(playground):
    page = playground
    send(page, "tell me")
    first_id = page.get_attribute("#pg-transcript .pg-msg-assistant", "data-id")
    reply = page.locator("#pg-transcript .pg-msg-assistant").last
    reply.hover()
    reply.locator('[data-action="regenerate"]').click()
    page.wait_for_selector('#pg-form[data-state="done"]')
    page.wait_for_selector("#pg-transcript .pg-msg-assistant .pg-pager:not([hidden])")
    reply = page.locator("#pg-transcript .pg-msg-assistant").last
    assert page.locator("#pg-transcript .pg-msg-assistant").count() == 1
    assert reply.locator(".pg-pager-label").inner_text() == "2/2"
    assert reply.get_attribute("data-id") != first_id

    reply.locator('[data-action="prev"]').click()
    page.wait_for_function("() => document.querySelector('#pg-transcript .pg-pager-label')?.textContent === '1/2'")
    assert reply.get_attribute("data-id") == first_id
    page.reload()  # the chosen reply is the one the conversation shows
    assert page.get_attribute("#pg-transcript .pg-msg-assistant", "data-id") == first_id
    # The pager is filled in by the page's script once it has loaded: wait for it, as above.
    page.wait_for_function("() => document.querySelector('#pg-transcript .pg-pager-label')?.textContent === '1/2'")


def test_edit_a_message_and_send_it_again(playground):
    page = playground
    send(page, "first question")
    send(page, "second question")
    first = page.locator("#pg-transcript .pg-msg-user").first
    first.hover()
    first.locator('[data-action="edit"]').click()
    first.locator(".pg-msg-edit textarea").fill("edited question")
    first.locator('[data-action="edit-send"]').click()
    page.wait_for_selector('#pg-form[data-state="done"]')
    assert page.locator("#pg-transcript .pg-msg").count() == 2  # the messages after it are gone
    assert replies(page).last.inner_text() == "Echo: edited question"
    page.reload()
    assert page.locator("#pg-transcript .pg-msg-user .pg-msg-body").all_inner_texts() == ["edited question"]


def test_copy_and_delete_a_message(playground):
    page = playground
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.url.split("/playground")[0])
    page.evaluate(
        """() => {
          window.__copied = [];
          navigator.clipboard.writeText = (text) => { window.__copied.push(text); return Promise.resolve(); };
        }"""
    )
    send(page, "**bold** words")
    reply = page.locator("#pg-transcript .pg-msg-assistant").last
    reply.locator('[data-action="copy"]').click()
    page.wait_for_function("() => window.__copied.length === 1")
    assert page.evaluate("window.__copied") == ["Echo: **bold** words"]  # the Markdown, not the HTML

    page.on("dialog", lambda dialog: dialog.accept())
    user = page.locator("#pg-transcript .pg-msg-user").first
    user.hover()
    user.locator('[data-action="delete"]').click()
    page.wait_for_function("() => !document.querySelector('#pg-transcript .pg-msg')")
    page.reload()
    assert page.locator("#pg-transcript .pg-msg").count() == 0


def test_rename_search_and_delete_conversations(playground):
    page = playground
    send(page, "about cats")
    page.click("#pg-new")
    page.wait_for_url("**/playground/")
    page.fill("#id_model_name", "echo-1")
    send(page, "about dogs")
    item = page.locator("#pg-conversations .pg-conv.is-current")
    item.locator(".pg-conv-menu summary").click()
    item.locator('[data-action="rename"]').click()
    item.locator(".pg-conv-rename input").fill("Dog talk")
    item.locator(".pg-conv-rename input").press("Enter")
    page.wait_for_function("() => document.querySelector('#pg-chat-title')?.textContent === 'Dog talk'")
    assert "export.json" in item.locator('[data-export="json"]').get_attribute("href")

    page.fill("#pg-search", "cats")
    page.wait_for_function("() => document.querySelectorAll('#pg-conversations .pg-conv').length === 1")
    assert "cats" in page.inner_text("#pg-conversations").lower()
    page.fill("#pg-search", "")
    page.wait_for_function("() => document.querySelectorAll('#pg-conversations .pg-conv').length === 2")

    page.on("dialog", lambda dialog: dialog.accept())
    other = page.locator("#pg-conversations .pg-conv:not(.is-current)")
    other.locator(".pg-conv-menu summary").click()
    other.locator('[data-action="delete"]').click()
    page.wait_for_function("() => document.querySelectorAll('#pg-conversations .pg-conv').length === 1")


def test_badges_show_the_speed_and_how_the_reply_ended(playground):
    page = playground
    send(page, "count my tokens")
    badges = page.locator("#pg-transcript .pg-msg-assistant .pg-msg-badges").last
    assert badges.locator('[data-badge="ttft_ms"]').is_visible()
    assert badges.locator('[data-badge="finish"]').inner_text() == "Complete"
    assert output(page)[0]["ttft_ms"] is not None
    live = badges.inner_text()

    page.reload()  # the stored reply shows the same badges
    page.wait_for_selector('#pg-transcript .pg-msg-assistant [data-badge="ttft_ms"]:not([hidden])')
    assert page.locator("#pg-transcript .pg-msg-assistant .pg-msg-badges").last.inner_text() == live


def test_the_inspector_and_view_code(playground, screenshot):
    page = playground
    send(page, "not recorded")
    reply = page.locator("#pg-transcript .pg-msg-assistant").last
    reply.locator('[data-action="inspect"]').click()
    page.wait_for_selector('#pg-inspector [data-inspector="hint"]:not([hidden])')
    page.click("#pg-inspector [data-dialog-close]")

    page.check("#id_inspect")
    send(page, "recorded")
    reply = page.locator("#pg-transcript .pg-msg-assistant").last
    reply.locator('[data-action="inspect"]').click()
    page.wait_for_selector('#pg-inspector [data-inspector="body"]:not([hidden])')
    assert page.inner_text('#pg-inspector [data-inspector="url"]').endswith("/chat/completions")
    assert "recorded" in page.inner_text('#pg-inspector [data-inspector="request-body"]')
    screenshot("playground-inspector")
    page.click("#pg-inspector [data-dialog-close]")

    page.click("#pg-code-open")
    page.wait_for_function("() => document.querySelector('#pg-code [data-code=curl]')?.textContent.startsWith('curl')")
    page.click("#pg-tab-python")
    assert "import" in page.inner_text('#pg-code [data-code="python"]')
    assert page.inner_text('#pg-code [data-code="env"]').strip()
    screenshot("playground-code")


def test_on_a_phone_the_reply_is_in_view_after_send(playground, screenshot):
    page = playground
    page.set_viewport_size(PHONE)
    for text in ("first", "second", "third message, a longer one to take some room on a small screen"):
        send(page, text)
    last = replies(page).last
    assert in_view(page, last)
    assert page.locator("#pg-send").bounding_box()["y"] < PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.click("#pg-settings-toggle")
    assert page.locator("#id_system").is_visible()  # the settings open as a drawer
    page.wait_for_timeout(300)  # the drawer's slide
    screenshot("playground-phone-settings")
    page.keyboard.press("Escape")
    page.wait_for_selector("#pg-settings", state="hidden")


def test_the_chinese_ui_shows_a_translated_provider_error(playground):
    page = playground
    page.select_option("#pg-language", "zh-hans")
    page.wait_for_load_state()
    page.wait_for_selector("html[lang=zh-hans]")
    page.fill("#id_model_name", "echo-fault-500")
    send(page, "你好", state="error")
    assert "供应商不可用" in page.inner_text("#pg-error")


def _screens(page, screenshot, language: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.reload()
    page.wait_for_selector("#pg-transcript .pg-msg-assistant")
    screenshot(f"playground-desktop-{language}")
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("#pg-transcript .pg-msg-assistant")
    screenshot(f"playground-phone-{language}")


def test_screenshots_in_english_and_chinese(playground, screenshot):
    """The desktop (1366x768) and phone (390x844) layouts, in English and Simplified Chinese."""
    page = playground
    page.fill("#id_system", "You are a concise assistant.")
    send(page, "What is a *token*?")
    send(page, "Give me a table:\n\n| model | tokens |\n|---|---:|\n| echo-1 | 12 |")
    _screens(page, screenshot, "en")
    page.set_viewport_size(DESKTOP)
    page.select_option("#pg-language", "zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")
    _screens(page, screenshot, "zh")


def test_max_tokens_shows_the_models_default(playground):
    """The model's default max tokens (its parameter rules, from api/models/) is the field's placeholder."""
    from credentials.models import Credential
    from providers.models import ProviderModel

    credential = Credential.objects.get()
    ProviderModel.objects.create(provider=credential.provider, name="echo-1", model_type="llm", max_tokens_default=512)
    page = playground
    page.reload()
    page.select_option("#id_credential", str(credential.pk))
    page.wait_for_selector("#id_model option[value='echo-1']", state="attached")
    page.select_option("#id_model", "echo-1")
    assert page.get_attribute("#id_max_tokens", "placeholder") == "512"
