"""Periodic work on customers' keys. Tasks take ids and are safe to run twice."""

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from customers import notices
from customers.models import PublicKey

logger = logging.getLogger(__name__)

# Reminder stages, most urgent first: (name, due when the key expires within).
REMINDER_STAGES = [
    ("expired", timedelta(0)),
    ("7d", timedelta(days=7)),
    ("30d", timedelta(days=30)),
]


@shared_task
def remind_expiring_keys():
    """Queue a reminder check for every active key that expires within 30 days
    or has expired. Returns how many were queued."""
    horizon = timezone.now() + REMINDER_STAGES[-1][1]
    key_ids = PublicKey.objects.filter(
        status=PublicKey.Status.ACTIVE,
        expires_at__isnull=False,
        expires_at__lte=horizon,
    ).values_list("pk", flat=True)
    queued = 0
    for key_id in key_ids:
        try:
            remind_key_expiry.delay(str(key_id))
            queued += 1
        except Exception:
            # One key that cannot be queued must not stop the others.
            logger.exception("key %s: expiry reminder not queued", key_id)
    return queued


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=300,
    max_retries=3,
)
def remind_key_expiry(key_id):
    """Send the key's most urgent reminder that is due and not yet sent.
    Returns the stage sent, or None."""
    now = timezone.now()
    with transaction.atomic():
        key = (
            PublicKey.objects.select_for_update()
            .select_related("customer")
            .filter(pk=key_id)
            .first()
        )
        if key is None or key.status != PublicKey.Status.ACTIVE or key.expires_at is None:
            return None
        stage = due_stage(key.expires_at, now)
        if stage is None or stage in key.reminders_sent:
            return None

        recipients = notices.owner_addresses(key.customer)
        if not recipients:
            logger.warning(
                "key %s: no owner address at %s for the %s reminder",
                key.fingerprint,
                key.customer.slug,
                stage,
            )
            return None

        # A reminder for a later stage makes the earlier ones moot.
        later = [name for name, _ in REMINDER_STAGES]
        key.reminders_sent = sorted(set(key.reminders_sent) | set(later[later.index(stage) :]))
        key.save(update_fields=["reminders_sent"])
        # Sent inside the transaction: if sending fails, the mark is rolled back
        # and the reminder goes out on a retry or on the next daily run.
        notices.send_key_reminder(key, stage, recipients)

    logger.info(
        "key %s: %s reminder sent to %s owner(s)",
        key.fingerprint,
        stage,
        len(recipients),
    )
    return stage


def due_stage(expires_at, now):
    """The most urgent reminder stage due for a key expiring at `expires_at`."""
    for name, within in REMINDER_STAGES:
        if expires_at <= now + within:
            return name
    return None
