"""Reading a posted body into fields and files, in whatever charset it came.

Returns fields as {name: [values in posted order]} and files as
[(field name, file name, content type, bytes)]. Anything unreadable raises
Unreadable with a sentence for the visitor; nothing here repeats a value.
"""

import json
import math
from io import BytesIO
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http.multipartparser import MultiPartParser, MultiPartParserError

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"
# Tried in turn when a page does not say which charset it posts in: pages
# served as Latin-1 post Latin-1 without saying so, Windows-1252 is the
# superset of Latin-1 that browsers actually use for it, and Latin-1 itself
# reads any byte at all, so nothing posted is ever lost.
GUESSED_CHARSETS = ("utf-8", "windows-1252", "latin-1")


class Unreadable(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


def media_type(request):
    return (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()


def declared_charset(request):
    """The charset the Content-Type names, checked to be a text encoding."""
    for param in (request.META.get("CONTENT_TYPE") or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"'):
            charset = value.strip().strip('"')
            try:
                # Refuses base64, rot13 and other codecs that are not text.
                "".encode(charset)
            except LookupError:
                raise Unreadable(f"The character set {charset[:40]!r} is not one a form can use.")
            return charset
    return None


def _charset_for(pieces, charset):
    """The declared charset, or the first guess that reads every piece."""
    for candidate in [charset] if charset else GUESSED_CHARSETS:
        try:
            for piece in pieces:
                piece.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    raise Unreadable(f"The submission is not valid {charset} text.")


def _decode(raw, charset):
    return raw.decode(_charset_for([raw], charset))


def read(request):
    kind = media_type(request)
    try:
        if kind == JSON:
            return _read_json(request.body), []
        if kind == URLENCODED:
            return _read_urlencoded(request), []
        return _read_multipart(request)
    except RequestDataTooBig:
        raise Unreadable("The submission is larger than this form accepts.", status=413)
    except (TooManyFieldsSent, TooManyFilesSent):
        raise Unreadable("The submission has too many fields.")
    except (MultiPartParserError, UnicodeDecodeError, ValueError, BadRequest):
        raise Unreadable("The submission could not be read: the body is malformed.")


def _read_urlencoded(request):
    charset = declared_charset(request)
    # Django insists on UTF-8 here, so the body is parsed by hand: as Latin-1
    # first, which maps each byte to one character and so keeps the raw bytes.
    try:
        pairs = parse_qsl(
            request.body.decode("latin-1"),
            keep_blank_values=True,
            encoding="latin-1",
            max_num_fields=settings.INTAKE_MAX_FIELDS,
        )
    except ValueError:
        raise Unreadable("The submission has too many fields.")
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs]
    # One decision for the whole post: a page has one charset.
    chosen = _charset_for([piece for pair in raw for piece in pair], charset)
    fields = {}
    for name, value in raw:
        fields.setdefault(name.decode(chosen), []).append(value.decode(chosen))
    return fields


def _read_multipart(request):
    charset = declared_charset(request)
    body = request.body
    boundary = _boundary(request)
    if not body.rstrip(b"\r\n").endswith(b"--" + boundary + b"--"):
        # Django reads what arrived of a cut-off body and says nothing; a
        # visitor whose upload broke off should hear so, not lose part of it.
        raise Unreadable("The submission was cut off before its end; please send it again.")
    if charset is None:
        body = _headers_in_utf8(body, boundary)
    # As above: parsed as Latin-1 to keep the bytes, then decoded properly.
    parser = MultiPartParser(
        {**request.META, "CONTENT_LENGTH": str(len(body))},
        BytesIO(body),
        request.upload_handlers,
        charset or "latin-1",
    )
    post, uploads = parser.parse()

    def text(value):
        return value if charset else _decode(value.encode("latin-1"), None)

    fields = {text(name): [text(v) for v in values] for name, values in post.lists()}
    files = [
        (text(field_name), text(upload.name or ""), upload.content_type or "", upload.read())
        for field_name, field_uploads in uploads.lists()
        for upload in field_uploads
    ]
    return fields, files


def _boundary(request):
    for param in (request.META.get("CONTENT_TYPE") or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "boundary":
            return value.strip().strip('"').encode("latin-1", "replace")
    raise Unreadable("The submission could not be read: the body is malformed.")


def _headers_in_utf8(body, boundary):
    """Re-encode each part's headers from the page's charset to UTF-8.

    A page in Latin-1 names uploaded files in Latin-1, and Django drops a part
    whose headers are not UTF-8 without a word, which would lose the file.
    """
    delimiter = b"--" + boundary + b"\r\n"
    pieces = body.split(delimiter)
    for index, piece in enumerate(pieces[1:], start=1):
        headers, separator, rest = piece.partition(b"\r\n\r\n")
        if separator:
            pieces[index] = _decode(headers, None).encode("utf-8") + separator + rest
    return delimiter.join(pieces)


def _refuse_constant(name):
    raise Unreadable(f"The JSON holds {name}, which is not a number a document can carry.")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise Unreadable("The JSON holds a number too large to carry.")
    return value


def _read_json(body):
    try:
        data = json.loads(
            body.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float
        )
        # Lone surrogates parse but cannot be written as UTF-8 later.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError, json.JSONDecodeError, RecursionError):
        raise Unreadable("The submission could not be read: the JSON is malformed.")
    if not isinstance(data, dict):
        raise Unreadable("The submission must be a JSON object of field names and values.")
    if len(data) > settings.INTAKE_MAX_FIELDS:
        raise Unreadable("The submission has too many fields.")
    return {name: value if isinstance(value, list) else [value] for name, value in data.items()}
