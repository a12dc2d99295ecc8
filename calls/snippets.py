""" "View code": the call a playground turn makes, written as ``curl``, as Python, as ``manage.py chat``, and
through ModelDesk's own ``/v1`` gateway with an API key (``$MODELDESK_API_KEY``).

The request is built by the provider's own adapter from the same parameters a real call sends (checked against
the model's rules), so the snippet is what ModelDesk would send, except that it does not stream. No secret is ever
decrypted here: each secret is written as an environment variable (``$OPENAI_API_KEY``) that the reader sets.
Python uses the official SDK where the protocol has one (``openai`` for OpenAI-compatible servers, ``anthropic``
for the Messages API) and httpx elsewhere.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Unpack
from urllib.parse import urlencode

from credentials.models import Credential
from providers.catalog.types import Protocol
from wire.adapters import adapter_for
from wire.quirks import Quirks
from wire.thinking import REASONING_EFFORT
from wire.types import ChatParams, Message, RequestSpec, Target, Thinking

from .resolve import Call, base_url_for, call_resolve, target_for
from .services import Sampling, chat_params


@dataclass(frozen=True)
class CodeSnippets:
    curl: str
    python: str
    command: str
    env: tuple[str, ...]  # the environment variables the snippets read, one per secret
    gateway: str = ""  # the same call through ModelDesk's /v1 with an API key: curl, then Python


GATEWAY_KEY_ENV = "MODELDESK_API_KEY"


def env_name(credential: Credential, field: str) -> str:
    """``OPENAI_API_KEY`` for the api_key of an OpenAI credential: the provider's slug and the field, upper case."""
    return f"{credential.provider.slug}_{field}".upper().replace("-", "_")


def call_snippets(
    *,
    credential: Credential | str,
    model: str,
    messages: Sequence[Message],
    gateway_url: str = "",
    **sampling: Unpack[Sampling],
) -> CodeSnippets:
    """The chat as code; with ``gateway_url`` (``https://host/v1``) also through ModelDesk's gateway. Raises what a
    real call raises before sending (``InvalidInput`` for a broken rule)."""
    call = call_resolve(operation="chat", credential=credential, model=model)
    params = chat_params(call, messages, sampling)  # the parameters a real call sends, checked the same way
    secrets = {f.name: f"${env_name(call.credential, f.name)}" for f in call.provider.credential_schema if f.secret}
    spec = _request(call, params, secrets)
    env = tuple(name.lstrip("$") for name in secrets.values())
    return CodeSnippets(
        curl=_curl(spec),
        python=_python(call, spec, params, secrets),
        command=_command(call, params),
        env=env,
        gateway=_gateway(call, params, gateway_url) if gateway_url else "",
    )


def _gateway(call: Call, params: ChatParams, url: str) -> str:
    """The chat as ``/v1/chat/completions`` takes it, written by the OpenAI-compatible adapter (the gateway speaks
    OpenAI's format) for the model ``credential/model``, with the key from ``$MODELDESK_API_KEY``."""
    target = Target(
        provider_slug="modeldesk",
        provider_name="ModelDesk",
        base_url=url.rstrip("/"),
        secrets={"api_key": f"${GATEWAY_KEY_ENV}"},
        quirks=Quirks(thinking_style=REASONING_EFFORT),  # the gateway reads reasoning_effort
    )
    effort = params.thinking.effort if params.thinking is not None else None
    named = replace(
        params,
        model=f"{call.credential.name}/{call.model}",
        thinking=Thinking(effort=effort) if effort else None,
        max_tokens_param="",  # the gateway's own name for it, whatever the model's server calls it
    )
    spec = adapter_for(Protocol.OPENAI_COMPATIBLE, target).chat_request(named, stream=False)
    body = dict(spec.json or {})
    python = (
        "import os\n\nfrom openai import OpenAI\n\n"
        f'client = OpenAI(base_url={url!r}, api_key=os.environ["{GATEWAY_KEY_ENV}"])\n'
        f"reply = client.chat.completions.create(\n    {_arguments(body, OPENAI_ARGUMENTS)},\n)\n"
        "print(reply.choices[0].message.content)\n"
    )
    return f"{_curl(spec)}\n\n# Python, with the official openai SDK\n{python}"


def _request(call: Call, params: ChatParams, secrets: dict[str, str]) -> RequestSpec:
    target = target_for(call.credential, secrets)
    return adapter_for(call.provider.spec.protocol, target).chat_request(params, stream=False)


def _url(spec: RequestSpec) -> str:
    return f"{spec.url}?{urlencode(dict(spec.params))}" if spec.params else spec.url


def _curl(spec: RequestSpec) -> str:
    """Headers in double quotes, so that ``$ENV`` expands; the body in single quotes, so that nothing else does."""
    lines = [f"curl {shlex.quote(_url(spec))}"]
    for name, value in spec.headers.items():
        lines.append(f'  -H "{name}: {value}"' if "$" in value else f"  -H {shlex.quote(f'{name}: {value}')}")
    lines.append("  -H 'Content-Type: application/json'")
    lines.append(f"  -d {shlex.quote(json.dumps(spec.json, ensure_ascii=False, indent=2))}")
    return " \\\n".join(lines)


def _literal(value: Any) -> str:
    """A JSON value as a Python literal (true/false/null spelled the Python way)."""
    return repr(value)


# The keyword arguments the SDKs' create() take; any other body field (a provider's own: enable_thinking,
# reasoning_split, thinking on OpenAI-compatible servers) goes in ``extra_body``, as the SDKs document.
OPENAI_ARGUMENTS = frozenset(
    {
        "model",
        "messages",
        "temperature",
        "top_p",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "response_format",
        "reasoning_effort",
    }
)
ANTHROPIC_ARGUMENTS = frozenset(
    {"model", "max_tokens", "messages", "system", "temperature", "top_p", "stop_sequences", "thinking"}
)


def _arguments(body: dict[str, Any], known: frozenset[str]) -> str:
    args = [f"{name}={_literal(value)}" for name, value in body.items() if name in known]
    extra = {name: value for name, value in body.items() if name not in known}
    if extra:
        args.append(f"extra_body={_literal(extra)}")
    return ",\n    ".join(args)


def _python(call: Call, spec: RequestSpec, params: ChatParams, secrets: dict[str, str]) -> str:
    protocol = call.provider.spec.protocol
    key = secrets.get("api_key", "").lstrip("$")
    body = dict(spec.json or {})
    if protocol == Protocol.OPENAI_COMPATIBLE and key:
        base = base_url_for(call.credential)
        args = _arguments(body, OPENAI_ARGUMENTS)
        return (
            "import os\n\nfrom openai import OpenAI\n\n"
            f'client = OpenAI(base_url={base!r}, api_key=os.environ["{key}"])\n'
            f"reply = client.chat.completions.create(\n    {args},\n)\n"
            "print(reply.choices[0].message.content)\n"
        )
    if protocol == Protocol.ANTHROPIC and key:
        base = base_url_for(call.credential)
        args = _arguments(body, ANTHROPIC_ARGUMENTS)
        return (
            "import os\n\nimport anthropic\n\n"
            f'client = anthropic.Anthropic(base_url={base!r}, api_key=os.environ["{key}"])\n'
            f"reply = client.messages.create(\n    {args},\n)\n"
            'print("".join(block.text for block in reply.content if block.type == "text"))\n'
        )
    headers = ", ".join(
        f"{name!r}: os.environ[{value.lstrip('$')!r}]" if value.startswith("$") else f"{name!r}: {value!r}"
        for name, value in spec.headers.items()
    )
    return (
        "import os\n\nimport httpx\n\n"
        f"reply = httpx.post(\n    {_url(spec)!r},\n    headers={{{headers}}},\n"
        f"    json={_literal(body)},\n    timeout=120,\n)\n"
        "reply.raise_for_status()\nprint(reply.json())\n"
    )


def _command(call: Call, params: ChatParams) -> str:
    words = ["manage.py", "chat", "--credential", call.credential.name, "--model", call.model]
    system = "\n\n".join(m.text for m in params.messages if m.role == "system")
    if system:
        words += ["--system", system]
    if params.max_tokens is not None:
        words += ["--max-tokens", str(params.max_tokens)]
    for stop in params.stop:
        words += ["--stop", stop]
    if params.seed is not None:
        words += ["--seed", str(params.seed)]
    last = next((m for m in reversed(params.messages) if m.role == "user"), None)
    words.append(last.text if last is not None else "")
    return ".venv/bin/python " + " ".join(shlex.quote(word) for word in words)
