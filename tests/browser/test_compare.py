"""Live compare in a real browser: the columns stream side by side at once, render Markdown, stop together or
one by one, each with its own parameters, and keep each other's answers when one fails. Every test here also
fails on a CSP violation (see conftest.py).

The fake provider answers "Echo: " and the user's message; a model named ``…-fault-latency-300`` sends each
stream frame 0.3 s apart, so a column's time is known and two columns run one after the other would add up.
"""

from __future__ import annotations

import json
import time

import pytest

from calls.models import CallLog

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-test-pw-1"
SLOW_A, SLOW_B = "echo-a-fault-latency-300", "echo-b-fault-latency-300"
COLUMN = "#pg-compare-columns .pg-compare-column"

MARKDOWN = """Compare **these**:

| Model | Context |
|:------|--------:|
| echo-1 | 4096 |

```python
print("hi")
```"""


def log_in(live_server, django_user_model, page, path: str) -> None:
    django_user_model.objects.create_superuser(username="admin", password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{path}")


@pytest.fixture
def compare(live_server, django_user_model, page, point_at):
    """The compare page, logged in; ``choose(*models)`` fills the slots with the fake provider's credential."""
    credential = point_at("openai_compatible")
    log_in(live_server, django_user_model, page, "/playground/compare/")

    def choose(*models: str) -> None:
        for slot, model in enumerate(models, start=1):
            page.select_option(f"#id_credential_{slot}", value=str(credential.pk))
            page.fill(f"#id_model_{slot}", model)

    page.choose = choose
    return page


def run(page, message: str) -> None:
    page.fill("#id_message", message)
    page.click("#pg-compare-send")


def wait_idle(page) -> float:
    """Waits for the run to end; returns its time in ms as the page measured it (performance.now)."""
    page.wait_for_selector("#pg-compare-form[data-elapsed-ms]")
    page.wait_for_selector('#pg-compare-form[data-state="idle"]')
    return float(page.get_attribute("#pg-compare-form", "data-elapsed-ms"))


def column(page, index: int):
    return page.locator(COLUMN).nth(index)


def set_params(page, slot: int, **values: str) -> None:
    """Opens the slot's folded parameters (wherever they are: in the slot, or lent to its column) and fills them."""
    box = page.locator(f'.pg-compare-params[data-params-slot="{slot}"]')
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for name, value in values.items():
        page.fill(f"#id_{name}_{slot}", value)


def sent_bodies(fake_provider) -> list[dict]:
    return [json.loads(r.body) for r in fake_provider.requests if r.path.endswith("/chat/completions")]


def test_two_slow_columns_stream_at_the_same_time(compare):
    """Both columns show text before either is done, and the run takes about as long as the slower column,
    not the sum of both; Send is disabled and the elapsed time counts while it runs."""
    page = compare
    page.choose(SLOW_A, SLOW_B)
    run(page, "hello there, stream slowly")
    page.wait_for_function(
        """() => {
          const columns = [...document.querySelectorAll("#pg-compare-columns .pg-compare-column")];
          return columns.length === 2
            && columns.every((c) => c.querySelector(".pg-compare-reply")?.textContent.length > 0)
            && columns.every((c) => c.dataset.state === "streaming");
        }"""
    )
    assert page.is_disabled("#pg-compare-send") and page.is_visible("#pg-compare-stop")
    assert "s" in page.inner_text("#pg-compare-status")
    total = wait_idle(page)
    latencies = [float(column(page, i).get_attribute("data-latency-ms")) for i in range(2)]
    assert [column(page, i).get_attribute("data-state") for i in range(2)] == ["done", "done"]
    assert min(latencies) > 1500  # the columns really were slow
    assert total < 1.6 * max(latencies), (total, latencies)
    for index, model in enumerate((SLOW_A, SLOW_B)):
        assert column(page, index).locator(".pg-compare-model").inner_text() == model
        assert column(page, index).locator(".pg-compare-reply").inner_text() == "Echo: hello there, stream slowly"
    assert page.is_enabled("#pg-compare-send") and page.is_hidden("#pg-compare-stop")
    assert page.input_value("#id_message") == "hello there, stream slowly"  # the message stays for a follow-up


def test_a_column_renders_markdown_thinking_and_badges(compare):
    """A reply is Markdown (table, highlighted code); a reasoning model's thinking folds away once it answers;
    each column shows its latency, time to first token, tokens and speed."""
    page = compare
    page.choose("echo-1", "echo-reasoner")
    run(page, MARKDOWN)
    wait_idle(page)
    first, second = column(page, 0), column(page, 1)
    assert first.locator(".pg-compare-reply table").count() == 1
    assert first.locator(".pg-compare-reply code.hljs").count() == 1
    assert first.locator(".pg-compare-reply strong").inner_text() == "these"
    assert first.locator(".pg-compare-thinking").is_hidden()
    thinking = second.locator(".pg-compare-thinking")
    assert thinking.is_visible() and thinking.get_attribute("open") is None
    assert second.locator(".pg-compare-thinking-body").text_content().strip()
    for key in ("latency", "ttft", "input_tokens", "output_tokens", "speed"):  # the fake provider sets no price
        badge = first.locator(f'[data-badge="{key}"]')
        assert badge.is_visible(), key
        assert any(ch.isdigit() for ch in badge.inner_text()), key
    assert "tokens/s" in first.locator('[data-badge="speed"]').inner_text()
    assert first.locator('[data-badge="finish"]').inner_text() == "Finish Complete"


def test_stop_ends_every_column_at_once_and_keeps_the_text(compare):
    """Stop during a slow run gives the page back within a second, keeps each column's partial reply, and the
    server logs both calls as cancelled."""
    page = compare
    page.choose(SLOW_A, SLOW_B)
    run(page, "a message long enough to stream for many seconds, piece by piece, slowly")
    page.wait_for_function(
        """() => [...document.querySelectorAll("#pg-compare-columns .pg-compare-reply")]
          .filter((r) => r.textContent.length > 0).length === 2"""
    )
    started = time.monotonic()
    page.click("#pg-compare-stop")
    page.wait_for_selector("#pg-compare-send:enabled", timeout=1000)
    assert time.monotonic() - started < 1.0
    for index in range(2):
        assert column(page, index).get_attribute("data-state") == "stopped"
        assert column(page, index).locator(".pg-compare-reply").inner_text().startswith("Echo")
        assert column(page, index).locator(".pg-compare-finish").is_visible()
    assert "Stopped" in page.inner_text("#pg-compare-status")
    deadline = time.monotonic() + 5
    while CallLog.objects.filter(error_type="cancelled").count() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert CallLog.objects.filter(error_type="cancelled").count() == 2


def test_a_columns_own_stop_ends_it_while_the_other_streams_on(compare):
    """A column's Stop marks it stopped at once with its partial text and the note; the other column keeps
    streaming to its end, the global Stop staying until then; the server logs the stopped call as cancelled."""
    page = compare
    page.choose(SLOW_A, SLOW_B)
    run(page, "a message long enough to stream for many seconds, piece by piece, slowly")
    page.wait_for_function(
        """() => [...document.querySelectorAll("#pg-compare-columns .pg-compare-reply")]
          .filter((r) => r.textContent.length > 0).length === 2"""
    )
    first, second = column(page, 0), column(page, 1)
    assert first.locator(".pg-compare-column-stop").get_attribute("aria-label") == f"Stop {SLOW_A}"
    first.locator(".pg-compare-column-stop").click()
    assert first.get_attribute("data-state") == "stopped"
    assert first.locator(".pg-compare-column-stop").is_hidden()
    partial = first.locator(".pg-compare-reply").inner_text()
    assert partial.startswith("Echo") and first.locator(".pg-compare-finish").is_visible()
    assert second.get_attribute("data-state") == "streaming" and page.is_visible("#pg-compare-stop")
    wait_idle(page)
    assert second.get_attribute("data-state") == "done"
    assert second.locator(".pg-compare-reply").inner_text().endswith("piece by piece, slowly")
    assert first.get_attribute("data-state") == "stopped"
    assert first.locator(".pg-compare-reply").inner_text() == partial  # nothing more came into the stopped column
    assert "Finished" in page.inner_text("#pg-compare-status")
    deadline = time.monotonic() + 5
    while CallLog.objects.filter(operation="chat_stream").count() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert dict(CallLog.objects.values_list("model", "error_type")) == {SLOW_A: "cancelled", SLOW_B: ""}


def test_each_column_sends_its_own_parameters(compare, fake_provider):
    """Temperature, top_p and max tokens set in a slot go with that model's request only; once the columns are
    there the parameters sit in each column's header, folded to what is set, and a change there goes with the
    follow-up."""
    page = compare
    page.choose("echo-1", "echo-2")
    set_params(page, 1, temperature="0.2", max_tokens="64")
    set_params(page, 2, temperature="1.3", top_p="0.5")
    run(page, "first")
    wait_idle(page)
    sent = {body["model"]: body for body in sent_bodies(fake_provider)}
    assert sent["echo-1"]["temperature"] == 0.2 and sent["echo-1"]["max_tokens"] == 64
    assert "top_p" not in sent["echo-1"]
    assert sent["echo-2"]["temperature"] == 1.3 and sent["echo-2"]["top_p"] == 0.5
    assert sent["echo-2"].get("max_tokens") != 64
    head = column(page, 0).locator(".pg-compare-column-head")
    assert head.locator('.pg-compare-params[data-params-slot="1"]').count() == 1
    assert head.locator(".pg-compare-params-summary").inner_text() == "Temperature 0.2 · Max tokens 64"

    set_params(page, 2, temperature="0.9")
    run(page, "second")
    wait_idle(page)
    latest = {body["model"]: body for body in sent_bodies(fake_provider)}  # the last request of each model
    assert latest["echo-2"]["temperature"] == 0.9 and latest["echo-1"]["temperature"] == 0.2

    page.click("#pg-compare-restart")  # the columns go; their parameters go back to the slots, as set
    assert page.locator('.pg-compare-slot[data-slot="2"] .pg-compare-params').count() == 1
    assert page.input_value("#id_temperature_2") == "0.9"


def test_a_slots_parameters_show_the_models_defaults(compare):
    """Once a slot names a catalog model, its empty parameters show that model's defaults as placeholders."""
    from credentials.models import Credential
    from providers.models import ProviderModel

    provider = Credential.objects.get().provider
    ProviderModel.objects.create(
        provider=provider, name="echo-1", model_type="llm", temperature_default=0.7, max_tokens_default=512
    )
    page = compare
    page.choose("echo-1")
    page.click('.pg-compare-params[data-params-slot="1"] > summary')
    page.wait_for_function("() => document.getElementById('id_max_tokens_1').placeholder === '512'")
    assert page.get_attribute("#id_temperature_1", "placeholder") == "0.7"
    assert page.get_attribute("#id_top_p_1", "placeholder") == "Default"
    page.fill("#id_model_1", "echo-unknown")
    page.wait_for_function("() => document.getElementById('id_max_tokens_1').placeholder === 'Default'")


def test_esc_stops_a_run(compare):
    page = compare
    page.choose(SLOW_A, SLOW_B)
    run(page, "a message long enough to stream for many seconds, piece by piece")
    page.wait_for_selector(f'{COLUMN}[data-state="streaming"]')
    page.keyboard.press("Escape")
    page.wait_for_selector("#pg-compare-send:enabled", timeout=1000)
    assert page.locator(f'{COLUMN}[data-state="stopped"]').count() == 2


def test_an_error_in_one_column_leaves_the_others_answer(compare):
    page = compare
    page.choose("echo-fault-401", "echo-1")
    run(page, "still here?")
    wait_idle(page)
    failed, answered = column(page, 0), column(page, 1)
    assert failed.get_attribute("data-state") == "failed"
    assert failed.locator(".pg-compare-error").is_visible()
    assert failed.locator(".pg-compare-error-type").inner_text() == "authentication"
    assert answered.get_attribute("data-state") == "done"
    assert answered.locator(".pg-compare-reply").inner_text() == "Echo: still here?"


def test_a_follow_up_goes_to_every_column_with_its_own_history(compare, fake_provider):
    """A second message adds a turn to each column, and each model gets its own earlier turns; Start over and a
    changed model both begin new columns without history."""
    page = compare
    page.choose("echo-1", "echo-2")
    run(page, "first")
    wait_idle(page)
    run(page, "second")
    wait_idle(page)
    assert column(page, 0).locator(".pg-compare-turn").count() == 2
    assert column(page, 1).locator(".pg-compare-turn .pg-compare-reply").last.inner_text() == "Echo: second"
    assert column(page, 1).locator(".pg-compare-asked").last.inner_text().endswith("second")
    assert page.is_visible("#pg-compare-mode")
    sent = [json.loads(r.body) for r in fake_provider.requests if r.path.endswith("/chat/completions")]
    last = {body["model"]: [m["content"] for m in body["messages"]] for body in sent}
    assert last["echo-1"][1:] == ["first", "Echo: first", "second"]
    assert last["echo-2"][1:] == ["first", "Echo: first", "second"]

    page.click("#pg-compare-restart")
    assert page.locator(COLUMN).count() == 0
    run(page, "third")
    wait_idle(page)
    assert column(page, 0).locator(".pg-compare-turn").count() == 1
    assert page.get_attribute("#pg-compare-setup", "open") is None  # folded to one line once a run starts
    assert page.inner_text("#pg-compare-setup-summary") == "echo-1 · echo-2"
    page.click("#pg-compare-setup > summary")
    page.fill("#id_model_2", "echo-3")
    run(page, "fourth")
    wait_idle(page)
    assert column(page, 1).locator(".pg-compare-model").inner_text() == "echo-3"
    assert column(page, 1).locator(".pg-compare-turn").count() == 1


def test_form_errors_show_next_to_their_fields_without_a_reload(compare):
    """A half-filled slot is caught in the page; a column's bad max tokens or temperature comes back from the
    server under its field, its folded parameters opened."""
    page = compare
    page.choose("echo-1")
    page.fill("#id_model_1", "")
    page.evaluate("window.__samePage = true")
    run(page, "anyone?")
    page.wait_for_selector("#pg-compare-alert:visible")
    assert page.inner_text('[data-errors-for="model_1"]') == "Fill in both, or neither."
    page.fill("#id_model_1", "echo-1")
    set_params(page, 1, max_tokens="0")  # the setup stayed open: nothing ran
    page.click('.pg-compare-params[data-params-slot="1"] > summary')  # folded again: the error opens it
    page.select_option("#id_credential_2", index=1)
    page.fill("#id_model_2", "echo-2")
    set_params(page, 2, temperature="5")
    page.click('.pg-compare-params[data-params-slot="2"] > summary')
    run(page, "anyone?")
    page.wait_for_selector('[data-errors-for="max_tokens_1"]:not(:empty)')
    assert page.inner_text('[data-errors-for="model_1"]') == ""
    assert page.get_attribute("#id_max_tokens_1", "aria-invalid") == "true"
    assert page.inner_text('[data-errors-for="temperature_2"]') == "temperature must be a number from 0 to 2."
    assert page.locator('.pg-compare-params[data-params-slot="1"]').get_attribute("open") is not None
    assert page.locator('.pg-compare-params[data-params-slot="2"]').get_attribute("open") is not None
    assert page.evaluate("window.__samePage") is True
    assert page.is_enabled("#pg-compare-send") and page.locator(COLUMN).count() == 0


def test_the_language_select_switches_the_page(compare):
    """Choosing a language reloads the page in it (the Switch button is only for pages without scripts)."""
    page = compare
    assert page.is_hidden(".pg-language-go")
    with page.expect_navigation():
        page.select_option("#pg-language", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with page.expect_navigation():
        page.select_option("#pg-language", "en")
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_screenshots(compare, live_server, language):
    """Desktop (1366x768) and phone (390x844) after a run of three columns, one of them failed: what the window
    shows (the composer is pinned to its bottom), and the whole page."""
    page = compare
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.reload()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.choose("echo-1", "echo-reasoner", "echo-fault-500")
    run(page, MARKDOWN)
    wait_idle(page)
    name = "en" if language == "en" else "zh"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"compare-desktop-{name}.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / f"compare-phone-{name}.png"))
    page.mouse.wheel(0, 700)
    page.wait_for_timeout(100)
    page.screenshot(path=str(ARTIFACTS / f"compare-phone-{name}-scrolled.png"))
