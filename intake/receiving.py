"""Turning a visitor's post into a sealed, stored submission.

Every refusal is a `Refused` with the HTTP status and a sentence for the
visitor; nothing here ever logs or repeats a posted value.
"""

import codecs
import json
import logging
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent
from django.db import transaction
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone

from intake import sealing
from intake.documents import build_document
from intake.models import FormEndpoint, Submission

logger = logging.getLogger(__name__)

FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
JSON_TYPES = {"application/json"}
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
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "The request's Content-Length is not a number.")
    if length > limit:
        raise Refused(413, f"The submission is larger than this form accepts ({limit} bytes).")


def content_type_of(request):
    return (request.content_type or "").split(";")[0].strip().lower()


def check_content_type(request):
    kind = content_type_of(request)
    if kind not in FORM_TYPES | JSON_TYPES:
        raise Refused(
            415,
            "Submissions must be sent as a web form (urlencoded or multipart) or as JSON.",
        )


def _origin_host(request):
    origin = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER")
    if not origin or origin == "null":
        return None
    return (urlsplit(origin).hostname or "").lower()


def allowed_hosts(endpoint):
    hosts = {endpoint.domain.name, f"www.{endpoint.domain.name}"}
    hosts.update(urlsplit(o).hostname or o for o in endpoint.allowed_origins)
    return {h.lower() for h in hosts if h}


def check_origin(request, endpoint):
    """A browser names the page that posted; it must be one of the merchant's.

    Posts without an Origin or Referer (scripts, curl) are accepted: the check is
    against other sites embedding the form, not a secret.
    """
    host = _origin_host(request)
    if host is not None and host not in allowed_hosts(endpoint):
        raise Refused(403, "This form does not accept posts from that site.")


def check_rate(client_address, endpoint):
    limit = settings.INTAKE_RATE_LIMIT_PER_MINUTE
    if limit <= 0:
        return
    minute = int(timezone.now().timestamp() // 60)
    key = f"intake-rate:{endpoint.pk}:{client_address}:{minute}"
    cache.add(key, 0, timeout=90)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        count = 1
    if count > limit:
        raise Refused(429, "Too many submissions from your address. Please wait a minute.")


def _declared_charset(request):
    for param in request.META.get("CONTENT_TYPE", "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


def _read_urlencoded(request):
    """Parse an urlencoded body in the charset the page used.

    Pages served as Latin-1 post Latin-1 bodies without saying so, and Django
    refuses any body that is not UTF-8. When no charset is declared and the
    values are not UTF-8, they are read as Windows-1252 (a superset of Latin-1)
    rather than refused or mangled.
    """
    charset = _declared_charset(request)
    try:
        codec = codecs.lookup(charset).name if charset else None
    except LookupError:
        raise Refused(400, f"The submission's character set {charset!r} is unknown.")
    # Latin-1 maps every byte to one character, so this keeps the raw bytes.
    pairs = parse_qsl(
        request.body.decode("latin-1"),
        keep_blank_values=True,
        encoding="latin-1",
        max_num_fields=settings.INTAKE_MAX_FIELDS,
    )
    raw = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in pairs]
    for candidate in [codec] if codec else ["utf-8", "windows-1252"]:
        try:
            decoded = [(n.decode(candidate), v.decode(candidate)) for n, v in raw]
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Refused(400, f"The submission is not valid {codec} text.")
    fields = {}
    for name, value in decoded:
        fields.setdefault(name, []).append(value)
    return fields


def read_post(request, endpoint):
    """The posted fields (name -> list of values) and files, or Refused(400)."""
    kind = content_type_of(request)
    try:
        if kind in JSON_TYPES:
            fields, files = _read_json(request.body), []
        elif kind == "application/x-www-form-urlencoded":
            fields, files = _read_urlencoded(request), []
        else:
            fields, files = _read_multipart(request)
    except RequestDataTooBig:
        raise Refused(413, "The submission is larger than this form accepts.")
    except TooManyFieldsSent:
        raise Refused(400, "The submission has too many fields.")
    except (MultiPartParserError, UnicodeDecodeError, ValueError, BadRequest):
        raise Refused(400, "The submission could not be read: the body is malformed.")
    if len(fields) + len(files) > settings.INTAKE_MAX_FIELDS:
        raise Refused(400, "The submission has too many fields.")
    if not fields and not files:
        raise Refused(400, "The submission is empty: no fields were found in it.")
    return fields, files


def _read_multipart(request):
    fields = {name: list(values) for name, values in request.POST.lists()}
    files = [
        (field_name, upload.name, upload.content_type or "", upload.read())
        for field_name, uploads in request.FILES.lists()
        for upload in uploads
    ]
    return fields, files


def _read_json(body):
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Refused(400, "The submission could not be read: the JSON is malformed.")
    if not isinstance(data, dict):
        raise Refused(400, "The submission must be a JSON object of field names and values.")
    if len(data) > settings.INTAKE_MAX_FIELDS:
        raise Refused(400, "The submission has too many fields.")
    return {
        str(name): value if isinstance(value, list) else [value] for name, value in data.items()
    }


def is_honeypot_filled(fields):
    return any(str(v).strip() for v in fields.get(HONEYPOT_FIELD, []))


def without_control_fields(fields):
    return {k: v for k, v in fields.items() if not k.startswith(CONTROL_PREFIX)}


def accept(endpoint, *, fields, files, client_address):
    """Seal and store one submission, and queue its encryption after commit."""
    received_at = timezone.now()
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
        transaction.on_commit(lambda: queue(submission.pk))
    logger.info(
        "submission %s received for %s (%d bytes, %d files)",
        submission.pk,
        endpoint,
        len(document),
        len(files),
    )
    return submission


def queue(submission_id):
    """Hand a submission to the workers. If the broker is down the submission
    stays safely stored and the periodic sweep queues it later."""
    from intake.tasks import encrypt_and_deliver

    try:
        encrypt_and_deliver.apply_async(args=[str(submission_id)], retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker fault; the sweep recovers
        logger.warning(
            "submission %s stored but not queued (%s); the sweep will queue it",
            submission_id,
            type(exc).__name__,
        )
