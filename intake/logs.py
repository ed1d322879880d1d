"""Reading a merchant's encrypted log: listing entries and exporting a range.

Nothing here decrypts: the export is the armored messages one after another,
which `gpg --decrypt` reads in turn on the merchant's own machine.
"""

import logging
from datetime import UTC, date, datetime, time, timedelta

from intake.models import Submission
from intake.storage import intake_log

logger = logging.getLogger(__name__)


def _start_of(day):
    # Days are UTC days, as in the log's folder names (intake.delivery.log_name).
    return datetime.combine(day, time.min, tzinfo=UTC)


def entries(customer, *, form=None, since=None, until=None):
    """Delivered log entries, newest first. since/until are UTC dates, inclusive."""
    queryset = Submission.objects.filter(
        endpoint__customer=customer, status=Submission.Status.DELIVERED
    ).exclude(log_name="")
    if form is not None:
        queryset = queryset.filter(endpoint=form)
    if since is not None:
        queryset = queryset.filter(received_at__gte=_start_of(since))
    if until is not None and until < date.max:  # the last day there is has no end
        queryset = queryset.filter(received_at__lt=_start_of(until + timedelta(days=1)))
    return queryset.select_related("endpoint__domain").order_by("-received_at")


def messages(entries):
    """Each entry's armored message as bytes, oldest first, read one at a time
    so that an export of thousands of entries never sits in memory whole."""
    storage = intake_log()
    for submission in entries.order_by("received_at").iterator(chunk_size=500):
        try:
            with storage.open(submission.log_name, "rb") as handle:
                message = handle.read()
        except Exception:  # noqa: BLE001 - any storage fault; the copy below is the same
            # The database holds the same ciphertext; the export stays complete.
            logger.warning(
                "log object of submission %s unreadable; using the stored copy", submission.pk
            )
            message = submission.ciphertext.encode("ascii")
        yield message if message.endswith(b"\n") else message + b"\n"


def write_range(out, entries):
    """Write each entry's armored message to `out` (binary), oldest first.
    Returns how many were written."""
    count = 0
    for message in messages(entries):
        out.write(message)
        count += 1
    return count
