"""Delivering encrypted submissions: into the merchant's log, or by e-mail.

Both are idempotent. A log object's name is fixed by the submission id and an
existing object is never written again; an e-mail's Message-ID is fixed by the
submission id, so a repeat after a crash is recognisable as the same message.
"""

import logging
from datetime import UTC
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.utils import formatdate

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import SafeMIMEMultipart

from intake.storage import intake_log

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """A delivery that may work if tried again later."""


def log_name(submission):
    endpoint = submission.endpoint
    day = submission.received_at.astimezone(UTC).strftime("%Y/%m/%d")
    return (
        f"{endpoint.customer.slug}/{endpoint.domain.name}/{endpoint.slug}/{day}/{submission.pk}.asc"
    )


def describe_failure(exc):
    """A description of a fault that is safe to store and show.

    Exception messages from storage libraries can carry connection details,
    passwords included, so only the kind of fault is kept, plus the operating
    system's own wording where there is one.
    """
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return type(exc).__name__


def write_log_entry(name, armored_message):
    """Store one armored message under `name`, once.

    An object already there is kept when it holds this very message (a repeat
    after a crash); one that differs was cut short by a crash while writing,
    and is written again.
    """
    storage = intake_log()
    content = armored_message.encode("ascii")
    try:
        if storage.exists(name):
            with storage.open(name, "rb") as existing:
                if existing.read() == content:
                    return name
            storage.delete(name)
        saved = storage.save(name, ContentFile(content))
        if saved != name:
            # The storage picked another name because one appeared meanwhile;
            # the copy is redundant, so it goes, and the entry counts as written.
            storage.delete(saved)
    except Exception as exc:  # noqa: BLE001 - each storage backend has its own errors
        raise DeliveryFailed(f"log storage refused the entry ({describe_failure(exc)})") from exc
    return name


class PGPMIMEMessage(EmailMessage):
    """An RFC 3156 multipart/encrypted message around one armored OpenPGP message.

    Only the subject, addresses, date and Message-ID are in the clear, and none
    of them comes from what the visitor posted.
    """

    def __init__(self, *, armored_message, message_id, **kwargs):
        super().__init__(**kwargs)
        self.armored_message = armored_message
        self.message_id = message_id

    def message(self, *, policy=None):
        # Django's multipart class, because its mail backends serialise with it.
        envelope = SafeMIMEMultipart(
            "encrypted", encoding=settings.DEFAULT_CHARSET, protocol="application/pgp-encrypted"
        )
        envelope.preamble = "This is an OpenPGP/MIME encrypted message (RFC 3156)."

        control = MIMEApplication("Version: 1\n", "pgp-encrypted", _encoder=_seven_bit)
        control["Content-Description"] = "PGP/MIME version identification"
        envelope.attach(control)

        payload = MIMEBase("application", "octet-stream", name="encrypted.asc")
        payload.set_payload(self.armored_message)
        payload["Content-Transfer-Encoding"] = "7bit"
        payload["Content-Description"] = "OpenPGP encrypted message"
        payload["Content-Disposition"] = 'inline; filename="encrypted.asc"'
        envelope.attach(payload)

        for value in [self.subject, self.from_email, self.message_id, *self.to]:
            if "\n" in value or "\r" in value:
                raise ValueError("a line break in a mail header")
        envelope["Subject"] = self.subject
        envelope["From"] = self.from_email
        envelope["To"] = ", ".join(self.to)
        envelope["Date"] = formatdate(localtime=False)
        envelope["Message-ID"] = self.message_id
        return envelope


def _seven_bit(part):
    part["Content-Transfer-Encoding"] = "7bit"


def message_id_for(submission_id):
    return f"<{submission_id}@{settings.INTAKE_MESSAGE_ID_DOMAIN}>"


def send_encrypted_email(*, recipients, armored_message, message_id, subject):
    message = PGPMIMEMessage(
        armored_message=armored_message,
        message_id=message_id,
        subject=subject,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(recipients),
        connection=get_connection(fail_silently=False),
    )
    try:
        message.send()
    except OSError as exc:  # smtplib's errors and socket errors alike
        raise DeliveryFailed(
            f"mail server refused or unreachable ({describe_failure(exc)})"
        ) from exc


def subject_for(endpoint, *, is_test=False):
    # The form's address, chosen by the merchant, never anything posted.
    kind = "Test message" if is_test else "Secure form submission"
    return f"{kind}: {endpoint.domain.name}/{endpoint.slug}"
