"""Headless Chromium (Debian's package) driven by Playwright.

With CI=true a missing browser is a failure; elsewhere the tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (make test installs Debian's chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while the browser lives; Django
    # would otherwise refuse the ORM calls that test fixtures make from here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Every document reports what its Content-Security-Policy blocked. Playwright injects this script and the
# binding it calls outside the page's policy, so the policy under test cannot silence its own reports.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} on ${event.documentURI}` +
    (event.sourceFile ? ` (${event.sourceFile}:${event.lineNumber})` : "") +
    (event.sample ? `: ${event.sample}` : "")
  );
});
"""


@pytest.fixture
def csp_violations() -> list[str]:
    """What the Content-Security-Policy blocked on the pages a test opened; the test fails unless it is empty."""
    return []


@pytest.fixture
def page(browser: Any, csp_violations: list[str]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.expose_binding("__reportCspViolation", lambda _source, text: csp_violations.append(text))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.on("console", lambda message: _console(message.text, csp_violations))
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _console(text: str, csp_violations: list[str]) -> None:
    if "Content Security Policy" in text or text.startswith("Refused to"):
        csp_violations.append(text)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A page that breaks the Content-Security-Policy fails the test that opened it, not only its teardown."""
    result = yield
    funcargs = getattr(item, "funcargs", {})
    violations = funcargs.get("csp_violations")
    if violations is not None and "page" in funcargs and not funcargs["page"].is_closed():
        funcargs["page"].evaluate("0")  # a round trip delivers the reports still on their way
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)
    return result


@pytest.fixture
def screenshot(page: Any):  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
