"""The Celery app. Without CELERY_BROKER_URL, settings make every task run eagerly in-process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("modeldesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
