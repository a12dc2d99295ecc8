from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from calls.services import default_model_set
from credentials.models import Credential
from providers.models import ModelTypeChoices, ProviderModel


class Command(BaseCommand):
    help = "Set the default model for a type: set_default_model llm openai/gpt-4o-mini --credential team-openai"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("model_type", metavar="TYPE", choices=ModelTypeChoices.values, help="Model type.")
        parser.add_argument("model", metavar="PROVIDER/MODEL", help="e.g. openai/gpt-4o-mini")
        parser.add_argument("--credential", required=True, help="The credential that pays for the calls.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug, sep, name = options["model"].partition("/")
        if not sep or not slug or not name:
            raise CommandError(f"Expected PROVIDER/MODEL, got {options['model']!r}.")
        model = (
            ProviderModel.objects.filter(provider__slug=slug, name=name, model_type=options["model_type"])
            .select_related("provider")
            .first()
        )
        if model is None:
            raise CommandError(
                f"No {options['model_type']} model {name!r} for provider {slug!r}. "
                "Add it in the admin or run sync_models first."
            )
        credential = Credential.objects.select_related("provider").filter(name=options["credential"]).first()
        if credential is None:
            raise CommandError(f"Unknown credential {options['credential']!r}.")
        try:
            default_model_set(model=model, credential=credential)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Default {options['model_type']} model: {slug}/{name} via {credential.name}.")
