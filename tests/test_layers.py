"""The layers hold: imports point down (import-linter's contracts in pyproject.toml, run by ``make lint``), no two
modules import each other even through others, and wire/ stays plain Python without the ORM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["config", "core", "wire", "providers", "credentials", "calls", "playground", "transfer", "fakeprovider"]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=True, cache_dir=None)


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of our modules that import one another (Tarjan's strongly connected components, iteratively)."""
    ours = sorted(m for m in graph.modules if m.split(".")[0] in PACKAGES)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in ours:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c.split(".")[0] in PACKAGES), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_module_imports_another_that_imports_it_back(graph):
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle(graph):
    """The check above can fail: a planted cycle is found."""
    graph.add_import(importer="core.errors", imported="playground.services")
    try:
        assert any("core.errors" in group for group in cycles(graph))
    finally:
        graph.remove_import(importer="core.errors", imported="playground.services")


def orm_imports(graph: grimp.ImportGraph, package: str) -> list[str]:
    modules = [m for m in graph.modules if m == package or m.startswith(package + ".")]
    lines = [
        f"{d['importer']}: {d['line_contents']}"
        for m in modules
        if "django" in graph.find_modules_directly_imported_by(m)
        for d in graph.get_import_details(importer=m, imported="django")
    ]
    return [line for line in lines if "django.db" in line or "django.contrib" in line]


def test_wire_is_plain_python_without_the_orm(graph):
    assert orm_imports(graph, "wire") == []
    assert orm_imports(graph, "credentials"), "the check sees ORM imports where there are some"


def test_the_layer_contracts_pass():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout
