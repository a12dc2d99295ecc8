"""A provider row whose slug has left the code catalog: disabled by the next load, shown as removed, never called.

Its rows stay (credentials, models, the admin's base URL); it reads a stand-in spec with no credential fields and
no model types, so no page crashes on it and nothing can be configured or called through it.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from calls import services
from core.errors import ConfigurationError
from credentials.models import Credential
from credentials.services import credential_save
from providers.models import Provider, ProviderModel
from providers.services import catalog_load


@pytest.fixture(autouse=True)
def _english():
    """The messages below are checked in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def retired(catalog) -> Provider:
    """A provider of an older catalog, with a model and a credential, as the database still holds it."""
    provider = Provider.objects.create(slug="retired-vendor", base_url="https://llm.retired.example/v1", position=3)
    ProviderModel.objects.create(provider=provider, name="old-model", model_type="llm")
    Credential.objects.create(provider=provider, name="old-key", config={"base_url": "https://llm.retired.example/v1"})
    return provider


def test_the_next_load_disables_it_lists_it_last_and_keeps_its_data(retired):
    report = catalog_load()

    retired.refresh_from_db()
    assert report.providers_removed == 1 and report.changed
    assert (retired.enabled, retired.base_url, retired.position) == (False, "https://llm.retired.example/v1", 20)
    assert list(Provider.objects.all())[-1] == retired
    assert retired.models.get().name == "old-model" and retired.credentials.get().name == "old-key"
    assert not catalog_load().changed  # the load after that leaves it alone


def test_it_reads_a_stand_in_spec_with_nothing_to_configure(retired):
    assert not retired.in_catalog
    assert (retired.name, str(retired), retired.effective_base_url) == (
        "retired-vendor",
        "retired-vendor",
        "https://llm.retired.example/v1",
    )
    assert (retired.model_types, retired.credential_schema, retired.secret_field_names()) == ((), (), [])
    assert "no longer in ModelDesk's catalog" in retired.description


def test_its_admin_pages_render_and_refuse_to_enable_it(admin_client, retired):
    catalog_load()
    listing = admin_client.get("/admin/providers/provider/")
    assert listing.status_code == 200 and "removed from the catalog" in listing.content.decode()
    removed_only = admin_client.get("/admin/providers/provider/", {"catalog": "removed"}).content.decode()
    assert f"/admin/providers/provider/{retired.pk}/change/" in removed_only
    assert "/change/" not in removed_only.replace(f"/admin/providers/provider/{retired.pk}/change/", "")
    page = admin_client.get(f"/admin/providers/provider/{retired.pk}/change/")
    assert page.status_code == 200 and "no longer in ModelDesk" in page.content.decode()

    response = admin_client.post(f"/admin/providers/provider/{retired.pk}/change/", {"enabled": "on", "base_url": ""})

    assert response.status_code == 200 and "cannot be enabled" in response.content.decode()
    retired.refresh_from_db()
    assert retired.enabled is False


def test_its_models_and_credentials_pages_render(admin_client, retired):
    credential = retired.credentials.get()
    for url in (
        "/admin/providers/providermodel/",
        f"/admin/providers/providermodel/{retired.models.get().pk}/change/",
        "/admin/credentials/credential/",
        f"/admin/credentials/credential/{credential.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_its_credentials_can_be_viewed_but_not_changed(admin_client, retired):
    """Its credential form is gone: a save would drop the stored values, so the page is read-only."""
    credential = retired.credentials.get()
    page = admin_client.get(f"/admin/credentials/credential/{credential.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    with pytest.raises(ValidationError, match="no longer in ModelDesk's catalog"):
        credential_save(provider=retired, name="old-key", values={}, credential=credential)
    credential.refresh_from_db()
    assert credential.config == {"base_url": "https://llm.retired.example/v1"}


def test_no_call_is_made_through_it(retired):
    credential = retired.credentials.get()
    with pytest.raises(ConfigurationError, match="no longer in ModelDesk's catalog"):
        services.chat(credential=credential, model="old-model", messages=[])
    check = services.credential_test(credential=credential)
    assert not check.ok and "no longer in ModelDesk's catalog" in check.error
