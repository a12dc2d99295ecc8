"""Prepare ModelDesk's database for ``bench.load``; run with the server's environment (its DATABASE_URL).

    python -m bench.loadkit.seed setup --mock-url http://127.0.0.1:9000/v1
    python -m bench.loadkit.seed credentials --total 1000 --mock-url ... --credential <id>
    python -m bench.loadkit.seed conversations --count 30 --rounds 200 --credential <id>

Each prints one JSON object on its last line. ``setup`` migrates, loads the catalog, and creates a user who has
the playground permission (not staff: a script user), a logged-in session for it, a CSRF token, and an
OpenAI-compatible credential whose server is the mock. The others add rows in bulk, with the secrets encrypted
as ``credentials.services.credential_save`` would.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

BENCH_USER = "bench"
MODEL = "mock-model"
API_KEY = "sk-bench-000000000000"  # the mock accepts any key
HISTORY_CHARS = 2048  # per message: a user/assistant round is about 4 KB


def setup(mock_url: str) -> dict[str, Any]:
    from django.contrib.auth.models import Permission, User
    from django.core.management import call_command
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    from access.models import Grant
    from credentials.models import CheckStatus
    from credentials.services import credential_save
    from providers.models import Provider

    with open(os.devnull, "w") as quiet:
        call_command("migrate", verbosity=0, stdout=quiet)
        call_command("load_providers", verbosity=0, stdout=quiet)
    user = User.objects.create_user(BENCH_USER, password=uuid.uuid4().hex)
    user.user_permissions.add(Permission.objects.get(codename="use_playground"))
    credential = credential_save(
        provider=Provider.objects.get(slug="openai_compatible"),
        name="mock upstream",
        values={"base_url": mock_url, "api_key": API_KEY},
    )
    # Healthy, as after a passing connection test: the page then preselects it.
    type(credential).objects.filter(pk=credential.pk).update(check_status=CheckStatus.OK)
    Grant.objects.create(user=user, credential=credential)  # the user may use it (issue 13: nothing is shared unasked)
    client = Client()
    client.force_login(user)
    return {
        "credential": str(credential.pk),
        "session": client.cookies["sessionid"].value,
        # An unmasked CSRF secret, sent as both the cookie and the X-CSRFToken header.
        "csrf": get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS),
    }


def credentials(total: int, mock_url: str, credential_id: str) -> dict[str, Any]:
    """Credentials up to ``total``, and models on the bench credential's server up to ``total``."""
    from django.contrib.auth.models import User

    from access.models import Grant
    from credentials.models import CheckStatus, Credential
    from credentials.services import credential_secret_seal
    from providers.models import ModelOrigin, Provider, ProviderModel

    provider = Provider.objects.get(slug="openai_compatible")
    rows = []
    for index in range(Credential.objects.count(), total):
        row = Credential(id=uuid.uuid4(), provider=provider, name=f"bench {index:05d}", check_status=CheckStatus.OK)
        row.config = {"base_url": mock_url}
        credential_secret_seal(credential=row, field="api_key", plaintext=API_KEY)  # as credential_save would
        rows.append(row)
    Credential.objects.bulk_create(rows, batch_size=500)
    # Each granted to the bench user, one grant each: the most a picker's grant filter has to read.
    user = User.objects.get(username=BENCH_USER)
    Grant.objects.bulk_create((Grant(user=user, credential=row) for row in rows), batch_size=500)
    models = [
        ProviderModel(
            provider=provider,
            credential_id=credential_id,
            name=f"bench-model-{index:05d}",
            model_type="llm",
            context_window=128_000,
            origin=ModelOrigin.CUSTOM,
        )
        for index in range(ProviderModel.objects.filter(credential_id=credential_id).count(), total)
    ]
    ProviderModel.objects.bulk_create(models, batch_size=500)
    return {"credentials": Credential.objects.count(), "models": ProviderModel.objects.count()}


def conversations(count: int, rounds: int, credential_id: str) -> dict[str, Any]:
    """``count`` conversations of the bench user, each with ``rounds`` user/assistant rounds of ~4 KB."""
    from django.contrib.auth.models import User

    from playground.models import Conversation, Message, Role

    user = User.objects.get(username=BENCH_USER)
    created = Conversation.objects.bulk_create(
        Conversation(user=user, title=f"bench {rounds} rounds", credential_id=credential_id, model=MODEL)
        for _ in range(count)
    )
    text = ("lorem ipsum dolor sit amet " * (HISTORY_CHARS // 27 + 1))[:HISTORY_CHARS]
    messages = []
    for conversation in created:
        for index in range(rounds):
            messages.append(Message(conversation=conversation, role=Role.USER, content=f"{index} {text}"))
            messages.append(Message(conversation=conversation, role=Role.ASSISTANT, content=text, model=MODEL))
    Message.objects.bulk_create(messages, batch_size=1000)
    return {"conversations": [str(c.pk) for c in created]}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    setup_parser = commands.add_parser("setup")
    setup_parser.add_argument("--mock-url", required=True)
    more = commands.add_parser("credentials")
    more.add_argument("--total", type=int, required=True)
    more.add_argument("--mock-url", required=True)
    more.add_argument("--credential", required=True)
    history = commands.add_parser("conversations")
    history.add_argument("--count", type=int, required=True)
    history.add_argument("--rounds", type=int, required=True)
    history.add_argument("--credential", required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    if args.command == "setup":
        result = setup(args.mock_url)
    elif args.command == "credentials":
        result = credentials(args.total, args.mock_url, args.credential)
    else:
        result = conversations(args.count, args.rounds, args.credential)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
