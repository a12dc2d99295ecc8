"""Provider keeps only what admins own: the catalog's facts are read from code (``providers.catalog``) by slug.

Drops the columns that only copied the code catalog. Every row stays, with its slug, position, enabled flag and
base URL override. Reversing adds the columns back empty; ``load_providers`` of that older code refills them.
"""

from django.db import migrations, models

CATALOG_COPIES = [
    "name_en",
    "name_zh",
    "protocol",
    "default_base_url",
    "description_en",
    "description_zh",
    "credential_schema",
    "model_types",
    "custom_models",
    "parameter_defaults",
    "quirks",
]
PROTOCOLS = ["openai_compatible", "azure_openai", "anthropic", "ollama", "jina", "cohere", "replicate"]


class Migration(migrations.Migration):

    dependencies = [
        ("providers", "0003_calls_take_over_calllog_and_defaultmodel"),
    ]

    operations = [
        # So that the way back can add these NOT NULL columns to existing rows: they come back as "". State only,
        # the database is not touched on the way forward.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="provider",
                    name="name_en",
                    field=models.CharField(default="", max_length=100, verbose_name="name (English)"),
                ),
                migrations.AlterField(
                    model_name="provider",
                    name="name_zh",
                    field=models.CharField(default="", max_length=100, verbose_name="name (Chinese)"),
                ),
                migrations.AlterField(
                    model_name="provider",
                    name="protocol",
                    field=models.CharField(
                        choices=[(p, p) for p in PROTOCOLS], default="", max_length=32, verbose_name="protocol"
                    ),
                ),
            ],
        ),
        *(migrations.RemoveField(model_name="provider", name=name) for name in CATALOG_COPIES),
    ]
