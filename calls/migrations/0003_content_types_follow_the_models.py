"""The content types (and so every permission granted on them, and the admin history) of DefaultModel and
CallLog follow the models from providers to calls: staff keep what they were allowed to do."""

from django.db import migrations

MOVED = ("defaultmodel", "calllog")


def move(apps, schema_editor, source="providers", target="calls"):
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    for model in MOVED:
        old = content_type.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = content_type.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        # Both exist (post_migrate ran in between): grants move to the new permissions, the old type goes.
        for stale in permission.objects.filter(content_type=old):
            fresh = permission.objects.filter(content_type=new, codename=stale.codename).first()
            if fresh is None:
                stale.content_type = new
                stale.save(update_fields=["content_type"])
                continue
            for user in stale.user_set.all():
                user.user_permissions.add(fresh)
            for group in stale.group_set.all():
                group.permissions.add(fresh)
        old.delete()


def move_back(apps, schema_editor):
    move(apps, schema_editor, source="calls", target="providers")


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0002_rename_tables"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(move, move_back)]
