"""The moved tables take the calls app's names. A rename: every row stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0001_initial'),
        ('providers', '0003_calls_take_over_calllog_and_defaultmodel'),
    ]

    operations = [
        migrations.AlterModelTable(name='calllog', table=None),
        migrations.AlterModelTable(name='defaultmodel', table=None),
    ]
