"""A form posted over HTTP, encrypted and delivered by a real worker on a real
broker, and decrypted by the merchant's secret key with gpg."""

import base64
import json
import logging
import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from intake.models import Submission
from intake.storage import intake_log
from tests.e2e.conftest import wait_for
from tests.gpg import decrypt

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MARKER = "cape-marker-4b9e0d"


def post_multipart(url, fields):
    body = encode_multipart(BOUNDARY, fields)
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": MULTIPART_CONTENT, "Accept": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


class NamedBytes:
    """A file for encode_multipart: it wants .name and .read()."""

    def __init__(self, name, content):
        self.name, self._content = name, content

    def read(self):
        return self._content


def text_in_database(text):
    found = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            for column, value in row.items():
                if isinstance(value, (bytes, memoryview)):
                    value = bytes(value).decode("utf-8", "replace")
                if text in str(value):
                    found.append(f"{model._meta.label}.{column}")
    return found


def text_in_broker(broker_url, text):
    """Every message waiting on the broker, searched for the text, without
    consuming any. Returns (found, number of messages)."""
    if broker_url.startswith("filesystem"):
        queue = Path(settings.VAR_DIR) / "broker" / "queue"
        bodies = [p.read_bytes() for p in queue.glob("*")]
    elif broker_url.startswith("redis"):
        import redis

        bodies = redis.Redis.from_url(broker_url).lrange(settings.CELERY_TASK_DEFAULT_QUEUE, 0, -1)
    else:
        from capepanel.celery import app

        bodies = []
        with app.connection_for_write() as conn:
            queue = conn.SimpleQueue(settings.CELERY_TASK_DEFAULT_QUEUE, no_ack=False)
            held = []
            try:
                while True:
                    message = queue.get(block=True, timeout=1)
                    bodies.append(json.dumps([message.headers, message.body]).encode())
                    held.append(message)
            except queue.Empty:
                pass
            for message in held:
                message.requeue()
            queue.close()
    return any(text.encode() in body for body in bodies), len(bodies)


def test_posted_form_is_encrypted_delivered_and_decrypts_to_every_value(
    live_server, log_form, merchant_keypair, worker, caplog
):
    caplog.set_level(logging.DEBUG)
    url = f"{live_server.url}/f/alices-teas.example/order/"
    fields = {
        "name": f"Zoë Ångström {MARKER}",
        "item": ["Darjeeling", "Genmaicha 玄米茶"],
        "note": "line one\nline two",
        "receipt": NamedBytes("quittung ü.txt", f"{MARKER} bytes \u00e9".encode()),
    }

    status, body = post_multipart(url, fields)

    assert status == 202
    submission_id = body["id"]
    leaked, waiting = text_in_broker(worker.broker_url, MARKER)
    assert waiting >= 1, "the post put a message on the broker"
    assert not leaked, "the broker message carries only the submission id"

    worker.start()
    wait_for(lambda: Submission.objects.filter(pk=submission_id, status="delivered").exists())

    submission = Submission.objects.get(pk=submission_id)
    with intake_log().open(submission.log_name, "rb") as handle:
        document = json.loads(decrypt(merchant_keypair, handle.read()))
    assert document["fields"] == {
        "name": [f"Zoë Ångström {MARKER}"],
        "item": ["Darjeeling", "Genmaicha 玄米茶"],
        "note": ["line one\nline two"],
    }
    [receipt] = document["files"]
    assert receipt["filename"] == "quittung ü.txt"
    assert base64.b64decode(receipt["content_base64"]) == f"{MARKER} bytes \u00e9".encode()
    assert document["form"] == "order" and document["domain"] == "alices-teas.example"

    assert f"submission {submission_id} delivered" in worker.log
    assert MARKER not in worker.log
    assert MARKER not in caplog.text
    assert text_in_database(MARKER) == []


def test_sweep_recovers_a_submission_whose_broker_message_was_lost(
    log_form, worker, django_capture_on_commit_callbacks
):
    from capepanel.celery import app
    from intake import pipeline, receiving

    submission = receiving.accept(
        log_form, fields={"name": ["lost"]}, files=[], client_address="127.0.0.1"
    )
    app.control.purge()  # the broker lost the message
    Submission.objects.filter(pk=submission.pk).update(due_at=submission.due_at.replace(year=2000))

    worker.start()
    assert pipeline.requeue_overdue() == [submission.pk]

    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "delivered")


def test_submission_left_encrypted_by_a_dead_worker_is_delivered_once(log_form, worker):
    """A worker that died between encrypting and delivering leaves the row
    `encrypted` with its log object possibly written; the sweep hands it to the
    next worker, which delivers it exactly once."""
    from intake import delivery, pipeline, receiving

    submission = receiving.accept(
        log_form, fields={"name": ["survivor"]}, files=[], client_address="127.0.0.1"
    )
    from capepanel.celery import app

    app.control.purge()
    pipeline.encrypt(submission.pk)
    submission.refresh_from_db()
    name = delivery.log_name(submission)
    delivery.write_log_entry(name, submission.ciphertext)  # written, not recorded
    Submission.objects.filter(pk=submission.pk).update(due_at=submission.due_at.replace(year=2000))

    worker.start()
    assert pipeline.requeue_overdue() == [submission.pk]
    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "delivered")

    folder = name.rsplit("/", 1)[0]
    assert intake_log().listdir(folder)[1] == [f"{submission.pk}.asc"]
    assert Submission.objects.get(pk=submission.pk).log_name == name


def test_held_submission_is_delivered_by_the_worker_once_a_key_is_added(
    log_form, merchant, other_keypair, worker
):
    """The key was retired between the post being accepted and the worker
    reaching it; the worker holds the submission, and adding a key releases
    it through the broker."""
    from customers.keys import add_key
    from intake import receiving

    worker.start()
    merchant.public_keys.update(status="retired")
    submission = receiving.accept(  # queued on commit, which is now
        log_form, fields={"name": ["patient"]}, files=[], client_address="127.0.0.1"
    )
    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "held")

    add_key(merchant, other_keypair.armored_public.encode())

    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "delivered")
    submission.refresh_from_db()
    assert submission.key_fingerprint == other_keypair.fingerprint
    with intake_log().open(submission.log_name, "rb") as handle:
        assert json.loads(decrypt(other_keypair, handle.read()))["fields"] == {"name": ["patient"]}


def test_worker_process_killed_mid_task_loses_nothing_and_delivers_once(log_form, worker, tmp_path):
    """The pool process running the task is killed hard while gpg works; the
    task goes back to the broker and the next pool process delivers it."""
    from intake import receiving

    started = tmp_path / "gpg-started"
    slow_gpg = tmp_path / "slow-gpg"
    slow_gpg.write_text(
        f'#!/bin/sh\ncase "$*" in *--encrypt*) touch {started}; sleep 3;; esac\nexec gpg "$@"\n'
    )
    slow_gpg.chmod(0o755)
    worker.extra_env = {"GPG_BINARY": str(slow_gpg)}
    worker.pool = "prefork"
    worker.start()

    submission = receiving.accept(
        log_form, fields={"name": ["survivor"]}, files=[], client_address="127.0.0.1"
    )
    wait_for(started.exists, timeout=30, interval=0.05)
    children = subprocess.run(
        ["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True
    ).stdout.split()
    assert children, "the prefork pool has a process"
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)
    assert Submission.objects.get(pk=submission.pk).status == "received"

    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "delivered", timeout=90)
    assert "WorkerLostError" in worker.log
    folder = Submission.objects.get(pk=submission.pk).log_name.rsplit("/", 1)[0]
    assert intake_log().listdir(folder)[1] == [f"{submission.pk}.asc"]


def test_whole_worker_killed_mid_task_is_recovered_by_the_sweep(log_form, worker, tmp_path):
    """The worker process itself dies (the OOM killer, a lost machine) while
    gpg works. Whatever the broker does with the unacknowledged message, the
    sweep hands the submission to the next worker, which delivers it once."""
    from intake import pipeline, receiving

    started = tmp_path / "gpg-started"
    slow_gpg = tmp_path / "slow-gpg"
    slow_gpg.write_text(
        f'#!/bin/sh\ncase "$*" in *--encrypt*) touch {started}; sleep 3;; esac\nexec gpg "$@"\n'
    )
    slow_gpg.chmod(0o755)
    worker.extra_env = {"GPG_BINARY": str(slow_gpg)}
    worker.start()
    submission = receiving.accept(
        log_form, fields={"name": ["survivor"]}, files=[], client_address="127.0.0.1"
    )
    wait_for(started.exists, timeout=30, interval=0.05)

    worker.kill(sig=signal.SIGKILL)
    assert Submission.objects.get(pk=submission.pk).status == "received"
    Submission.objects.filter(pk=submission.pk).update(due_at=submission.due_at.replace(year=2000))
    worker.extra_env = {}
    worker.start()
    pipeline.requeue_overdue()

    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "delivered", timeout=90)
    folder = Submission.objects.get(pk=submission.pk).log_name.rsplit("/", 1)[0]
    assert intake_log().listdir(folder)[1] == [f"{submission.pk}.asc"]
