from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...changes import grant_remove
from ..options import add_subject_arguments, credential_named, subject_from, subject_label


class Command(BaseCommand):
    help = "Remove a user's, a group's or everyone's grants of a credential: revoke --user alice --credential X"

    def add_arguments(self, parser: CommandParser) -> None:
        add_subject_arguments(parser)
        parser.add_argument("--credential", required=True, help="The credential's name.")

    def handle(self, *args: Any, **options: Any) -> None:
        who = subject_from(options)
        credential = credential_named(options["credential"])
        removed = grant_remove(who=who, credential=credential)
        if not removed:
            raise CommandError(f"{subject_label(who).capitalize()} has no grant of {credential.name}.")
        self.stdout.write(f"Revoked {removed} grant(s) of {credential.name} from {subject_label(who)}.")
