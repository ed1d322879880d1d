"""Two workers reaching the same submission at once deliver it once, on
SQLite as on PostgreSQL."""

import json
import threading
import time

import pytest
from django.db import connections

from intake import pipeline, receiving
from intake.models import Submission
from tests.gpg import decrypt

pytestmark = pytest.mark.django_db(transaction=True)


def twice_at_once(step, submission_id):
    """Run a pipeline step in two threads at once, each with its own database
    connection, as two workers would; returns (results, errors)."""
    results, errors = [], []

    def worker():
        try:
            results.append(step(submission_id))
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertions
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def receive(endpoint):
    return receiving.accept(
        endpoint, fields={"name": ["Zoë"]}, files=[], client_address="127.0.0.1"
    )


def test_two_workers_delivering_at_once_send_one_mail(mail_form, smtp_server, monkeypatch):
    submission = receive(mail_form)
    pipeline.encrypt(submission.pk)
    # Slow delivery widens the window in which the second worker arrives.
    real_send = pipeline.delivery.send_encrypted_email

    def slow_send(**kwargs):
        time.sleep(0.5)
        return real_send(**kwargs)

    monkeypatch.setattr(pipeline.delivery, "send_encrypted_email", slow_send)

    results, errors = twice_at_once(pipeline.deliver, submission.pk)

    assert errors == []
    assert results == [Submission.Status.DELIVERED, Submission.Status.DELIVERED]
    assert len(smtp_server.messages) == 1


def test_two_workers_encrypting_at_once_store_one_ciphertext(log_form, merchant_keypair):
    submission = receive(log_form)

    results, errors = twice_at_once(pipeline.encrypt, submission.pk)

    assert errors == []
    assert results == [Submission.Status.ENCRYPTED, Submission.Status.ENCRYPTED]
    stored = Submission.objects.get(pk=submission.pk)
    assert stored.sealed is None
    assert json.loads(decrypt(merchant_keypair, stored.ciphertext))["fields"] == {"name": ["Zoë"]}
