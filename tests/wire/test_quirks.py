"""Every declared quirk is read by the code and needed by a provider: a quirk that nothing reads is a bug."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from providers.catalog import CATALOG
from wire.quirks import Quirks

ROOT = Path(__file__).resolve().parents[2]
READERS = ("wire", "calls")
QUIRK_FIELDS = [f.name for f in fields(Quirks)]


def _reads(name: str) -> list[Path]:
    """The modules of wire/ and calls/ that read ``quirks.<name>``."""
    pattern = re.compile(rf"\bquirks\.{name}\b")
    return [
        path
        for package in READERS
        for path in (ROOT / package).rglob("*.py")
        if path.name != "quirks.py" and pattern.search(path.read_text())
    ]


@pytest.mark.parametrize("name", QUIRK_FIELDS)
def test_every_quirk_is_read_by_wire_or_calls(name: str) -> None:
    """A field of ``Quirks`` is read as ``quirks.<field>`` somewhere in wire/ or calls/ (its declaration aside)."""
    assert _reads(name), f"Quirks.{name} is declared but nothing in {', '.join(READERS)}/ reads it"


@pytest.mark.parametrize("name", QUIRK_FIELDS)
def test_every_quirk_is_needed_by_a_provider(name: str) -> None:
    """At least one catalog entry sets each field to something other than its default."""
    default = getattr(Quirks(), name)
    setters = [spec.slug for spec in CATALOG if getattr(spec.quirks, name) != default]
    assert setters, f"Quirks.{name} is declared but no provider of the catalog sets it"


def test_quirks_are_frozen_mappings_included() -> None:
    """A provider's quirks are shared by every call to it, so nothing can change them, not even a region URL."""
    quirks = Quirks(region_base_urls={"cn": "https://example.cn/v1"})
    with pytest.raises(TypeError):
        quirks.region_base_urls["cn"] = "https://elsewhere.example/v1"  # type: ignore[index]
