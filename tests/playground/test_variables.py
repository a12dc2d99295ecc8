"""Variable expressions in user messages."""

from __future__ import annotations

import pytest

from playground.variables import VariableError, parse_variables, render

VARS = {"name": "IOLinker", "node": {"output": "42", "items": [{"title": "first"}, {"title": "second"}]}, "n": 3}


@pytest.mark.parametrize(
    "template, expected",
    [
        ("Hi {{name}}", "Hi IOLinker"),
        ("{{ node.output }}!", "42!"),
        ("{{node.items.1.title}}", "second"),
        ("{{node.items.-1.title}}", "second"),
        ("n={{n}} obj={{node.items.0}}", 'n=3 obj={"title": "first"}'),
        ("no variables", "no variables"),
    ],
)
def test_expressions_resolve_with_dotted_paths(template, expected):
    assert render(template, VARS) == expected


def test_unknown_variables_are_all_named():
    with pytest.raises(VariableError) as info:
        render("{{name}} {{missing}} {{node.nope}} {{node.items.9}}", VARS)
    assert "{{missing}}" in str(info.value) and "{{node.nope}}" in str(info.value)
    assert "{{node.items.9}}" in str(info.value) and "{{name}}" not in str(info.value)


@pytest.mark.parametrize(
    "raw, fragment", [('{"a": 1', "line 1"), ("[1, 2]", "JSON object"), ("nope", "not valid JSON")]
)
def test_invalid_json_is_explained(raw, fragment):
    with pytest.raises(VariableError, match=fragment):
        parse_variables(raw)


def test_blank_variables_are_an_empty_object():
    assert parse_variables("  ") == {}
