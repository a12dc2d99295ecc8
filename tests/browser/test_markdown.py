"""Replies as Markdown in a real browser: markdown-it, DOMPurify, highlight.js and KaTeX, all under the site's CSP.

The fake provider answers "Echo: " and the user's message, so a message written in Markdown comes back as a reply
in Markdown. Every test here also fails on a CSP violation (see conftest.py).
"""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPLY = """Here is the table.

| Model | Context | Price |
|:------|:-------:|------:|
| echo-1 | 4096 | 0.10 |
| echo-2 | 8192 | 0.25 |

```python
def greet(name: str) -> str:
    return f"Hello, {name}"
```

The energy is $E = mc^2$, and the sum:

$$
\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}
$$

See [the docs](https://example.com/docs) and ~~old~~ new."""

ATTACK = """<script>window.__pwned = 1</script>
<img src=x onerror="window.__pwned = 2">
[click](javascript:window.__pwned=3) ![pic](https://example.com/track.png)
<a href="https://example.com" onclick="window.__pwned=4">html link</a>"""


PASSWORD = "browser-test-pw-1"


def log_in(live_server, django_user_model, page, path: str) -> None:
    django_user_model.objects.create_superuser(username="admin", password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{path}")


def chat(page, text: str) -> dict:
    page.fill("#id_message", text)
    page.click("#pg-send")
    page.wait_for_selector('#pg-form[data-state="done"], #pg-form[data-state="error"]')
    assert page.get_attribute("#pg-form", "data-state") == "done", page.inner_text("#pg-error")
    return json.loads(page.text_content("#pg-json"))


@pytest.fixture
def playground(live_server, django_user_model, page, point_at):
    credential = point_at("openai_compatible")
    log_in(live_server, django_user_model, page, "/playground/")
    page.select_option("#id_credential", value=str(credential.pk))
    page.fill("#id_model_name", "echo-1")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    return page


def reply(page):
    return page.locator("#pg-transcript .pg-msg-assistant .pg-msg-body").last


def test_a_reply_with_a_table_code_and_math(playground, screenshot):
    """A GFM table is a <table> (alignment as classes, no style attribute); fenced Python is highlighted and
    framed with its language and a Copy button; inline and display TeX are typeset by KaTeX."""
    page = playground
    chat(page, REPLY)
    body = reply(page)

    assert body.locator("table th").all_inner_texts() == ["Model", "Context", "Price"]
    assert body.locator("table tbody tr").count() == 2
    assert body.locator("th.md-align-right").inner_text() == "Price"
    assert body.locator("[style]:not(.katex *)").count() == 0

    code = body.locator(".md-code pre code.hljs.language-python")
    assert code.locator(".hljs-keyword").first.inner_text() == "def"
    assert body.locator(".md-code-lang").inner_text() == "python"

    assert body.locator(".md-math:not(.md-math-display) .katex").count() == 1
    assert body.locator(".md-math-display .katex-display").count() == 1
    assert body.locator(".md-math .katex-mathml math").count() == 2
    assert body.locator(".md-math-display .mfrac").count() == 1  # laid out as a fraction, in KaTeX's HTML
    assert body.locator(".md-math annotation").first.text_content() == "E = mc^2"  # the TeX, for screen readers

    link = body.locator("a", has_text="the docs")
    assert link.get_attribute("target") == "_blank" and link.get_attribute("rel") == "noopener noreferrer"
    assert body.locator("s").inner_text() == "old"

    # The reply is rendered once, in the transcript, and a reload renders the stored one alike.
    assert page.locator("#pg-form table").count() == 1 and page.locator("#pg-form .katex").count() == 2
    live = body.inner_html()
    page.reload()
    assert reply(page).inner_html() == live

    screenshot("markdown-reply")
    message = page.locator("#pg-transcript .pg-msg-assistant").last
    message.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot("markdown-reply")).replace(".png", "-viewport.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("markdown-reply-phone")
    message.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot("markdown-reply-phone")).replace(".png", "-viewport.png"))


# Headless Chromium has no system clipboard to read back: the page's writeText is watched on its way there.
WATCH_CLIPBOARD = """() => {
  const write = navigator.clipboard.writeText.bind(navigator.clipboard);
  window.__copied = [];
  navigator.clipboard.writeText = (text) => { window.__copied.push(text); return write(text); };
}"""


def test_the_copy_button_copies_the_code(playground):
    """The Copy button of a code block copies its code (not the highlighting markup) and says "Copied"."""
    page = playground
    chat(page, "Run this:\n\n```python\nprint('hi')\nx = 1\n```")
    page.evaluate(WATCH_CLIPBOARD)
    button = reply(page).locator(".md-copy")
    assert button.inner_text() == "Copy"
    button.click()
    page.wait_for_function("() => document.querySelector('#pg-transcript .md-copy').classList.contains('is-copied')")
    assert button.inner_text() == "Copied"
    assert page.evaluate("window.__copied") == ["print('hi')\nx = 1"]


def test_model_html_and_script_urls_are_shown_as_text_and_never_run(playground):
    """Raw HTML in a reply is text; a javascript: link is no link; an image is a link to it, loaded by nobody."""
    page = playground
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    chat(page, ATTACK)
    body = reply(page)

    text = body.inner_text()
    assert "<script>" in text and "<img src=x" in text and "onclick=" in text
    assert body.locator("script, img, [onerror], [onclick]").count() == 0
    assert body.locator("a[href^='javascript']").count() == 0
    image_link = body.locator("a", has_text="pic")
    assert image_link.get_attribute("href") == "https://example.com/track.png"
    assert not [url for url in requests if "example.com" in url]
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []


def test_a_streamed_reply_keeps_its_finished_blocks(playground):
    """Rendering the growing text of a reply again rebuilds only the last block: the nodes of the blocks above
    (and a text selection in them) stay, and the result equals rendering the whole text at once."""
    page = playground
    result = page.evaluate(
        "async () => {"
        + IMPORT_RENDERER
        + """
          const target = document.createElement("div");
          document.body.appendChild(target);
          const text = "# Title\\n\\nFirst $x^2$ paragraph.\\n\\n```js\\nlet a = 1;\\n```\\n\\nLast one grows";
          renderMarkdown(target, text.slice(0, 40));
          const heading = target.querySelector("h1");
          const math = target.querySelector(".katex");
          const range = document.createRange();
          range.selectNodeContents(heading);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
          for (let end = 41; end <= text.length; end++) renderMarkdown(target, text.slice(0, end));
          const whole = document.createElement("div");
          renderMarkdown(whole, text);
          return {
            sameHeading: target.querySelector("h1") === heading,
            sameMath: target.querySelector(".katex") === math,
            selection: getSelection().toString(),
            equal: target.innerHTML === whole.innerHTML,
            last: target.lastElementChild.textContent,
          };
        }"""
    )
    assert result == {
        "sameHeading": True,
        "sameMath": True,
        "selection": "Title",
        "equal": True,
        "last": "Last one grows",
    }


# markdown.js as the page loaded it, for tests that render in the page without a round trip to a model.
IMPORT_RENDERER = 'const { renderMarkdown } = await import("/static/playground/js/markdown.js");'


def test_tex_katex_cannot_read_shows_as_its_source_without_a_style_attribute(playground):
    """KaTeX paints an error, and the MathML of \\pmb and \\fcolorbox, with style attributes, which the CSP
    refuses (a violation the fixture reports): an error shows the source instead, and those two are typeset as
    HTML only."""
    page = playground
    text = r"Bad $\frac{1}{$ and $\pmb{x}$ and $\fcolorbox{red}{yellow}{y}$ and $5, $6"
    result = page.evaluate(
        "async (text) => {"
        + IMPORT_RENDERER
        + """
          const target = document.createElement("div");
          document.body.appendChild(target);
          renderMarkdown(target, text);
          const error = target.querySelector(".md-math-error");
          return {
            error: error.textContent,
            title: error.title.startsWith("KaTeX parse error"),
            typeset: target.querySelectorAll(".katex").length,
            dollars: target.textContent.trim().endsWith("and $5, $6"),
          };
        }""",
        text,
    )
    assert result == {"error": r"$\frac{1}{$", "title": True, "typeset": 2, "dollars": True}


def test_a_slow_stream_keeps_the_first_paragraph_node(playground):
    """Through the real stream (the fake provider sends four characters every 0.2 s): the first paragraph, once
    complete, is the same node when the reply ends, with the rest rendered below it."""
    page = playground
    page.fill("#id_model_name", "echo-fault-trickle")
    page.fill("#id_message", "One.\n\nTwo *grows* here")
    page.click("#pg-send")
    body = "#pg-transcript .pg-msg-assistant .pg-msg-body"
    page.wait_for_function(f"() => document.querySelectorAll('{body} > p').length === 2")
    page.evaluate(f"document.querySelector('{body} > p').dataset.mark = 'kept'")
    page.wait_for_selector('#pg-form[data-state="done"]')
    assert page.locator(f"{body} > p").first.get_attribute("data-mark") == "kept"
    assert page.locator(f"{body} > p").all_inner_texts() == ["Echo: One.", "Two grows here"]
    assert page.locator(f"{body} em").inner_text() == "grows"


def test_the_compare_page_renders_markdown(live_server, django_user_model, page, point_at, screenshot):
    credential = point_at("openai_compatible")
    log_in(live_server, django_user_model, page, "/playground/compare/")
    for slot, model in ((1, "echo-1"), (2, "echo-2")):
        page.select_option(f"#id_credential_{slot}", value=str(credential.pk))
        page.fill(f"#id_model_{slot}", model)
    page.fill("#id_message", REPLY + "\n\n" + ATTACK)
    page.click("#pg-compare-send")
    page.wait_for_selector('#pg-compare-form[data-elapsed-ms][data-state="idle"]')

    replies = page.locator(".pg-compare-reply")
    assert replies.count() == 2
    for index in range(2):
        body = replies.nth(index)
        assert body.locator("table").count() == 1
        assert body.locator("code.hljs .hljs-keyword").count() >= 1
        assert body.locator(".katex").count() == 2
        assert body.locator("script, img").count() == 0 and "<script>" in body.inner_text()
    assert page.evaluate("window.__pwned") is None
    screenshot("markdown-compare")
