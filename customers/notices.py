"""E-mails about a customer's account: invitations and key expiry reminders.

Plain text, rendered from templates/email/. A key reminder names the key by
its fingerprint and expiry only, never by its user IDs.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from customers.models import Membership

logger = logging.getLogger(__name__)

KEY_REMINDER_SUBJECTS = {
    "30d": "Cape Panel: your OpenPGP key expires within 30 days",
    "7d": "Cape Panel: your OpenPGP key expires within 7 days",
    "expired": "Cape Panel: your OpenPGP key has expired",
}


def owner_addresses(customer):
    """The e-mail addresses of the customer's owners, or else its contact."""
    owners = (
        customer.memberships.filter(role=Membership.Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    addresses = sorted(set(owners))
    if not addresses and customer.contact_email:
        addresses = [customer.contact_email]
    return addresses


def send_invitation(invitation):
    body = render_to_string(
        "email/invitation.txt",
        {
            "invitation": invitation,
            "customer": invitation.customer,
            "link": f"{settings.PUBLIC_BASE_URL}/invite/{invitation.token}/",
            "valid_days": settings.INVITATION_VALID_DAYS,
        },
    )
    send_mail(
        f"Cape Panel: you are invited to manage {invitation.customer.name}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [invitation.email],
    )
    logger.info("invitation %s sent for %s", invitation.pk, invitation.customer.slug)


def send_key_reminder(key, stage, recipients):
    """Tell `recipients` that `key` expires soon ("30d", "7d") or has ("expired")."""
    body = render_to_string(
        f"email/key_{'expired' if stage == 'expired' else 'expiring'}.txt",
        {
            "fingerprint": key.fingerprint_groups,
            "expires_at": key.expires_at,
            "portal_url": settings.PUBLIC_BASE_URL,
        },
    )
    send_mail(KEY_REMINDER_SUBJECTS[stage], body, settings.DEFAULT_FROM_EMAIL, recipients)
