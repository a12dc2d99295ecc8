""" "View code" writes the call a turn makes as curl, Python and ``manage.py chat``, with every secret as an
environment variable and never its value."""

from __future__ import annotations

import ast
import json
import shlex

from calls.snippets import call_snippets
from wire.types import Message, Thinking

HI = [Message("system", "You are terse."), Message("user", 'what\'s up? "quoted" $HOME')]


def _curl_body(curl: str) -> dict:
    words = shlex.split(curl.replace("\\\n", " "))
    return json.loads(words[words.index("-d") + 1])


def test_an_openai_compatible_call_as_curl_python_and_command(point_at, canary):
    credential = point_at("openai_compatible", name="box")
    code = call_snippets(credential=credential, model="echo-1", messages=HI, temperature=0.2, max_tokens=50)
    for text in (code.curl, code.python, code.command):
        assert canary not in text and canary[-8:] not in text
    assert code.env == ("OPENAI_COMPATIBLE_API_KEY",)
    assert '-H "Authorization: Bearer $OPENAI_COMPATIBLE_API_KEY"' in code.curl
    body = _curl_body(code.curl)
    assert body["messages"][1]["content"] == HI[1].content and body["temperature"] == 0.2
    ast.parse(code.python)
    assert (
        'api_key=os.environ["OPENAI_COMPATIBLE_API_KEY"]' in code.python and "from openai import OpenAI" in code.python
    )
    words = shlex.split(code.command)
    assert words[words.index("--credential") + 1] == "box" and words[-1] == HI[1].content
    assert words[words.index("--max-tokens") + 1] == "50"


def test_a_providers_own_fields_go_in_extra_body(point_at):
    code = call_snippets(
        credential=point_at("qwen", region="cn-beijing"),
        model="qwen-plus",
        messages=HI,
        thinking=Thinking(enabled=False),
    )
    tree = ast.parse(code.python)
    call = next(
        node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "create"
    )
    names = {keyword.arg for keyword in call.keywords}
    assert "extra_body" in names and "enable_thinking" not in names


def test_anthropic_uses_its_sdk_and_azure_its_header(point_at):
    claude = call_snippets(credential=point_at("anthropic", ""), model="claude-haiku-4-5", messages=HI)
    assert "anthropic.Anthropic(" in claude.python and '-H "x-api-key: $ANTHROPIC_API_KEY"' in claude.curl
    ast.parse(claude.python)
    azure = call_snippets(
        credential=point_at("azure_openai", "", deployments="gpt-4o=prod"), model="gpt-4o", messages=HI
    )
    assert '-H "api-key: $AZURE_OPENAI_API_KEY"' in azure.curl and _curl_body(azure.curl)["model"] == "prod"
