import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ModelDeskError
from transfer.checker import config_import_plan
from transfer.format import KINDS, ConfigFileError, document_parse, validation_reason
from transfer.management.commands.export_config import parser_strict, passphrase_read
from transfer.writer import ImportReport, config_import


def file_read(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read {path}: {getattr(exc, 'strerror', None) or 'not UTF-8 text'}.") from None
    try:
        return document_parse(text, source=path)
    except ConfigFileError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = (
        "Import a file written by export_config. The whole file is checked before anything is written, and then "
        "applied in one transaction; importing the same file again changes nothing. Secrets in the file are "
        "decrypted with a passphrase read from --passphrase-env or prompted for on a terminal."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        return parser_strict(super().create_parser(prog_name, subcommand, **kwargs))

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="The exported file; '-' reads standard input.")
        parser.add_argument(
            "--passphrase-env", metavar="VAR", help="Read the passphrase from the environment variable VAR."
        )
        parser.add_argument(
            "--without-secrets",
            action="store_true",
            help="Import everything but the secrets; their credentials then need re-entry.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and report what would change; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        data = file_read(options["file"])
        passphrase = None
        if isinstance(data, dict) and data.get("secrets") is not None and not options["without_secrets"]:
            passphrase = passphrase_read(
                options["passphrase_env"],
                confirm=False,
                unavailable="The file carries encrypted secrets: name the passphrase's environment variable with "
                "--passphrase-env, or pass --without-secrets",
            )
        try:
            plan = config_import_plan(data, passphrase=passphrase, skip_secrets=options["without_secrets"])
            report = config_import(plan, dry_run=options["dry_run"])
        except ModelDeskError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:  # only if the database changed between the check and the writes
            raise CommandError(validation_reason(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(dataclasses.asdict(report)))
        else:
            self._summarise(report)

    def _summarise(self, report: ImportReport) -> None:
        self.stdout.write("Dry run: nothing was written." if report.dry_run else "Imported.")
        if report.catalog_loaded:
            self.stdout.write("The database was empty: loaded the provider catalog first.")
        for kind in KINDS:
            n = getattr(report, kind)
            self.stdout.write(
                f"{kind.capitalize()}: {n.created} created, {n.updated} updated, {n.unchanged} unchanged."
            )
        self.stdout.write(f"Secrets: {report.secrets} written.")
        if report.needs_reentry:
            self.stdout.write(f"Needs re-entry: {', '.join(report.needs_reentry)}.")
