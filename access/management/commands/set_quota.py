from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...changes import models_named, quota_set
from ...models import Metric, Window
from ..options import add_subject_arguments, credential_named, subject_from, subject_label


class Command(BaseCommand):
    help = (
        "Set a quota or budget: set_quota --user alice --calls 100 --per day; "
        "set_quota --group ops --cost 20 --currency CNY --per month; "
        "set_quota --everyone --credential trial-openai --calls 200 --per total --trial"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_subject_arguments(parser)
        limit = parser.add_mutually_exclusive_group(required=True)
        limit.add_argument("--calls", help="A number of calls.")
        limit.add_argument("--tokens", help="A number of tokens (in and out).")
        limit.add_argument("--cost", help="A cost, in --currency.")
        parser.add_argument("--currency", default="", help="A cost limit's currency (CNY, USD ...).")
        parser.add_argument("--per", required=True, choices=Window.values, help="The window: day, month or total.")
        parser.add_argument("--credential", help="Count only calls on this credential.")
        parser.add_argument("--model", action="append", default=[], help="Count only this model (repeat for more).")
        parser.add_argument("--per-user", action="store_true", help="Each user gets the whole limit.")
        parser.add_argument("--trial", action="store_true", help="A shared trial: every signed-in user may use it.")
        parser.add_argument("--warn", type=int, default=80, help="Warn past this percentage (80).")
        parser.add_argument("--disable", action="store_true", help="Keep the quota but stop enforcing it.")

    def handle(self, *args: Any, **options: Any) -> None:
        who = subject_from(options)
        metric = next(m for m in (Metric.CALLS, Metric.TOKENS, Metric.COST) if options[m.value] is not None)
        try:
            limit = Decimal(options[metric.value])
        except InvalidOperation:
            raise CommandError(f"--{metric.value} must be a number, not {options[metric.value]!r}.") from None
        credential = credential_named(options["credential"]) if options["credential"] else None
        if options["model"] and credential is None:
            raise CommandError("--model needs --credential: a model is counted on the credential that serves it.")
        try:
            models = models_named(credential, options["model"]) if credential is not None else []
            quota, created = quota_set(
                who=who,
                credential=credential,
                models=models,
                metric=metric,
                window=options["per"],
                limit=limit,
                currency=options["currency"],
                per_user=options["per_user"],
                trial=options["trial"],
                warn_percent=options["warn"],
                enabled=not options["disable"],
            )
        except (LookupError, ValidationError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
        verb = "Set" if created else "Changed"
        where = f" on {credential.name}" if credential is not None else ""
        state = "" if quota.enabled else " (disabled)"
        self.stdout.write(f"{verb} {subject_label(who)}'s quota{where}: {quota.limit_label()} {options['per']}{state}.")
