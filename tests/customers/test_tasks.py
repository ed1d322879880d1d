"""customers.tasks: key expiry reminders, each sent once per key."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from customers import tasks
from customers.models import Customer, PublicKey

FINGERPRINT = "0123456789ABCDEF0123456789ABCDEF01234567"


def make_key(customer, expires_in, fingerprint=FINGERPRINT, **fields):
    return PublicKey.objects.create(
        customer=customer,
        armored="-----BEGIN PGP PUBLIC KEY BLOCK-----\n…",
        fingerprint=fingerprint,
        algorithm="EdDSA/ECDH cv25519",
        user_ids=["Alice's Teas <keys@alices-teas.example>"],
        created_at=timezone.now() - timedelta(days=700),
        expires_at=None if expires_in is None else timezone.now() + expires_in,
        **fields,
    )


@pytest.fixture
def run_inline(monkeypatch):
    """Fan-out runs the per-key task at once, as a worker would."""
    monkeypatch.setattr(
        tasks.remind_key_expiry, "delay", lambda key_id: tasks.remind_key_expiry(key_id)
    )


def test_reminds_owners_30_days_ahead_with_fingerprint_and_expiry_only(alices_teas, run_inline):
    key = make_key(alices_teas, timedelta(days=20))

    assert tasks.remind_expiring_keys() == 1

    [message] = mail.outbox
    assert message.to == ["alice@alices-teas.example"]
    assert message.subject == "Cape Panel: your OpenPGP key expires within 30 days"
    assert key.fingerprint_groups in message.body
    assert f"{key.expires_at:%Y-%m-%d}" in message.body
    assert "keys@alices-teas.example" not in message.body
    assert "Alice" not in message.body
    key.refresh_from_db()
    assert key.reminders_sent == ["30d"]


def test_each_reminder_is_sent_once(alices_teas, run_inline):
    key = make_key(alices_teas, timedelta(days=20))

    tasks.remind_expiring_keys()
    tasks.remind_expiring_keys()
    assert len(mail.outbox) == 1

    PublicKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() + timedelta(days=5))
    tasks.remind_expiring_keys()
    tasks.remind_expiring_keys()
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject == "Cape Panel: your OpenPGP key expires within 7 days"

    PublicKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    tasks.remind_expiring_keys()
    tasks.remind_expiring_keys()
    assert len(mail.outbox) == 3
    assert mail.outbox[2].subject == "Cape Panel: your OpenPGP key has expired"

    key.refresh_from_db()
    assert key.reminders_sent == ["30d", "7d", "expired"]


def test_a_key_first_seen_close_to_expiry_gets_only_the_most_urgent_reminder(
    alices_teas,
):
    key = make_key(alices_teas, timedelta(days=3))

    assert tasks.remind_key_expiry(str(key.pk)) == "7d"
    assert tasks.remind_key_expiry(str(key.pk)) is None

    assert len(mail.outbox) == 1
    key.refresh_from_db()
    assert key.reminders_sent == ["30d", "7d"]


def test_no_reminder_for_keys_far_from_expiry_never_expiring_or_retired(alices_teas, run_inline):
    make_key(alices_teas, timedelta(days=90), fingerprint="A" * 40)
    make_key(alices_teas, None, fingerprint="B" * 40)
    make_key(
        alices_teas,
        timedelta(days=2),
        fingerprint="C" * 40,
        status=PublicKey.Status.RETIRED,
    )

    assert tasks.remind_expiring_keys() == 0
    assert mail.outbox == []


def test_without_owners_the_contact_address_is_reminded(db):
    customer = Customer.objects.create(
        name="Bob's Bakery", slug="bobs-bakery", contact_email="bob@bobs-bakery.example"
    )
    key = make_key(customer, timedelta(days=6))

    tasks.remind_key_expiry(str(key.pk))

    assert mail.outbox[0].to == ["bob@bobs-bakery.example"]


def test_with_nobody_to_tell_nothing_is_marked_sent(db):
    customer = Customer.objects.create(name="Bob's Bakery", slug="bobs-bakery")
    key = make_key(customer, timedelta(days=6))

    assert tasks.remind_key_expiry(str(key.pk)) is None

    key.refresh_from_db()
    assert key.reminders_sent == []


def test_a_failed_send_is_not_marked_sent(alices_teas, monkeypatch):
    key = make_key(alices_teas, timedelta(days=6))

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("customers.notices.send_mail", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        tasks.remind_key_expiry.run(str(key.pk))

    key.refresh_from_db()
    assert key.reminders_sent == []


def test_one_bad_key_does_not_stop_the_others(alices_teas, monkeypatch):
    bad = make_key(alices_teas, timedelta(days=6), fingerprint="D" * 40)
    good = make_key(alices_teas, timedelta(days=6), fingerprint="E" * 40)

    def delay(key_id):
        if key_id == str(bad.pk):
            raise ConnectionError("broker hiccup")
        return tasks.remind_key_expiry(key_id)

    monkeypatch.setattr(tasks.remind_key_expiry, "delay", delay)

    assert tasks.remind_expiring_keys() == 1
    good.refresh_from_db()
    assert good.reminders_sent == ["30d", "7d"]


def test_a_key_deleted_meanwhile_is_skipped(db):
    assert tasks.remind_key_expiry("7d3ad8a6-5c55-4a56-9e0c-0a1b2c3d4e5f") is None
