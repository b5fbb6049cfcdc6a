import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every task gets retries with backoff and jitter and late acks from one base (core/tasks.py).
app = Celery("hourbank", task_cls="core.tasks:RetryingTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
