"""Two workers reaching the same submission at once deliver it once, on
SQLite as on PostgreSQL."""

import threading
import time

import pytest
from django.db import connections

from intake import pipeline, receiving
from intake.models import Submission

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_delivering_at_once_send_one_mail(mail_form, smtp_server, monkeypatch):
    submission = receiving.accept(
        mail_form, fields={"name": ["Zoë"]}, files=[], client_address="127.0.0.1"
    )
    pipeline.encrypt(submission.pk)

    # Slow delivery widens the window in which the second worker arrives.
    real_send = pipeline.delivery.send_encrypted_email

    def slow_send(**kwargs):
        time.sleep(0.5)
        return real_send(**kwargs)

    monkeypatch.setattr(pipeline.delivery, "send_encrypted_email", slow_send)
    errors = []

    def worker():
        try:
            pipeline.deliver(submission.pk)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(smtp_server.messages) == 1
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.DELIVERED


def test_two_workers_encrypting_at_once_store_one_ciphertext(log_form, merchant_keypair):
    import json

    from tests.gpg import decrypt

    submission = receiving.accept(
        log_form, fields={"name": ["Zoë"]}, files=[], client_address="127.0.0.1"
    )
    results, errors = [], []

    def worker():
        try:
            results.append(pipeline.encrypt(submission.pk))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert results == [Submission.Status.ENCRYPTED, Submission.Status.ENCRYPTED]
    stored = Submission.objects.get(pk=submission.pk)
    assert stored.sealed is None
    assert json.loads(decrypt(merchant_keypair, stored.ciphertext))["fields"] == {"name": ["Zoë"]}
