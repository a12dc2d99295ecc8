from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from providers.models import ModelTypeChoices

from ...changes import grant_add, models_named
from ..options import add_subject_arguments, credential_named, subject_from, subject_label


class Command(BaseCommand):
    help = (
        "Let a user, a group or everyone use a credential: grant --group ops --credential team-openai [--model gpt-4o]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_subject_arguments(parser)
        parser.add_argument("--credential", required=True, help="The credential's name.")
        parser.add_argument("--model", action="append", default=[], help="Only this model (repeat for more).")
        parser.add_argument(
            "--type", action="append", default=[], choices=ModelTypeChoices.values, help="Only this model type."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        who = subject_from(options)
        credential = credential_named(options["credential"])
        try:
            models = models_named(credential, options["model"])
            grant_add(who=who, credential=credential, models=models, model_types=options["type"])
        except (LookupError, ValidationError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
        what = ", ".join(options["model"]) or "every model"
        types = f" ({', '.join(options['type'])} only)" if options["type"] else ""
        self.stdout.write(f"Granted {subject_label(who)} {credential.name}: {what}{types}.")
