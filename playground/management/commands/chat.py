import contextlib
import json
import os
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.validators import JSON_MAX_DEPTH, json_too_deep, validate_model_name
from credentials.models import Credential
from playground.forms import TEXT_MAX_CHARS
from playground.selectors import conversation_get
from playground.services import RunRequest, RunResult, playground_run, playground_stream
from playground.variables import VariableError, render

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
            "--user", help=f"Whose conversation this is (default: the first superuser, else {SERVICE_USER!r})."
        )
        parser.add_argument("--stream", action="store_true", help="Print the reply as it is generated.")
        parser.add_argument("--json", action="store_true", help="Print the JSON output instead of the reply.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
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
        conversation = None
        if options["conversation"]:
            conversation = conversation_get(user=user, conversation_id=options["conversation"])
            if conversation is None:
                raise CommandError(f"No conversation {options['conversation']!r} for user {user.get_username()}.")
        variables = _variables(options["var"])
        base = {"user": user, "credential": credential, "model": options["model"], "system": options["system"]}
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
            **base, message=message, history=rounds > 0, rounds=max(rounds, 1), conversation=conversation
        )
        result = self._stream(request) if options["stream"] and not options["json"] else playground_run(request)
        if result.error and result.output is None:
            raise CommandError(result.error["message"])
        if options["json"]:
            self.stdout.write(json.dumps(result.output, ensure_ascii=False, indent=2))
        elif not options["stream"]:
            self.stdout.write(str(result.output[0]["content"]) if result.output else "")
        return result

    def _stream(self, request: RunRequest) -> RunResult:
        conversation_id, output, error = None, None, None
        events = playground_stream(request)
        try:
            for event, data in events:
                if event == "start":
                    conversation_id = data["conversation"]
                elif event == "delta":
                    self.stdout.write(data["content"], ending="")
                    self.stdout.flush()
                elif event in {"done", "error"}:
                    conversation_id, output, error = data["conversation"], data.get("output"), data.get("error")
        finally:
            events.close()  # Ctrl-C or a closed pipe: the call is recorded as cancelled, the message keeps why
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
