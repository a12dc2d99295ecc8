"""Prepare ModelDesk's database for ``bench.gateway``; run with the server's environment (its DATABASE_URL).

    python -m bench.loadkit.gateway_seed setup --mock-url http://127.0.0.1:9000/v1
    python -m bench.loadkit.gateway_seed keys --total 10000
    python -m bench.loadkit.gateway_seed routes --total 1000

Each prints one JSON object on its last line. ``setup`` does what ``bench.loadkit.seed setup`` does (a user with
a grant on an OpenAI-compatible credential whose server is the mock), then gives that user an API key made by
``gateway.keys.api_key_create``, and adds keys and routes up to ``FEW`` each. ``keys`` and ``routes`` add rows in
bulk up to ``--total`` and answer the plaintext of one new key, or the name of one new route: the one to measure
with. Bulk rows send no ``post_save``, so each command then raises the gateway cache's version, as the admin's
save of a key or a route would: every server process sees the new rows on its next request. Before that it lets
the database settle (``_settled``), so that the figure after it is of the larger table, not of the insert.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from typing import Any

from .seed import BENCH_USER, MODEL
from .seed import setup as playground_setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

FEW = 10  # keys and routes after ``setup``: the small end of the scaling figures
ROUTE = "bench-route-{:05d}"
BATCH = 1000


def setup(mock_url: str) -> dict[str, Any]:
    from django.contrib.auth.models import User

    from credentials.models import Credential
    from gateway.keys import api_key_create

    seeded = playground_setup(mock_url)
    credential = Credential.objects.get(pk=seeded["credential"])
    _key, plaintext = api_key_create(owner=User.objects.get(username=BENCH_USER), name="bench")
    return {
        "model": f"{credential.name}/{MODEL}",
        "key": plaintext,
        "few_key": keys(FEW)["key"],
        "route": routes(FEW, credential.pk)["route"],
    }


def keys(total: int) -> dict[str, Any]:
    """API keys of the bench user up to ``total``; the plaintext of the last one made."""
    from django.contrib.auth.models import User

    from gateway.keys import KEY_PREFIX, VISIBLE, digest_of
    from gateway.keys import keys as key_cache
    from gateway.models import ApiKey

    owner = User.objects.get(username=BENCH_USER)
    plaintexts = [KEY_PREFIX + secrets.token_urlsafe(32) for _ in range(ApiKey.objects.count(), total)]
    rows = [
        ApiKey(owner=owner, name=f"bench {index:05d}", prefix=plaintext[:VISIBLE], digest=digest_of(plaintext))
        for index, plaintext in enumerate(plaintexts)
    ]
    ApiKey.objects.bulk_create(rows, batch_size=BATCH)
    _settled(ApiKey)
    key_cache.changed()
    return {"keys": ApiKey.objects.count(), "key": plaintexts[-1] if plaintexts else ""}


def routes(total: int, credential_id: Any = None) -> dict[str, Any]:
    """Routes up to ``total``, each served by one deployment of the bench model on the bench credential (the
    user's granted one, or ``credential_id``); the name of the last one made."""
    from access.models import Grant
    from gateway.keys import keys as key_cache
    from gateway.models import Deployment, Route

    if credential_id is None:
        credential_id = Grant.objects.filter(user__username=BENCH_USER).values_list("credential_id", flat=True)[0]
    made = Route.objects.bulk_create(
        (Route(name=ROUTE.format(index)) for index in range(Route.objects.count(), total)), batch_size=BATCH
    )
    Deployment.objects.bulk_create(
        (Deployment(route=route, credential_id=credential_id, model=MODEL) for route in made), batch_size=BATCH
    )
    _settled(Route, Deployment)
    key_cache.changed()
    return {"routes": Route.objects.count(), "route": made[-1].name if made else ""}


def _settled(*models: Any) -> None:
    """The database as it is a while after a bulk insert: SQLite's write-ahead log checkpointed (until then every
    read looks through it), PostgreSQL's tables analysed (as autovacuum would)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif connection.vendor == "postgresql":
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup").add_argument("--mock-url", required=True)
    for name in ("keys", "routes"):
        commands.add_parser(name).add_argument("--total", type=int, required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    if args.command == "setup":
        result = setup(args.mock_url)
    elif args.command == "keys":
        result = keys(args.total)
    else:
        result = routes(args.total)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
