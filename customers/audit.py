"""The audit trail of security-relevant actions.

Details name objects by their public identifiers (slugs, fingerprints, ids),
never by anything a visitor posted.
"""

import logging

from customers.models import AuditEvent

logger = logging.getLogger("capepanel.audit")


def record(action, *, actor=None, customer=None, detail=""):
    event = AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        customer=customer,
        detail=detail[:500],
    )
    # The detail stays in the database, shown to staff and owners; log lines
    # carry identifiers only (details can name e-mail addresses).
    logger.info(
        "audit %s event=%s customer=%s actor=%s",
        action,
        event.pk,
        customer.slug if customer else "-",
        event.actor_id or "-",
    )
    return event
