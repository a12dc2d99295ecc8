"""The credential admin: schema-driven form, write-only secrets, masks, status."""

from __future__ import annotations

import pytest
from django.urls import reverse

from credentials.crypto import generate_key
from credentials.models import Credential
from credentials.services import credential_secret_values, encryption_keys_rotate
from providers.models import Provider

ADD = reverse("admin:credentials_credential_add")
LIST = reverse("admin:credentials_credential_changelist")


def change_url(credential: Credential) -> str:
    return reverse("admin:credentials_credential_change", args=[credential.pk])


def post_add(client, provider: Provider, **fields: str):
    data = {"name": "main", "provider": provider.pk, "enabled": "on"}
    data.update({f"cred_{k}": v for k, v in fields.items()})
    return client.post(f"{ADD}?provider={provider.pk}", data)


def test_secret_entered_in_admin_never_comes_back_in_html(admin_client, provider, canary):
    response = post_add(admin_client, provider("openai"), api_key=canary)
    assert response.status_code == 302, response.content.decode()[:2000]
    credential = Credential.objects.get(name="main")
    assert canary not in str(credential.secrets)

    change = admin_client.get(change_url(credential)).content.decode()
    listing = admin_client.get(LIST).content.decode()
    for html in (change, listing):
        assert canary not in html
        assert canary[:-4] not in html
        assert "••••" + canary[-4:] in html


def test_blank_secret_on_change_keeps_the_stored_secret(admin_client, make_credential, canary):
    credential = make_credential(api_key=canary)
    before = credential.secrets["api_key"]
    response = admin_client.post(
        change_url(credential), {"name": "renamed", "enabled": "on", "cred_api_key": "", "cred_base_url": ""}
    )
    assert response.status_code == 302
    credential.refresh_from_db()
    assert (credential.name, credential.secrets["api_key"]) == ("renamed", before)


def test_choosing_a_provider_shows_its_fields(admin_client, provider):
    bare = admin_client.get(ADD).content.decode()
    assert "cred_api_key" not in bare
    assert "Choose a provider to see its credential fields." in bare
    azure = admin_client.get(f"{ADD}?provider={provider('azure_openai').pk}").content.decode()
    for field in ("cred_api_key", "cred_base_url", "cred_api_version", "cred_deployment"):
        assert f'name="{field}"' in azure
    ollama = admin_client.get(f"{ADD}?provider={provider('ollama').pk}").content.decode()
    assert 'name="cred_api_version"' not in ollama


@pytest.mark.parametrize(
    "slug, fields, error_field",
    [
        ("openai", {"api_key": ""}, "cred_api_key"),
        ("openai", {"api_key": "sk-abcdefghijklmnop", "base_url": "ftp://example.com"}, "cred_base_url"),
        ("openai", {"api_key": "sk-abcdefghijklmnop", "base_url": "not a url"}, "cred_base_url"),
        ("azure_openai", {"api_key": "k" * 20, "api_version": "2024-10-21"}, "cred_base_url"),
        ("openai_compatible", {"api_key": "k" * 20}, "cred_base_url"),
    ],
)
def test_schema_validation_errors_are_shown_on_the_form(admin_client, provider, slug, fields, error_field):
    response = post_add(admin_client, provider(slug), **fields)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert error_field in errors
    assert not Credential.objects.exists()


def test_single_label_hosts_are_valid_base_urls(admin_client, provider):
    """Self-hosted servers are often reached as http://ollama:11434 inside a cluster."""
    response = post_add(admin_client, provider("ollama"), base_url="http://ollama:11434")
    assert response.status_code == 302
    assert Credential.objects.get().config["base_url"] == "http://ollama:11434"


def test_tampered_credential_shows_needs_reentry_and_keeps_its_value(admin_client, make_credential, canary):
    credential = make_credential(api_key=canary)
    broken = credential.secrets["api_key"][:-3] + "AAA"
    Credential.objects.filter(pk=credential.pk).update(secrets={"api_key": broken})

    listing = admin_client.get(LIST).content.decode()
    assert "md-status-needs_reentry" in listing
    page = admin_client.get(change_url(credential)).content.decode()
    assert "cannot be decrypted" in page

    response = admin_client.post(change_url(credential), {"name": "main", "enabled": "on", "cred_api_key": ""})
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.secrets["api_key"] == broken


def test_status_column_shows_check_result_and_time(admin_client, make_credential):
    from django.utils import timezone

    credential = make_credential(api_key="sk-abcdefghijklmnop")
    Credential.objects.filter(pk=credential.pk).update(check_status="ok", last_checked_at=timezone.now())
    listing = admin_client.get(LIST).content.decode()
    assert "md-status-ok" in listing
    assert str(timezone.now().year) in listing


def test_optional_secret_can_be_removed(admin_client, make_credential):
    credential = make_credential("local", slug="ollama", api_key="ollama-cloud-key-123456")
    page = admin_client.get(change_url(credential)).content.decode()
    assert 'name="cred_api_key__clear"' in page
    admin_client.post(change_url(credential), {"name": "local", "enabled": "on", "cred_api_key__clear": "on"})
    credential.refresh_from_db()
    assert "api_key" not in credential.secrets


def test_provider_cannot_be_changed_after_creation(admin_client, make_credential, provider):
    credential = make_credential(api_key="sk-abcdefghijklmnop")
    admin_client.post(change_url(credential), {"name": "main", "enabled": "on", "provider": provider("anthropic").pk})
    credential.refresh_from_db()
    assert credential.provider.slug == "openai"


def test_pasting_the_mask_back_into_a_key_field_is_a_form_error(admin_client, provider, make_credential, canary):
    """The list shows ••••abcd; pasting that into the key field must not store it as the key."""
    credential = make_credential(api_key=canary)
    data = {"name": credential.name, "enabled": "on", "cred_api_key": "••••" + canary[-4:]}
    response = admin_client.post(change_url(credential), data)
    assert response.status_code == 200
    assert "masked value" in response.content.decode()
    assert credential_secret_values(Credential.objects.get(pk=credential.pk))["api_key"] == canary


def test_the_azure_deployment_mapping_takes_several_lines_and_a_typo_is_a_form_error(admin_client, provider):
    azure = provider("azure_openai")
    fields = {"base_url": "https://r.openai.azure.com", "api_key": "k" * 32}
    bad = post_add(admin_client, azure, **fields, deployments="gpt-4o=prod-4o\ngpt-4o mini")
    assert bad.status_code == 200 and "Deployments line 2" in bad.content.decode()
    assert not Credential.objects.exists()
    good = post_add(admin_client, azure, **fields, deployments="gpt-4o=prod-4o\r\no3=reason-o3\r\n")
    assert good.status_code == 302
    assert Credential.objects.get().config["deployments"] == "gpt-4o=prod-4o\no3=reason-o3"


def test_the_changelist_decrypts_nothing_and_still_shows_masks_and_needs_reentry(
    admin_client, make_credential, settings, decryptions
):
    """Each row's mask is the one stored at save time; a key that is gone from the ring shows without decrypting."""
    configured = settings.CREDENTIAL_ENCRYPTION_KEYS
    settings.CREDENTIAL_ENCRYPTION_KEYS = generate_key()
    make_credential("orphan", api_key="sk-orphaned-key-value-zz99")
    settings.CREDENTIAL_ENCRYPTION_KEYS = configured
    for i in range(12):
        make_credential(f"c{i:02d}", api_key=f"sk-listed-key-value-{i:02d}ab")

    listing = admin_client.get(LIST).content.decode()

    assert decryptions.count == 0
    for i in range(12):
        assert f"••••{i:02d}ab" in listing
    assert "zz99" not in listing
    assert listing.count("cannot be decrypted") == 1
    assert listing.count("md-status-needs_reentry") == 1


def test_a_secret_entered_again_shows_its_new_mask(admin_client, make_credential):
    credential = make_credential(api_key="sk-first-value-1111")
    data = {"name": credential.name, "enabled": "on", "cred_api_key": "sk-second-value-2222", "cred_base_url": ""}
    assert admin_client.post(change_url(credential), data).status_code == 302
    listing = admin_client.get(LIST).content.decode()
    assert "••••2222" in listing and "••••1111" not in listing
    assert "Stored: ••••2222." in admin_client.get(change_url(credential)).content.decode()


def test_after_a_key_rotation_the_list_shows_the_same_masks_without_decrypting(
    admin_client, make_credential, settings, decryptions
):
    make_credential(api_key="sk-rotated-value-3333")
    settings.CREDENTIAL_ENCRYPTION_KEYS = f"{generate_key()},{settings.CREDENTIAL_ENCRYPTION_KEYS}"
    assert encryption_keys_rotate().rotated == 1
    decryptions.count = 0
    listing = admin_client.get(LIST).content.decode()
    assert "••••3333" in listing and "md-status-needs_reentry" not in listing
    assert decryptions.count == 0
