"""``manage.py chat``: the playground from a terminal. The reply goes to stdout; a reasoning model's thinking and
notes about the reply (cut at the token limit) go to stderr, so ``--json`` and pipes get the answer only.
"""

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from access.services import as_operator, refusal_of
from core.validators import JSON_MAX_DEPTH, json_too_deep, validate_model_name
from credentials.models import Credential
from playground.forms import STOP_MAX_CHARS, STOP_MAX_COUNT, TEXT_MAX_CHARS, thinking_of
from playground.images import Attachment, ImageError, image_from_bytes, image_from_url, media_type_of, size_problem
from playground.selectors import conversation_get
from playground.services import RunRequest, RunResult, playground_run, playground_stream, run_problems
from playground.variables import VariableError, render
from wire.types import ResponseFormat

HISTORY_MAX_ROUNDS = 100  # as in the playground form


SERVICE_USER = "modeldesk-cli"


def service_user() -> Any:
    """The owner of conversations started from a terminal, cron or CI when no --user is given and no admin exists.

    It cannot log in (no usable password) and has no rights; it only keeps those conversations together.
    """
    user, created = get_user_model().objects.get_or_create(username=SERVICE_USER)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _variables(items: list[str]) -> dict[str, Any]:
    """``--var KEY=VALUE``: a value that parses as JSON is used as JSON, anything else as a string."""
    variables: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--var expects KEY=VALUE, got {item!r}.")
        if json_too_deep(value, max_depth=JSON_MAX_DEPTH):
            raise CommandError(f"--var {key}: nested deeper than {JSON_MAX_DEPTH} levels.")
        try:
            variables[key] = json.loads(value)
        except ValueError:
            variables[key] = value
    return variables


def _image(source: str) -> Attachment:
    """``--image``: an http(s) URL as it is, or a local file read and sent inline. Raises ``CommandError``."""
    try:
        if source.startswith(("http://", "https://")):
            return image_from_url(source)
        path = Path(source).expanduser()
        media_type_of(path.name)  # an unknown extension is refused before the file is opened
        if not path.is_file():
            raise CommandError(f"--image: no such file {source!r}.")
        problem = size_problem(source, path.stat().st_size)
        if problem:
            raise ImageError(problem)
        return image_from_bytes(path.name, path.read_bytes())
    except ImageError as exc:
        raise CommandError(f"--image: {exc}") from None
    except OSError as exc:
        raise CommandError(f"--image: cannot read {source!r} ({exc.strerror or exc}).") from None


def _stops(items: list[str]) -> tuple[str, ...]:
    if len(items) > STOP_MAX_COUNT:
        raise CommandError(f"--stop: at most {STOP_MAX_COUNT} stop sequences.")
    if any(not item or len(item) > STOP_MAX_CHARS for item in items):
        raise CommandError(f"--stop: each stop sequence has 1 to {STOP_MAX_CHARS} characters.")
    return tuple(items)


def _sampling(options: dict[str, Any]) -> dict[str, Any]:
    """The chat parameters of the flags, as ``RunRequest`` takes them."""
    if options["max_tokens"] is not None and options["max_tokens"] < 1:
        raise CommandError("--max-tokens must be at least 1.")
    if options["seed"] is not None and options["seed"] < 0:
        raise CommandError("--seed must be 0 or more.")
    return {
        "max_tokens": options["max_tokens"],
        "stop": _stops(options["stop"]),
        "seed": options["seed"],
        "response_format": ResponseFormat(type="json_object") if options["json_mode"] else None,
        "thinking": thinking_of(options["thinking"] or "", None),
        "images": tuple(_image(source) for source in options["image"]),
    }


class Command(BaseCommand):
    help = (
        'Chat with a model, as in the playground: chat --credential NAME --model NAME "message". With no '
        "message, starts an interactive session that keeps history. --json prints the playground's JSON output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("message", nargs="?", help="The user message; omit it for an interactive session.")
        parser.add_argument("--credential", required=True, help="Credential name.")
        parser.add_argument("--model", required=True, help="Model name (any name the provider accepts).")
        parser.add_argument("--system", default="", help="System message.")
        parser.add_argument("--var", action="append", default=[], metavar="KEY=VALUE", help="A {{variable}} value.")
        parser.add_argument("--history", type=int, default=0, metavar="N", help="Load the last N rounds.")
        parser.add_argument("--conversation", help="Continue this conversation (its id).")
        parser.add_argument(
            "--title", action="store_true", help="Have the model name a new conversation (a second model call)."
        )
        parser.add_argument(
            "--user", help=f"Whose conversation this is (default: the first superuser, else {SERVICE_USER!r})."
        )
        parser.add_argument("--stream", action="store_true", help="Print the reply as it is generated.")
        parser.add_argument("--json", action="store_true", help="Print the JSON output instead of the reply.")
        parser.add_argument("--max-tokens", type=int, metavar="N", help="Cut the reply at N tokens.")
        parser.add_argument(
            "--image",
            action="append",
            default=[],
            metavar="PATH_OR_URL",
            help="Attach an image (PNG, JPEG, WebP or GIF file up to 5 MB, or an http(s) URL); repeatable.",
        )
        parser.add_argument(
            "--stop", action="append", default=[], metavar="TEXT", help="A stop sequence (up to 4); repeatable."
        )
        parser.add_argument("--seed", type=int, help="Sampling seed, for repeatable replies where the model has one.")
        parser.add_argument("--json-mode", action="store_true", help="Ask for a JSON object (JSON mode).")
        parser.add_argument(
            "--thinking", choices=["off", "low", "medium", "high"], help="How much a reasoning model thinks."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.no_color = bool(options.get("no_color"))
        # Without --user the calls are the operator's, who needs no grant; with it, that user's grants and quotas.
        operator = as_operator() if not options.get("user") else contextlib.nullcontext()
        try:
            with operator:
                self._handle(options)
        except BrokenPipeError:  # `chat --stream | head`: the reader has gone; end quietly, as Unix tools do
            with contextlib.suppress(OSError, ValueError):  # no more writes reach the closed pipe at exit
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    def _handle(self, options: dict[str, Any]) -> None:
        try:
            validate_model_name(options["model"])
        except ValidationError as exc:
            raise CommandError(f"--model: {' '.join(exc.messages)}") from None
        if not 0 <= options["history"] <= HISTORY_MAX_ROUNDS:
            raise CommandError(f"--history must be from 0 to {HISTORY_MAX_ROUNDS}.")
        user = self._user(options["user"])
        credential = Credential.objects.select_related("provider").filter(name=options["credential"]).first()
        if credential is None:
            raise CommandError(f"Unknown credential {options['credential']!r}.")
        refusal = refusal_of(user, [(credential, options["model"])]) if options["user"] else None
        if refusal is not None:
            raise CommandError(str(refusal))
        conversation = None
        if options["conversation"]:
            conversation = conversation_get(user=user, conversation_id=options["conversation"])
            if conversation is None:
                raise CommandError(f"No conversation {options['conversation']!r} for user {user.get_username()}.")
        variables = _variables(options["var"])
        base = {
            "user": user,
            "credential": credential,
            "model": options["model"],
            "system": options["system"],
            **_sampling(options),
        }
        if options["message"] is not None:
            self._turn(base, options, options["message"], variables, conversation, rounds=options["history"])
            return
        self._repl(base, options, variables, conversation)

    def _user(self, username: str | None) -> Any:
        users = get_user_model().objects
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}.")
            return user
        return users.filter(is_superuser=True).order_by("pk").first() or service_user()

    def _turn(
        self,
        base: dict[str, Any],
        options: dict[str, Any],
        text: str,
        variables: dict[str, Any],
        conversation: Any,
        *,
        rounds: int,
    ) -> RunResult:
        if not text.strip():
            raise CommandError("The message is empty.")
        try:
            message = render(text, variables, max_length=TEXT_MAX_CHARS)
        except VariableError as exc:
            raise CommandError(str(exc)) from None
        request = RunRequest(
            **base,
            message=message,
            history=rounds > 0,
            rounds=max(rounds, 1),
            conversation=conversation,
            title=options["title"],
        )
        problems = run_problems(request)  # the model's rules, before anything is stored
        if problems:
            raise CommandError(" ".join(message for _field, message in problems))
        streamed = options["stream"] and not options["json"]
        result = self._stream(request) if streamed else playground_run(request)
        if result.error and result.output is None:
            raise CommandError(result.error["message"])
        first = result.output[0] if result.output else {}
        if options["json"]:
            self.stdout.write(json.dumps(result.output, ensure_ascii=False, indent=2))
        elif not streamed:
            self._thinking(str(first.get("reasoning") or ""), ending="\n")
            self.stdout.write(str(first.get("content") or ""))
        if not options["json"] and first.get("finish_reason") == "length":
            self.stderr.write("(cut at the token limit: raise --max-tokens for the rest)", style_func=self._dim)
        return result

    def _dim(self, text: str) -> str:
        """Thinking and notes, dimmed on a terminal; plain in a pipe or with --no-color."""
        return f"\x1b[2m{text}\x1b[0m" if self.stderr.isatty() and not self.no_color else text

    def _thinking(self, text: str, ending: str = "") -> None:
        if text:
            self.stderr.write(text, style_func=self._dim, ending=ending)
            self.stderr.flush()

    def _stream(self, request: RunRequest) -> RunResult:
        conversation_id, output, error = None, None, None
        thinking = False  # whether stderr has thinking that the answer's first words must be set apart from
        events = playground_stream(request)
        try:
            for event, data in events:
                if event == "start":
                    conversation_id = data["conversation"]
                elif event == "reasoning":
                    thinking = True
                    self._thinking(data["reasoning"])
                elif event == "delta":
                    if thinking:
                        self.stderr.write("")
                        thinking = False
                    self.stdout.write(data["content"], ending="")
                    self.stdout.flush()
                elif event in {"done", "error"}:
                    conversation_id, output, error = data["conversation"], data.get("output"), data.get("error")
        finally:
            events.close()  # Ctrl-C or a closed pipe: recorded as cancelled, the part received kept as a stopped reply
        if thinking:
            self.stderr.write("")
        self.stdout.write("")
        conversation = conversation_get(user=request.user, conversation_id=conversation_id)
        assert conversation is not None
        return RunResult(conversation, output, error)

    def _repl(
        self, base: dict[str, Any], options: dict[str, Any], variables: dict[str, Any], conversation: Any
    ) -> None:
        rounds = options["history"] or 5
        interactive = sys.stdin.isatty()
        if interactive:
            self.stdout.write(f"Chatting with {options['model']} via {base['credential'].name}. Ctrl-D to end.")
        while True:
            try:
                text = input("you> " if interactive else "")
            except EOFError:
                self.stdout.write("")
                return
            if not text.strip():
                continue
            try:
                result = self._turn(base, options, text, variables, conversation, rounds=rounds)
            except CommandError as exc:
                self.stderr.write(f"error: {exc}")
                continue
            except KeyboardInterrupt:  # Ctrl-C stops this reply, not the session
                self.stderr.write("\n(stopped)")
                continue
            conversation = result.conversation
            base = {**base, "images": ()}  # --image goes with the first message only
