"""The playground in a real browser: an admin sets up a credential, then chats with history on."""

from __future__ import annotations

import json

import pytest

from providers.services import catalog_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_playground(live_server, django_user_model, page, credential) -> None:
    """Log in through Django's login page as a superuser and pick ``credential``."""
    django_user_model.objects.create_superuser(username="admin", password="browser-test-pw-1")
    page.goto(f"{live_server.url}/accounts/login/?next=/playground/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "browser-test-pw-1")
    page.click("input[type=submit]")
    page.wait_for_url("**/playground/")
    page.select_option("#id_credential", str(credential.pk))


def chat(page, text: str) -> dict:
    page.fill("#id_message", text)
    page.click("#pg-send")
    page.wait_for_selector('#pg-form[data-state="done"], #pg-form[data-state="error"]')
    assert page.get_attribute("#pg-form", "data-state") == "done", page.inner_text("#pg-error")
    return json.loads(page.text_content("#pg-json"))


def test_chat_with_history_in_the_playground(live_server, django_user_model, page, fake_provider, screenshot):
    catalog_load()
    django_user_model.objects.create_superuser(username="admin", password="browser-test-pw-1")
    base = live_server.url
    page.goto(f"{base}/admin/login/?next=/admin/credentials/credential/add/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "browser-test-pw-1")
    page.click("input[type=submit]")

    # The admin creates a credential that points at the fake provider.
    page.fill("#id_name", "fake")
    with page.expect_navigation():
        page.select_option("#id_provider", label="OpenAI-compatible")
    page.fill("#id_cred_base_url", f"{fake_provider.url}/v1")
    page.fill("#id_cred_api_key", "sk-browser-test-000000")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    page.goto(f"{base}/playground/")
    # The option reads "fake (ok)": the connection test ran on save.
    fake = page.eval_on_selector("#id_credential", "s => [...s.options].find(o => o.text.startsWith('fake ')).value")
    page.select_option("#id_credential", fake)
    page.fill("#id_model_name", "echo-1")
    page.fill("#id_system", "You are a helpful assistant")
    first = chat(page, "你好，我叫IOLinker")
    assert first[0]["content"] == "Echo: 你好，我叫IOLinker"

    page.check("#id_history")
    second = chat(page, "请问我是谁")
    assert [m["role"] for m in second[0]["history"]] == ["system", "user", "assistant", "user"]
    assert second[0]["history"][1]["content"] == "你好，我叫IOLinker"
    assert second[0]["history_rounds_loaded"] == 1
    assert "/playground/c/" in page.url  # a reload keeps the conversation
    assert page.locator("#pg-transcript .pg-msg-assistant .pg-msg-badges").last.inner_text().strip()
    screenshot("playground")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert "请问我是谁" in page.inner_text("#pg-transcript")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("playground-phone")


def test_model_html_is_shown_as_text(live_server, django_user_model, page, point_at):
    credential = point_at("openai_compatible")
    open_playground(live_server, django_user_model, page, credential)
    page.fill("#id_model_name", "echo-1")
    chat(page, "<img src=x onerror=\"document.title='pwned'\"> **bold**")
    reply = page.locator("#pg-transcript .pg-msg-assistant .pg-msg-body").last
    assert reply.locator("img").count() == 0
    assert reply.locator("strong").count() == 1
    assert "<img" in reply.inner_text()
    assert page.title() != "pwned"


def test_bad_input_and_provider_failures_show_on_the_page(live_server, django_user_model, page, point_at):
    credential = point_at("openai_compatible")
    open_playground(live_server, django_user_model, page, credential)
    page.fill("#id_model_name", "echo-1")

    page.fill("#id_message", "   ")
    page.click("#pg-send")
    page.wait_for_selector('#pg-form[data-state="error"]')
    assert "Write a message first." in page.inner_text('[data-errors-for="message"]')

    page.fill("#id_model_name", "echo-fault-503")
    page.fill("#id_message", "please keep this text")
    page.click("#pg-send")
    page.wait_for_selector('#pg-form[data-state="error"]')
    assert "Provider unavailable" in page.inner_text("#pg-error")
    assert page.input_value("#id_message") == "please keep this text"
    assert "please keep this text" in page.inner_text("#pg-transcript")


# The transcript's messages as markup, with their times and badges left out: the script writes a live message's
# time when it appears, the server a stored one's when it was saved; a live reply's badges add what its call
# measured (time to first token, speed, cost) to what the stored message keeps.
MESSAGES_MARKUP = """() => [...document.querySelectorAll("#pg-transcript .pg-msg")].map((message) => {
  const copy = message.cloneNode(true);
  copy.querySelectorAll("time, .pg-msg-badges").forEach((node) => node.remove());
  return copy.outerHTML;
})"""


def test_live_messages_have_the_markup_of_stored_ones(live_server, django_user_model, page, point_at):
    """The messages a turn adds are the server's own markup (templates/playground/_message.html), filled in:
    reloading the conversation, which renders them from the database, changes none of them."""
    credential = point_at("openai_compatible")
    open_playground(live_server, django_user_model, page, credential)
    page.fill("#id_model_name", "echo-1")
    chat(page, "**Hello** <b>there</b>\nsecond line")
    page.fill("#id_model_name", "echo-fault-503")
    page.fill("#id_message", "this one fails")
    page.click("#pg-send")
    page.wait_for_selector('#pg-form[data-state="error"]')

    live = page.evaluate(MESSAGES_MARKUP)
    assert [page.get_attribute(f"#pg-transcript .pg-msg >> nth={i}", "data-role") for i in range(3)] == [
        "user",
        "assistant",
        "user",
    ]
    assert "<strong>Hello</strong>" in live[1] and "&lt;b&gt;there&lt;/b&gt;" in live[1]
    assert "is-failed" in live[2] and "Provider unavailable" in live[2]
    page.reload()
    assert page.evaluate(MESSAGES_MARKUP) == live


def test_a_reasoning_models_thinking_streams_above_its_answer(
    live_server, django_user_model, page, point_at, screenshot
):
    """The fake provider's DeepSeek flavour thinks first: the "Thinking" block shows that text, apart from the
    answer, and folds once the answer is there; the stored conversation keeps the answer only."""
    credential = point_at("deepseek")
    open_playground(live_server, django_user_model, page, credential)
    page.fill("#id_model_name", "deepseek-echo")
    output = chat(page, "think first")
    assert output[0]["reasoning"] == "The user wants an echo." and output[0]["content"] == "Echo: think first"

    thinking = page.locator("#pg-transcript .pg-msg-assistant .pg-thinking")
    assert thinking.is_visible() and not thinking.evaluate("node => node.open")  # folded once the answer came
    thinking.locator("summary").click()
    assert "The user wants an echo." in thinking.inner_text()
    assert "The user wants an echo." not in page.inner_text("#pg-transcript .pg-msg-assistant .pg-msg-body")
    assert page.locator("#pg-transcript .pg-thinking").count() == 1  # the reply and its thinking show once
    summary = page.inner_text("#pg-transcript .pg-thinking > summary")  # with how long it took: "Thinking · 0.1 s"
    assert summary.startswith("Thinking · ") and summary.endswith(" s"), summary
    assert page.locator("#pg-transcript .pg-msg-finish").is_hidden()  # "stop" needs no note
    screenshot("playground-thinking")

    page.reload()
    assert page.locator("#pg-transcript .pg-thinking").first.is_hidden()  # reasoning is not stored

    page.click("#pg-advanced summary")
    page.select_option("#id_response_format", "json_schema")
    assert page.locator("#id_response_schema").is_visible()
    page.select_option("#id_thinking", "off")
    screenshot("playground-advanced")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()  # the drawer takes its phone place without the transition a resize shows
    page.click("#pg-settings-toggle")
    page.click("#pg-advanced summary")
    page.select_option("#id_response_format", "json_schema")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("playground-advanced-phone")


def test_rules_and_a_cut_reply_show_on_the_page(live_server, django_user_model, page, point_at):
    """An image for a model that cannot see one is refused on the image field; the JSON mode one on its own."""
    from providers.models import ProviderModel

    credential = point_at("openai_compatible")
    ProviderModel.objects.create(provider=credential.provider, name="echo-1", model_type="llm")
    open_playground(live_server, django_user_model, page, credential)
    page.fill("#id_model_name", "echo-1")
    page.click("#pg-advanced summary")
    page.fill("#id_image_url", "https://example.com/cat.png")
    page.select_option("#id_response_format", "json_object")
    page.fill("#id_message", "look")
    page.click("#pg-send")
    page.wait_for_selector('#pg-form[data-state="error"]')
    assert "not a vision model" in page.inner_text('[data-errors-for="image_url"]')
    assert "JSON mode" in page.inner_text('[data-errors-for="response_format"]')
