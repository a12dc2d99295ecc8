import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from credentials.crypto import key_ring
from credentials.services import RotationReport, encryption_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every credential secret under the first key of CREDENTIAL_ENCRYPTION_KEYS. Runs in "
        "batches; an interrupted run resumes where it stopped when started again. Once it reports no "
        "'unreadable' and no 'rotated' left, older keys can be removed from the setting."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")
        parser.add_argument("--batch-size", type=int, default=200, help="Credentials per transaction.")
        parser.add_argument("--json", action="store_true", help="Print the final counts as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = max(1, options["batch_size"])
        report = encryption_keys_rotate(
            batch_size=batch_size,
            dry_run=options["dry_run"],
            on_batch=None if options["json"] else self._progress,
        )
        if options["json"]:
            self.stdout.write(json.dumps({**report.__dict__, "dry_run": options["dry_run"]}))
            return
        verb = "would be re-encrypted" if options["dry_run"] else "re-encrypted"
        self.stdout.write(
            f"Primary key {key_ring().primary.kid}: {report.credentials} credentials scanned, "
            f"{report.rotated} secrets {verb}, {report.current} already current, "
            f"{report.unreadable} unreadable."
        )
        if report.unreadable:
            self.stderr.write("Unreadable secrets were left untouched; those credentials need re-entry in the admin.")

    def _progress(self, report: RotationReport) -> None:
        self.stdout.write(f"  ... {report.credentials} credentials scanned", ending="\n")
