"""The Celery app as the worker and beat load it."""

from capepanel.celery import app


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled == {"intake.tasks.sweep_undelivered", "customers.tasks.remind_expiring_keys"}
    assert scheduled <= set(app.tasks)


def test_tasks_are_acknowledged_late_and_travel_as_json():
    task = app.tasks["intake.tasks.encrypt_and_deliver"]
    assert task.acks_late and task.reject_on_worker_lost
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
