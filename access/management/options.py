"""What the access commands share: who a change is for, and the credential it is about."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandError, CommandParser

from credentials.models import Credential

from ..changes import Who


def add_subject_arguments(parser: CommandParser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="A username.")
    who.add_argument("--group", help="A group's name.")
    who.add_argument("--everyone", action="store_true", help="Every signed-in user.")


def subject_from(options: dict[str, Any]) -> Who:
    if options.get("user"):
        user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: options["user"]}).first()
        if user is None:
            raise CommandError(f"Unknown user {options['user']!r}.")
        return Who(user=user)
    if options.get("group"):
        group = Group.objects.filter(name=options["group"]).first()
        if group is None:
            raise CommandError(f"Unknown group {options['group']!r}.")
        return Who(group=group)
    return Who()


def subject_label(who: Who) -> str:
    if who.user is not None:
        return f"user {who.user}"
    if who.group is not None:
        return f"group {who.group}"
    return "everyone"


def credential_named(name: str) -> Credential:
    credential = Credential.objects.select_related("provider").filter(name=name).first()
    if credential is None:
        raise CommandError(f"Unknown credential {name!r}.")
    return credential
