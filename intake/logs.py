"""Reading a merchant's encrypted log: listing entries and exporting a range.

Nothing here decrypts: the export is the armored messages one after another,
which `gpg --decrypt` reads in turn on the merchant's own machine.
"""

import logging
from datetime import datetime, time, timedelta

from django.utils import timezone

from intake.models import Submission
from intake.storage import intake_log

logger = logging.getLogger(__name__)


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def entries(customer, *, form=None, since=None, until=None):
    """Delivered log entries, newest first. since/until are dates, inclusive."""
    queryset = Submission.objects.filter(
        endpoint__customer=customer, status=Submission.Status.DELIVERED
    ).exclude(log_name="")
    if form is not None:
        queryset = queryset.filter(endpoint=form)
    if since is not None:
        queryset = queryset.filter(received_at__gte=_start_of(since))
    if until is not None:
        queryset = queryset.filter(received_at__lt=_start_of(until + timedelta(days=1)))
    return queryset.select_related("endpoint__domain").order_by("-received_at")


def write_range(out, entries):
    """Write each entry's armored message to `out` (binary), oldest first.
    Returns how many were written."""
    storage = intake_log()
    count = 0
    for submission in entries.order_by("received_at").iterator(chunk_size=500):
        try:
            with storage.open(submission.log_name, "rb") as handle:
                message = handle.read()
        except (OSError, FileNotFoundError):
            # The database holds the same ciphertext; the export stays complete.
            logger.warning(
                "log object of submission %s unreadable; using the stored copy", submission.pk
            )
            message = submission.ciphertext.encode("ascii")
        out.write(message)
        if not message.endswith(b"\n"):
            out.write(b"\n")
        count += 1
    return count
