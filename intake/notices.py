"""E-mails that tell a merchant their secure forms need attention.

Each kind is sent at most once a day per customer, however many submissions
are affected, and none says anything about what was posted.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from customers.notices import owner_addresses

logger = logging.getLogger(__name__)


def _send_once_a_day(customer, kind, subject, context):
    to = owner_addresses(customer)
    if not to:
        return False
    key = f"notice:{kind}:{customer.pk}:{timezone.now():%Y-%m-%d}"
    if not cache.add(key, 1, timeout=26 * 3600):
        return False
    body = render_to_string(
        f"email/{kind}.txt",
        {"customer": customer, "portal_url": settings.PUBLIC_BASE_URL, **context},
    )
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    except OSError as exc:
        # A notice is a courtesy: the submission itself is safe either way.
        logger.warning("notice %s to %s not sent: %s", kind, customer.slug, type(exc).__name__)
        cache.delete(key)
        return False
    return True


def submission_held(customer):
    return _send_once_a_day(
        customer,
        "submission_held",
        "Cape Panel: form submissions are waiting for your public key",
        {},
    )


def delivery_failing(submission):
    customer = submission.endpoint.customer
    return _send_once_a_day(
        customer,
        "delivery_failing",
        "Cape Panel: form submissions could not be delivered",
        {"endpoint": submission.endpoint, "reason": submission.last_error},
    )
