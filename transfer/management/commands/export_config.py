import getpass
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from core.errors import ModelDeskError
from transfer.format import KINDS, document_render
from transfer.services import ConfigExport, config_export


def passphrase_read(variable: str | None, *, confirm: bool, unavailable: str) -> str:
    """The passphrase from the environment variable ``variable``, or else from a terminal prompt; never argv."""
    if variable:
        value = os.environ.get(variable, "")
        if not value:
            # The name is not echoed: it may be a passphrase typed in the wrong place.
            raise CommandError("The environment variable named by --passphrase-env is not set or empty.")
        return value
    if not sys.stdin.isatty():
        raise CommandError(f"{unavailable} (no terminal to prompt on).")
    value = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("Passphrase (again): ") != value:
        raise CommandError("The passphrases do not match.")
    return value


def file_write_private(path: str, text: str) -> None:
    """Write a file only its owner can read: it describes every credential, even without their secrets."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        raise CommandError(f"Cannot write {path}: {exc.strerror}.") from None


def parser_strict(parser: CommandParser) -> CommandParser:
    """No abbreviated options, and unknown arguments named without their values.

    ``--passphrase=...`` must neither pass for ``--passphrase-env`` nor have its value repeated in the error.
    """
    parser.allow_abbrev = False
    report = parser.error

    def error(message: str) -> None:
        head, unrecognized, arguments = message.partition("unrecognized arguments: ")
        if unrecognized:
            names = (arg.split("=")[0] if arg.startswith("-") else "…" for arg in arguments.split())
            message = head + unrecognized + " ".join(names)
        report(message)

    parser.error = error  # type: ignore[method-assign]
    return parser


class Command(BaseCommand):
    help = (
        "Export providers' settings, models, credentials and default models as JSON (to standard output unless "
        "--output is given). Secrets are left out unless --with-secrets is given; they are then encrypted under a "
        "passphrase read from --passphrase-env or prompted for on a terminal, never from the command line."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        return parser_strict(super().create_parser(prog_name, subcommand, **kwargs))

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", default="-", metavar="FILE", help="Write to FILE; '-' is stdout.")
        parser.add_argument(
            "--with-secrets", action="store_true", help="Include secrets, encrypted under a passphrase."
        )
        parser.add_argument(
            "--passphrase-env", metavar="VAR", help="Read the passphrase from the environment variable VAR."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        passphrase = None
        if options["with_secrets"]:
            passphrase = passphrase_read(
                options["passphrase_env"],
                confirm=True,
                unavailable="--with-secrets needs a passphrase: name its environment variable with --passphrase-env",
            )
        elif options["passphrase_env"]:
            raise CommandError("--passphrase-env only applies with --with-secrets.")
        try:
            export = config_export(with_secrets=options["with_secrets"], passphrase=passphrase)
        except ModelDeskError as exc:
            raise CommandError(str(exc)) from None
        text = document_render(export.data)
        if options["output"] == "-":
            self.stdout.write(text)
            self._summarise(export, self.stderr, "standard output")  # stdout carries only the JSON
        else:
            file_write_private(options["output"], text)
            self._summarise(export, self.stdout, options["output"])

    def _summarise(self, export: ConfigExport, out: OutputWrapper, where: str) -> None:
        data = export.data
        counts = ", ".join(f"{kind} {len(data[kind])}" for kind in KINDS)
        secrets = "encrypted secrets included" if data["secrets"] else "no secrets"
        out.write(f"Exported to {where} ({secrets}): {counts}.", style_func=str)
        if export.without_secrets:
            names = ", ".join(export.without_secrets)
            out.write(f"Exported without secrets, as they need re-entry: {names}.", style_func=str)
