"""CallLog and DefaultModel move here from providers, in the migration state only: the tables and their rows
stay as they are (``0002`` then renames the tables)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('credentials', '0002_initial'),
        ('providers', '0002_calllog'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CallLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='time')),
                        ('model', models.CharField(blank=True, max_length=200, verbose_name='model')),
                        ('operation', models.CharField(choices=[('chat', 'chat'), ('chat_stream', 'chat (streaming)'), ('embed', 'embeddings'), ('rerank', 'rerank'), ('transcribe', 'speech to text'), ('list_models', 'list models'), ('test_credential', 'connection test')], max_length=20, verbose_name='operation')),
                        ('status', models.CharField(choices=[('ok', 'ok'), ('error', 'error')], max_length=8, verbose_name='status')),
                        ('error_type', models.CharField(blank=True, max_length=40, verbose_name='error type')),
                        ('message', models.TextField(blank=True, verbose_name='message')),
                        ('attempts', models.PositiveSmallIntegerField(default=1, verbose_name='attempts')),
                        ('latency_ms', models.PositiveIntegerField(default=0, verbose_name='latency (ms)')),
                        ('ttft_ms', models.PositiveIntegerField(blank=True, null=True, verbose_name='time to first token (ms)')),
                        ('tokens_in', models.PositiveIntegerField(blank=True, null=True, verbose_name='tokens in')),
                        ('tokens_out', models.PositiveIntegerField(blank=True, null=True, verbose_name='tokens out')),
                        ('credential', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='credentials.credential', verbose_name='credential')),
                        ('provider', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='providers.provider', verbose_name='provider')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'db_table': 'providers_calllog',
                        'verbose_name': 'call log',
                        'verbose_name_plural': 'call logs',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='DefaultModel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('model_type', models.CharField(choices=[('llm', 'LLM'), ('text-embedding', 'Text embedding'), ('rerank', 'Rerank'), ('speech2text', 'Speech to text')], max_length=32, unique=True, verbose_name='type')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('credential', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='credentials.credential', verbose_name='credential')),
                        ('model', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='providers.providermodel', verbose_name='model')),
                    ],
                    options={
                        'db_table': 'providers_defaultmodel',
                        'verbose_name': 'default model',
                        'verbose_name_plural': 'default models',
                        'ordering': ['model_type'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
