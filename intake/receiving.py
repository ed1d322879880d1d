"""Turning a visitor's post into a sealed, stored submission.

Every refusal is a `Refused` with the HTTP status and a sentence for the
visitor; nothing here ever logs or repeats a posted value.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from capepanel import counters
from intake import parsing, queueing, sealing
from intake.documents import build_document
from intake.models import FormEndpoint, Submission

logger = logging.getLogger(__name__)

ACCEPTED_TYPES = {parsing.URLENCODED, parsing.MULTIPART, parsing.JSON}
# Fields whose name starts with this are instructions to Cape Panel, not data.
CONTROL_PREFIX = "_cape_"
HONEYPOT_FIELD = "_cape_hp"


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def find_endpoint(domain, slug):
    endpoint = (
        FormEndpoint.objects.select_related("customer", "domain")
        .filter(domain__name=domain.lower(), slug=slug)
        .first()
    )
    if endpoint is None:
        raise Refused(404, "There is no form at this address.")
    if not endpoint.enabled:
        raise Refused(410, "This form no longer accepts submissions.")
    return endpoint


def check_can_encrypt(endpoint):
    # Nothing is accepted that could not be encrypted: the visitor hears now,
    # not the merchant days later.
    if endpoint.customer.active_key() is None:
        raise Refused(
            503,
            "This form cannot accept submissions at the moment. Please try again later.",
        )


def check_size(request, endpoint):
    limit = min(endpoint.max_bytes, settings.INTAKE_MAX_BODY_BYTES)
    declared = request.META.get("CONTENT_LENGTH")
    if not declared and request.META.get("HTTP_TRANSFER_ENCODING"):
        # A WSGI application cannot read a chunked body safely; browsers
        # always send a length for forms.
        raise Refused(411, "The submission must be sent with a Content-Length.")
    try:
        length = int(declared or 0)
    except ValueError:
        raise Refused(400, "The request's Content-Length is not a number.")
    if length > limit:
        raise Refused(
            413, f"The submission is larger than this form accepts ({filesizeformat(limit)})."
        )


def check_content_type(request):
    if parsing.media_type(request) not in ACCEPTED_TYPES:
        raise Refused(
            415,
            "Submissions must be sent as a web form (urlencoded or multipart) or as JSON.",
        )


def _host_of(url):
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return ""
    return (host or "").lower().rstrip(".")


def allowed_hosts(endpoint):
    hosts = {endpoint.domain.name, f"www.{endpoint.domain.name}"}
    hosts.update(_host_of(origin) for origin in endpoint.allowed_origins)
    return {host for host in hosts if host}


def check_origin(request, endpoint):
    """A browser names the page that posted; it must be one of the merchant's.

    Posts that name no page at all (scripts, curl) are accepted: the check is
    against other sites embedding the form, not a secret. A page that hides
    its origin ("null": sandboxed frames, local files) cannot be checked and
    is refused.
    """
    origin = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER")
    if not origin:
        return
    if _host_of(origin) not in allowed_hosts(endpoint):
        raise Refused(403, "This form does not accept posts from that site.")


def check_rate(client_address, endpoint):
    limit = settings.INTAKE_RATE_LIMIT_PER_MINUTE
    if limit <= 0:
        return
    count = counters.add_one("intake", f"{endpoint.pk}:{client_address}", 60)
    if count > limit:
        raise Refused(429, "Too many submissions from your address. Please wait a minute.")


def read_post(request):
    """The posted fields (name -> list of values) and files, or Refused."""
    try:
        fields, files = parsing.read(request)
    except parsing.Unreadable as unreadable:
        raise Refused(unreadable.status, unreadable.message)
    if len(fields) + len(files) > settings.INTAKE_MAX_FIELDS:
        raise Refused(400, "The submission has too many fields.")
    if not fields and not files:
        raise Refused(400, "The submission is empty: no fields were found in it.")
    return fields, files


def is_honeypot_filled(fields, files=()):
    """Whether the hidden field people never see was filled in: only text
    counts, since a script may send it as null, false or 0 when empty."""
    texts = [v for v in fields.get(HONEYPOT_FIELD, []) if isinstance(v, str)]
    uploads = [content for name, _, _, content in files if name == HONEYPOT_FIELD]
    return any(t.strip() for t in texts) or any(uploads)


def without_control_fields(fields):
    return {k: v for k, v in fields.items() if not k.startswith(CONTROL_PREFIX)}


def without_control_files(files):
    return [f for f in files if not f[0].startswith(CONTROL_PREFIX)]


def accept(endpoint, *, fields, files, client_address):
    """Seal and store one submission, and queue its encryption after commit."""
    received_at = timezone.now()
    files = without_control_files(files)
    submission = Submission(endpoint=endpoint, received_at=received_at, due_at=received_at)
    document = build_document(
        submission_id=submission.id,
        endpoint=endpoint,
        received_at=received_at,
        client_address=client_address,
        fields=without_control_fields(fields),
        files=files,
    )
    submission.sealed = sealing.seal(document)
    submission.size_bytes = len(document)
    with transaction.atomic():
        submission.save(force_insert=True)
        transaction.on_commit(lambda: queueing.queue_submission(submission.pk))
    logger.info(
        "submission %s received for %s (%d bytes, %d files)",
        submission.pk,
        endpoint,
        len(document),
        len(files),
    )
    return submission
