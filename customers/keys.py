"""Adding and retiring a customer's OpenPGP public keys.

A customer has at most one active key: adding a key makes it the active one
and retires the others. Every change is audited, and adding a key releases
the submissions held for want of one.
"""

import logging

from django.db import transaction
from django.utils import timezone

from customers import audit, openpgp
from customers.models import Customer, PublicKey
from customers.openpgp import KeyInfo, KeyRejected

logger = logging.getLogger(__name__)


def check_key(data: bytes) -> KeyInfo:
    """What inspecting `data` finds; KeyRejected with the reason if unusable."""
    return openpgp.inspect_key(data)


def add_key(customer, data: bytes, *, actor=None) -> PublicKey:
    """Make the key in `data` the customer's active key.

    Raises KeyRejected if the key is unusable or already uploaded. The same key
    uploaded again with a changed expiry refreshes the stored copy, and a
    retired key uploaded again becomes active once more.
    """
    info = openpgp.inspect_key(data)
    now = timezone.now()

    with transaction.atomic():
        # One upload at a time per customer, so that exactly one key ends active.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        key = customer.public_keys.filter(fingerprint=info.fingerprint).first()

        if key is None:
            key = PublicKey(customer=customer, fingerprint=info.fingerprint)
            action = "key.added"
        elif key.status == PublicKey.Status.REVOKED:
            raise KeyRejected(
                f"The key {info.fingerprint} was revoked in the panel and cannot "
                "be used again. Upload a new key."
            )
        elif key.status == PublicKey.Status.RETIRED:
            action = "key.reactivated"
        elif key.expires_at != info.expires_at or key.user_ids != info.user_ids:
            action = "key.updated"
        else:
            raise KeyRejected(f"This key ({info.fingerprint}) was already uploaded and is in use.")

        if key.expires_at != info.expires_at:
            key.reminders_sent = []
        key.armored = info.armored
        key.algorithm = info.algorithm
        key.bits = info.bits
        key.user_ids = info.user_ids
        key.created_at = info.created_at
        key.expires_at = info.expires_at
        key.status = PublicKey.Status.ACTIVE
        key.uploaded_at = now
        key.retired_at = None
        key.save()
        audit.record(
            action,
            actor=actor,
            customer=customer,
            detail=f"fingerprint={key.fingerprint}",
        )

        others = customer.public_keys.filter(status=PublicKey.Status.ACTIVE).exclude(pk=key.pk)
        for other in others:
            _retire(other, actor=actor, at=now)

        transaction.on_commit(lambda: _release_held(customer.pk), robust=True)

    logger.info("key %s is now active for %s", key.fingerprint, customer.slug)
    return key


def retire_key(key, *, actor=None) -> PublicKey:
    """Stop encrypting to `key`. Retiring a key that is not active does nothing."""
    with transaction.atomic():
        _retire(key, actor=actor, at=timezone.now())
    key.refresh_from_db()
    return key


def _retire(key, *, actor, at):
    changed = PublicKey.objects.filter(pk=key.pk, status=PublicKey.Status.ACTIVE).update(
        status=PublicKey.Status.RETIRED, retired_at=at
    )
    if changed:
        audit.record(
            "key.retired",
            actor=actor,
            customer=key.customer,
            detail=f"fingerprint={key.fingerprint}",
        )


def _release_held(customer_id):
    from intake.queueing import queue_release  # intake depends on customers, not back

    queue_release(customer_id)
