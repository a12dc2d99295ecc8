import getpass
import json
import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation

from credentials.models import Credential
from credentials.services import credential_save
from providers.models import Provider


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"{flag} expects FIELD=VALUE, got {item.split('=')[0]!r}")
        pairs[key.strip()] = value
    return pairs


def _validation_reason(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "Create or update a credential for scripted provisioning. Non-secret fields come from --set; secret "
        "fields come from environment variables named with --secret-env, or are prompted for on a terminal. "
        "Secrets are never accepted on the command line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provider", required=True, help="Provider slug, e.g. openai, qwen, ollama.")
        parser.add_argument("--name", required=True, help="Unique credential name.")
        parser.add_argument(
            "--set", action="append", default=[], metavar="FIELD=VALUE", help="A non-secret field value."
        )
        parser.add_argument(
            "--secret-env",
            action="append",
            default=[],
            metavar="FIELD=ENVVAR",
            help="Read a secret field from the environment variable ENVVAR.",
        )
        parser.add_argument("--disabled", action="store_true", help="Create or leave the credential disabled.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        provider = Provider.objects.filter(slug=options["provider"]).first()
        if provider is None:
            slugs = ", ".join(Provider.objects.values_list("slug", flat=True)) or "none (run load_providers)"
            raise CommandError(f"Unknown provider {options['provider']!r}. Known providers: {slugs}.")
        secret_names = set(provider.secret_field_names())
        values = _pairs(options["set"], "--set")
        leaked = sorted(secret_names & set(values))
        if leaked:
            raise CommandError(
                f"{', '.join(leaked)} is secret and is never read from the command line: "
                f"use --secret-env {leaked[0]}=ENVVAR."
            )
        values.update(self._secrets_from_env(_pairs(options["secret_env"], "--secret-env"), secret_names))
        existing = Credential.objects.select_related("provider").filter(name=options["name"]).first()
        if existing and existing.provider_id != provider.pk:
            raise CommandError(
                f"Credential {options['name']!r} exists for provider {existing.provider.slug}, "
                f"not {provider.slug}. Pick another name."
            )
        values.update(self._prompt_missing(provider, values, existing))
        try:
            with transaction.atomic():
                credential = credential_save(
                    provider=provider,
                    name=options["name"],
                    values=values,
                    credential=existing,
                    enabled=False if options["disabled"] else (None if existing else True),
                )
        except ValidationError as exc:
            raise CommandError(_validation_reason(exc)) from None
        action = "Updated" if existing else "Created"
        if options["json"]:
            payload = {"action": action.lower(), "name": credential.name, "provider": provider.slug}
            self.stdout.write(json.dumps({**payload, "id": str(credential.pk)}))
        else:
            self.stdout.write(f"{action} credential {credential.name!r} ({provider.slug}).")

    def _secrets_from_env(self, mapping: dict[str, str], secret_names: set[str]) -> dict[str, str]:
        values = {}
        for field, variable in mapping.items():
            if field not in secret_names:
                raise CommandError(
                    f"{field} is not a secret field of this provider (secret fields: "
                    f"{', '.join(sorted(secret_names)) or 'none'}); use --set for it."
                )
            value = os.environ.get(variable, "")
            if not value.strip():
                raise CommandError(f"Environment variable {variable} (for {field}) is not set or empty.")
            values[field] = value
        return values

    def _prompt_missing(
        self, provider: Provider, values: dict[str, str], existing: Credential | None
    ) -> dict[str, str]:
        """Ask on a terminal for required secrets that are neither given nor stored."""
        stored = set(existing.secrets) if existing else set()
        missing = [
            field
            for field in provider.credential_schema
            if field.secret and field.required and field.name not in values and field.name not in stored
        ]
        if not missing:
            return {}
        if not sys.stdin.isatty():
            names = ", ".join(field.name for field in missing)
            raise CommandError(
                f"Missing secret {names}: pass --secret-env {missing[0].name}=ENVVAR (no terminal to prompt on)."
            )
        with translation.override("en"):  # the command speaks English, like its other messages
            return {field.name: getpass.getpass(f"{field.label}: ") for field in missing}
