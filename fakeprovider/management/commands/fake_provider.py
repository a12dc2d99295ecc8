import ipaddress
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fakeprovider import FakeProviderServer


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Command(BaseCommand):
    help = (
        "Serve the fake LLM provider (OpenAI-compatible, Azure, Anthropic, Ollama, rerank and Replicate routes, "
        "with faults on demand) on a loopback address until interrupted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="A loopback address (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=9911, help="Default 9911; 0 picks a free port.")

    def handle(self, *args: Any, **options: Any) -> None:
        host = options["host"]
        if not is_loopback(host):
            raise CommandError(
                f"Refusing to serve on {host!r}: the fake provider accepts any key, so it only binds to loopback."
            )
        try:
            server = FakeProviderServer(
                host, options["port"], log=self.stderr.write if options["verbosity"] > 1 else None
            )
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{options['port']}: {exc.strerror or exc}.") from None
        url = server.url
        self.stdout.write(f"OpenAI-compatible: {url}/v1 · Anthropic: {url} · Ollama: {url}  (Ctrl-C to stop)")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
