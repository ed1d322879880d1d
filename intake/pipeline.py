"""The life of a submission after it is stored: encrypt, deliver, retry, hold.

Every step checks the submission's status before it acts and changes it only
from the status it found (encryption and releases by a conditional update,
the other steps with the row locked), so running a step twice, or two workers
running it at once, never delivers twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers import audit, openpgp
from customers.models import Customer, PublicKey
from intake import delivery, notices, queueing, sealing
from intake.documents import as_mime_entity, build_test_document
from intake.models import FormEndpoint, Submission

logger = logging.getLogger(__name__)

Status = Submission.Status

# Failures worth another try later; anything else is a fault to look at.
TRANSIENT_FAILURES = (delivery.DeliveryFailed, openpgp.EncryptionFailed)


class NoUsableKey(Exception):
    pass


def process(submission_id):
    """Take one submission as far as it can go now; returns its status."""
    status = encrypt(submission_id)
    if status == Status.ENCRYPTED:
        status = deliver(submission_id)
    return status


def _locked(submission_id):
    return (
        Submission.objects.select_for_update()
        .select_related("endpoint__customer", "endpoint__domain")
        .filter(pk=submission_id)
        .first()
    )


def encrypt(submission_id):
    """Encrypt a received submission to its customer's active key.

    gpg runs outside any transaction, so that no lock is held while it works
    (on SQLite a lock would stop every visitor's post meanwhile). The result
    is stored only if the submission is still `received` and the key is still
    the active one; when two workers race, the first to store wins, and when
    the merchant changed keys meanwhile, the work is done again.
    """
    for _ in range(3):
        submission = (
            Submission.objects.select_related("endpoint__customer").filter(pk=submission_id).first()
        )
        if submission is None:
            logger.warning("submission %s does not exist; nothing to do", submission_id)
            return None
        if submission.status != Status.RECEIVED:
            return submission.status

        customer = submission.endpoint.customer
        key = customer.active_key()
        if key is None:
            return _hold(submission, customer)
        plaintext = sealing.unseal(submission.sealed)
        if submission.endpoint.delivery == FormEndpoint.Delivery.EMAIL:
            plaintext = as_mime_entity(plaintext, submission_id=submission.pk)
        ciphertext = openpgp.encrypt(plaintext, key.armored, key.fingerprint)

        with transaction.atomic():
            # Locking the key's row orders this against a rotation retiring it.
            if customer.active_key() != key or not _lock_key(key):
                continue
            now = timezone.now()
            stored = Submission.objects.filter(pk=submission_id, status=Status.RECEIVED).update(
                ciphertext=ciphertext,
                sealed=None,
                key_fingerprint=key.fingerprint,
                status=Status.ENCRYPTED,
                encrypted_at=now,
                updated_at=now,
            )
        if not stored:
            return Submission.objects.get(pk=submission_id).status
        logger.info("submission %s encrypted to %s", submission_id, key.fingerprint)
        return Status.ENCRYPTED
    raise openpgp.EncryptionFailed("the customer's key changed during every attempt")


def _lock_key(key):
    """Lock the key's row; False if it is no longer active."""
    still_active = PublicKey.objects.select_for_update().filter(
        pk=key.pk, status=PublicKey.Status.ACTIVE
    )
    return bool(list(still_active.values_list("pk", flat=True)))


def _hold(submission, customer):
    held = Submission.objects.filter(pk=submission.pk, status=Status.RECEIVED).update(
        status=Status.HELD,
        last_error="The customer has no usable OpenPGP key.",
        updated_at=timezone.now(),
    )
    if held:
        logger.warning("submission %s held: %s has no usable key", submission.pk, customer.slug)
        notices.submission_held(customer)
    return Status.HELD


def deliver(submission_id):
    """Deliver an encrypted submission to its form's log or recipients.

    Unlike encryption, delivery happens with the row locked: the lock is what
    makes two workers reaching one submission deliver it once.
    """
    with transaction.atomic():
        submission = _locked(submission_id)
        if submission is None:
            return None
        if submission.status != Status.ENCRYPTED:
            return submission.status

        endpoint = submission.endpoint
        if endpoint.delivery == FormEndpoint.Delivery.EMAIL:
            delivery.send_encrypted_email(
                recipients=endpoint.recipients,
                armored_message=submission.ciphertext,
                message_id=delivery.message_id_for(submission.pk),
                subject=delivery.subject_for(endpoint, is_test=submission.is_test),
            )
        else:
            submission.log_name = delivery.write_log_entry(
                delivery.log_name(submission), submission.ciphertext
            )
        submission.status = Status.DELIVERED
        submission.delivered_at = submission.updated_at = timezone.now()
        submission.last_error = ""
        submission.save(
            update_fields=["status", "delivered_at", "updated_at", "last_error", "log_name"]
        )
    logger.info("submission %s delivered by %s", submission_id, endpoint.delivery)
    return Status.DELIVERED


def backoff_seconds(attempts):
    """30 s, 1 min, 2 min, ... capped at 30 min: well below Redis's visibility
    timeout, so a waiting retry is never handed out twice."""
    return min(30 * 2 ** (attempts - 1), 1800)


def note_failure(submission_id, reason):
    """Count a failed attempt. Returns the delay before the next try, or None
    when the submission has had its tries and is now failed."""
    with transaction.atomic():
        submission = _locked(submission_id)
        if submission is None or submission.status in (Status.DELIVERED, Status.FAILED):
            return None
        submission.attempts += 1
        submission.last_error = reason[:500]
        now = timezone.now()
        submission.updated_at = now
        if submission.attempts >= settings.INTAKE_DELIVERY_MAX_ATTEMPTS:
            submission.status = Status.FAILED
            delay = None
        else:
            delay = backoff_seconds(submission.attempts)
            submission.due_at = now + timedelta(seconds=delay)
        submission.save(update_fields=["attempts", "last_error", "updated_at", "status", "due_at"])
    if delay is None:
        logger.error(
            "submission %s failed after %d attempts: %s", submission_id, submission.attempts, reason
        )
        notices.delivery_failing(submission)
    else:
        logger.warning(
            "submission %s attempt %d failed (%s); next try in %d s",
            submission_id,
            submission.attempts,
            reason,
            delay,
        )
    return delay


def mark_failed(submission_id, reason):
    """A fault no retry can mend, such as a submission sealed with a key no
    longer configured. It stays visible and can be delivered again later."""
    updated = (
        Submission.objects.filter(pk=submission_id)
        .exclude(status=Status.DELIVERED)
        .update(status=Status.FAILED, last_error=reason[:500], updated_at=timezone.now())
    )
    if updated:
        logger.error("submission %s failed: %s", submission_id, reason)
        notices.delivery_failing(Submission.objects.get(pk=submission_id))


def _requeue(submissions):
    for submission_id in submissions:
        transaction.on_commit(lambda sid=submission_id: queueing.queue_submission(sid))


def redeliver(submission, *, actor=None):
    """Send a failed or held submission through the pipeline again.

    Raises ValidationError, in words for the page, for any other submission."""
    with transaction.atomic():
        submission = _locked(submission.pk)
        if submission.status not in (Status.FAILED, Status.HELD):
            raise ValidationError(
                f"This submission is {submission.get_status_display().lower()}: "
                "only failed or held submissions can be delivered again."
            )
        submission.status = Status.ENCRYPTED if submission.ciphertext else Status.RECEIVED
        submission.attempts = 0
        submission.last_error = ""
        submission.due_at = submission.updated_at = timezone.now()
        submission.save(update_fields=["status", "attempts", "last_error", "due_at", "updated_at"])
        audit.record(
            "submission.redelivered",
            actor=actor,
            customer=submission.endpoint.customer,
            detail=f"submission {submission.pk}",
        )
        _requeue([submission.pk])
    return submission


def release_held(customer):
    """Queue every held submission of a customer again, now that a key exists."""
    with transaction.atomic():
        held = list(
            Submission.objects.filter(endpoint__customer=customer, status=Status.HELD).values_list(
                "pk", flat=True
            )
        )
        # Still held: another release may have run meanwhile, and its
        # submissions may be delivered by now.
        Submission.objects.filter(pk__in=held, status=Status.HELD).update(
            status=Status.RECEIVED, due_at=timezone.now(), updated_at=timezone.now()
        )
        _requeue(held)
    if held:
        logger.info("released %d held submissions of %s", len(held), customer.slug)
    return len(held)


def requeue_overdue():
    """Queue submissions whose broker message was lost or whose worker died,
    and release held ones whose customer has a usable key by now (in case the
    release asked for when the key arrived was lost or came too early)."""
    for customer in Customer.objects.filter(
        form_endpoints__submissions__status=Status.HELD
    ).distinct():
        if customer.active_key() is not None:
            release_held(customer)
    overdue = list(
        Submission.objects.overdue(settings.INTAKE_SWEEP_AFTER_SECONDS)
        .order_by("due_at")
        .values_list("pk", flat=True)[:1000]
    )
    with transaction.atomic():
        # Pushed forward so the next sweep does not queue them again at once.
        Submission.objects.filter(pk__in=overdue).update(due_at=timezone.now())
        _requeue(overdue)
    if overdue:
        logger.info("sweep re-queued %d overdue submissions", len(overdue))
    return overdue


def send_test(customer, *, actor=None):
    """Send a test document through each enabled form's delivery, so that the
    merchant can check that their private key opens what arrives."""
    if customer.active_key() is None:
        raise NoUsableKey("Upload a public key first: there is nothing to encrypt to.")
    targets = []
    now = timezone.now()
    with transaction.atomic():
        for endpoint in customer.form_endpoints.filter(enabled=True).select_related("domain"):
            if endpoint.delivery == FormEndpoint.Delivery.EMAIL:
                target = f"e-mail to {', '.join(endpoint.recipients)} ({endpoint})"
            else:
                target = f"log of {endpoint}"
            document = build_test_document(customer=customer, target=target, sent_at=now)
            submission = Submission.objects.create(
                endpoint=endpoint,
                is_test=True,
                sealed=sealing.seal(document),
                size_bytes=len(document),
            )
            _requeue([submission.pk])
            targets.append(target)
        audit.record(
            "key.test_sent", actor=actor, customer=customer, detail=f"{len(targets)} targets"
        )
    return targets
