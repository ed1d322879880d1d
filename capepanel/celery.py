import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capepanel.settings")

app = Celery("capepanel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "sweep-undelivered-submissions": {
        "task": "intake.tasks.sweep_undelivered",
        "schedule": 60.0,
    },
    "remind-expiring-keys": {
        "task": "customers.tasks.remind_expiring_keys",
        "schedule": crontab(hour=6, minute=0),
    },
}
