import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calls.services import credential_test
from credentials.models import Credential


class Command(BaseCommand):
    help = (
        "Test every credential (or the ones named) through the real code path and print name, provider, "
        "status, latency and error. Exits 1 if any credential fails, so cron and CI can use it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", metavar="NAME", help="Credential names (default: all enabled).")
        parser.add_argument("--json", action="store_true", help="Print the results as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        credentials = Credential.objects.select_related("provider").order_by("name")
        if options["names"]:
            credentials = credentials.filter(name__in=options["names"])
            missing = sorted(set(options["names"]) - {c.name for c in credentials})
            if missing:
                raise CommandError(f"Unknown credential(s): {', '.join(missing)}.")
        else:
            credentials = credentials.filter(enabled=True)
        rows = []
        for credential in credentials:
            check = credential_test(credential=credential)
            rows.append(
                {
                    "name": credential.name,
                    "provider": credential.provider.slug,
                    "status": "ok" if check.ok else "failed",
                    "latency_ms": check.latency_ms,
                    "tried": check.tried,
                    "error": check.error,
                }
            )
        self._print(rows, as_json=options["json"])
        failed = [str(row["name"]) for row in rows if row["status"] != "ok"]
        if failed:
            raise CommandError(f"{len(failed)} of {len(rows)} credential(s) failed: {', '.join(failed)}.")

    def _print(self, rows: list[dict[str, Any]], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("No credentials to check.")
            return
        name_width = max(4, *(len(row["name"]) for row in rows))
        provider_width = max(8, *(len(row["provider"]) for row in rows))
        tried_width = max(5, *(len(row["tried"]) for row in rows))
        self.stdout.write(
            f"{'NAME':<{name_width}}  {'PROVIDER':<{provider_width}}  STATUS  LATENCY  {'TRIED':<{tried_width}}  ERROR"
        )
        for row in rows:
            self.stdout.write(
                f"{row['name']:<{name_width}}  {row['provider']:<{provider_width}}  "
                f"{row['status']:<6}  {row['latency_ms']:>5} ms  {row['tried']:<{tried_width}}  {row['error']}"
            )
