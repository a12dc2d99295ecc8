"""Upgrading keeps staff's rights on default models and call logs: their content types follow the models to calls."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

migration = importlib.import_module("calls.migrations.0003_content_types_follow_the_models")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(username="ops", password="pw-for-tests-only", is_staff=True)


def _old_type_with_a_grant(user, model: str) -> Permission:
    old = ContentType.objects.create(app_label="providers", model=model)
    permission = Permission.objects.create(content_type=old, codename=f"change_{model}", name=f"Can change {model}")
    user.user_permissions.add(permission)
    return permission


def test_the_old_content_type_is_renamed_when_the_new_one_does_not_exist_yet(staff):
    ContentType.objects.filter(app_label="calls", model="defaultmodel").delete()
    _old_type_with_a_grant(staff, "defaultmodel")
    migration.move(apps, None)
    ContentType.objects.clear_cache()
    assert not ContentType.objects.filter(app_label="providers", model="defaultmodel").exists()
    staff = type(staff).objects.get(pk=staff.pk)
    assert staff.has_perm("calls.change_defaultmodel")


def test_grants_move_to_the_new_permissions_when_both_types_exist(staff):
    assert ContentType.objects.filter(app_label="calls", model="calllog").exists()
    _old_type_with_a_grant(staff, "calllog")
    migration.move(apps, None)
    ContentType.objects.clear_cache()
    assert not ContentType.objects.filter(app_label="providers", model="calllog").exists()
    staff = type(staff).objects.get(pk=staff.pk)
    assert staff.has_perm("calls.change_calllog")
