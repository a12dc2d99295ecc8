"""The vendored front-end libraries (playground/static/vendor/): each with its licence and version, and all of them
through the production static storage, which hashes names and rewrites imports and CSS url()s."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

STATIC = Path(__file__).resolve().parents[2] / "playground" / "static"
VENDOR = STATIC / "vendor"
JS = STATIC / "playground" / "js"

# Each package: its version, its licence files, and the files the pages load.
PACKAGES = {
    "markdown-it": ("15.0.3", ["LICENSE"], ["markdown-it.esm.min.mjs"]),
    "dompurify": ("3.5.0", ["LICENSE", "LICENSE-MPL"], ["purify.es.mjs"]),
    "highlight.js": (
        "11.12.0",
        ["LICENSE"],
        ["highlight.min.js", "styles/github.min.css", "styles/github-dark.min.css"],
    ),
    "katex": ("0.19.1", ["LICENSE"], ["katex.mjs", "katex.min.css"]),
}
MARKDOWN_IT_BUNDLED = ["entities", "linkify-it", "mdurl", "punycode.js", "uc.micro"]
IMPORT = re.compile(r"""^import\s[^;]*?from\s+"(\.[^"]+)";""", re.MULTILINE)


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_each_vendored_package_has_its_files_licence_and_version(name):
    version, licences, files = PACKAGES[name]
    folder = VENDOR / name
    assert (folder / "VERSION").read_text().strip() == version
    for licence in licences:
        text = (folder / licence).read_text()
        assert "Copyright" in text or "License Version 2.0" in text, licence  # MPL-2.0 and Apache-2.0 name no holder
    for file in files:
        assert (folder / file).stat().st_size > 1000, file
    readme = (VENDOR / "README.md").read_text()
    assert re.search(rf"^\| [^|]*{re.escape(name)}[^|]* \| {re.escape(version)} \|", readme, re.MULTILINE), name


def test_the_licences_of_what_markdown_it_bundles_are_kept():
    readme = (VENDOR / "README.md").read_text()
    for name in MARKDOWN_IT_BUNDLED:
        assert "Copyright" in (VENDOR / "markdown-it" / "bundled" / name / "LICENSE").read_text(), name
        assert f"| {name} |" in readme


def test_every_font_the_katex_css_names_is_vendored():
    css = (VENDOR / "katex" / "katex.min.css").read_text()
    fonts = set(re.findall(r"url\((fonts/[^)]+)\)", css))
    assert len(fonts) == 60
    assert all((VENDOR / "katex" / font).is_file() for font in fonts)


def test_every_relative_import_of_the_playground_modules_exists():
    for module in JS.glob("*.js"):
        for target in IMPORT.findall(module.read_text()):
            assert (module.parent / target).resolve().is_file(), f"{module.name} imports {target}"


@override_settings(STORAGES={"staticfiles": {"BACKEND": "config.staticfiles.ModuleAwareStaticFilesStorage"}})
def test_collectstatic_with_the_production_storage_hashes_the_vendored_files(tmp_path, settings):
    """The manifest storage finds every file the vendored CSS and our modules name, and rewrites the names."""
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]

    def collected(name: str) -> str:
        return (tmp_path / paths[name]).read_text()

    def hashed(name: str) -> str:
        return Path(paths[name]).name

    markdown = collected("playground/js/markdown.js")
    assert hashed("vendor/markdown-it/markdown-it.esm.min.mjs") in markdown
    assert hashed("vendor/dompurify/purify.es.mjs") in markdown
    assert hashed("vendor/katex/katex.mjs") in collected("playground/js/markdown-math.js")
    assert hashed("vendor/highlight.js/highlight.min.js") in collected("playground/js/markdown-code.js")
    assert hashed("vendor/katex/fonts/KaTeX_Main-Regular.woff2") in collected("vendor/katex/katex.min.css")
