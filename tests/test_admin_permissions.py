"""Staff who may only view change nothing and call out nowhere: every admin action declares its permission."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from credentials.models import Credential
from providers.models import ProviderModel


@pytest.fixture
def viewer(db, django_user_model):
    """Staff with every ``view_*`` permission and nothing else."""
    user = django_user_model.objects.create_user(username="viewer", password="pw-for-tests-only", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client = Client()
    client.force_login(user)
    return client


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_admin_action_declares_the_permission_it_needs():
    for model, model_admin in admin.site._registry.items():
        for action in model_admin.actions or ():
            function = getattr(model_admin, action) if isinstance(action, str) else action
            assert getattr(function, "allowed_permissions", None), f"{model.__name__}.{action} declares no permissions"


def test_a_viewer_is_offered_no_action_on_any_admin_page(viewer, point_at):
    point_at("openai_compatible")
    for model in admin.site._registry:
        response = viewer.get(changelist(model))
        assert response.status_code == 200, model
        form = response.context.get("action_form")
        offered = [name for name, _label in form.fields["action"].choices if name] if form else []
        assert offered == [], f"{model.__name__} offers {offered} to a viewer"


@pytest.mark.parametrize("action", ["test_connection", "fetch_models"])
def test_a_viewer_cannot_run_outbound_credential_actions(viewer, point_at, fake_provider, action):
    """Posting the action anyway sends no request with the stored key and writes nothing."""
    credential = point_at("openai_compatible")
    models_before = ProviderModel.objects.count()
    response = viewer.post(changelist(Credential), {"action": action, "_selected_action": [str(credential.pk)]})
    assert response.status_code in (200, 302)
    assert fake_provider.requests == []
    assert ProviderModel.objects.count() == models_before
    assert Credential.objects.get(pk=credential.pk).check_status == "unchecked"


def test_a_viewer_cannot_disable_models(viewer, catalog):
    model = ProviderModel.objects.filter(enabled=True).first()
    viewer.post(changelist(ProviderModel), {"action": "disable_models", "_selected_action": [str(model.pk)]})
    assert ProviderModel.objects.get(pk=model.pk).enabled is True


def test_a_viewer_sees_no_test_button_and_cannot_post_to_it(viewer, point_at, fake_provider):
    credential = point_at("openai_compatible")
    page = viewer.get(reverse("admin:credentials_credential_change", args=[credential.pk])).content.decode()
    assert reverse("admin:credentials_credential_test", args=[credential.pk]) not in page
    response = viewer.post(reverse("admin:credentials_credential_test", args=[credential.pk]))
    assert response.status_code == 403
    assert fake_provider.requests == []


def test_fetching_models_needs_the_right_to_add_models(db, django_user_model, point_at, fake_provider):
    """``change_credential`` alone tests a connection, but does not create model rows."""
    user = django_user_model.objects.create_user(username="operator", password="pw-for-tests-only", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_credential", "change_credential"]))
    client = Client()
    client.force_login(user)
    credential = point_at("openai_compatible")
    offered = client.get(changelist(Credential)).context["action_form"].fields["action"].choices
    assert [name for name, _ in offered if name] == ["test_connection"]
    before = ProviderModel.objects.count()
    client.post(changelist(Credential), {"action": "fetch_models", "_selected_action": [str(credential.pk)]})
    assert ProviderModel.objects.count() == before
