"""CallLog and DefaultModel now belong to the calls app: forgotten here in the state only, no table dropped."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('providers', '0002_calllog'),
        ('calls', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='defaultmodel',
                    name='credential',
                ),
                migrations.RemoveField(
                    model_name='defaultmodel',
                    name='model',
                ),
                migrations.DeleteModel(
                    name='CallLog',
                ),
                migrations.DeleteModel(
                    name='DefaultModel',
                ),
            ],
            database_operations=[],
        ),
    ]
