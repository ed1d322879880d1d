"""Reading a posted body into fields and files, in whatever charset it came.

Returns fields as {name: [values in posted order]} and files as
[(field name, file name, content type, bytes)]. Anything unreadable raises
Unreadable with a sentence for the visitor; nothing here repeats a value.
"""

import json
import math
import re
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
            return _read_json(request.body, declared_charset(request)), []
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
    fields = {}
    for name, value in pairs:
        # Each piece on its own, so one stray byte cannot garble the others.
        decoded = _decode(name.encode("latin-1"), charset)
        fields.setdefault(decoded, []).append(_decode(value.encode("latin-1"), charset))
    return fields


def _read_multipart(request):
    charset = declared_charset(request)
    boundary = _boundary(request)
    body = request.body
    if b"--" + boundary + b"--" not in body:
        # Django reads what arrived of a cut-off body and says nothing; a
        # visitor whose upload broke off should hear so, not lose part of it.
        raise Unreadable("The submission was cut off before its end; please send it again.")
    # Django decodes every part in one charset and drops, without a word, a
    # part whose headers do not decode; so the text parts are made UTF-8 here
    # first, each decoded on its own, and Django reads them as UTF-8.
    body, named_files = _text_parts_in_utf8(body, boundary, charset)
    parser = MultiPartParser(
        {**request.META, "CONTENT_LENGTH": str(len(body))},
        BytesIO(body),
        request.upload_handlers,
        "utf-8",
    )
    post, uploads = parser.parse()
    fields = {name: list(values) for name, values in post.lists()}
    files = [
        (field_name, upload.name or "", upload.content_type or "", upload.read())
        for field_name, field_uploads in uploads.lists()
        for upload in field_uploads
    ]
    if len(files) < named_files:
        # Django skips a file whose name it cannot make safe ("..", "dir/"),
        # and the visitor would never know; better to say so.
        raise Unreadable("A file in the submission has a name that cannot be used; rename it.")
    return fields, files


def _boundary(request):
    for param in (request.META.get("CONTENT_TYPE") or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "boundary":
            return value.strip().strip('"').encode("latin-1", "replace")
    raise Unreadable("The submission could not be read: the body is malformed.")


_NAMES_A_FILE = re.compile(r";\s*filename\*?\s*=", re.IGNORECASE)
# What browsers send for a file input left empty; Django skips it, rightly.
_EMPTY_FILE_NAME = re.compile(r';\s*filename\s*=\s*""', re.IGNORECASE)


def _text_parts_in_utf8(body, boundary, charset):
    """The body with each part's headers, and the contents of each part that
    is not a file, re-encoded from the page's charset to UTF-8 (file contents
    are bytes and stay as they are), and how many parts carry a named file."""
    named_files = 0
    segments = body.split(b"--" + boundary)
    # segments[0] is the preamble and segments[-1] the closing "--" and
    # epilogue; each one between is CRLF, headers, CRLF CRLF, content, CRLF.
    for index in range(1, len(segments) - 1):
        segment = segments[index]
        if not (segment.startswith(b"\r\n") and segment.endswith(b"\r\n")):
            continue
        headers, separator, content = segment[2:-2].partition(b"\r\n\r\n")
        if not separator:
            continue
        headers = _decode(headers, charset)
        if _NAMES_A_FILE.search(headers):
            named_files += 1 if _EMPTY_FILE_NAME.search(headers) is None else 0
        else:
            content = _decode(content, charset).encode("utf-8")
        segments[index] = b"\r\n" + headers.encode("utf-8") + separator + content + b"\r\n"
    return (b"--" + boundary).join(segments), named_files


def _refuse_constant(name):
    raise Unreadable(f"The JSON holds {name}, which is not a number a document can carry.")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise Unreadable("The JSON holds a number too large to carry.")
    return value


def _keep_repeated_names(pairs):
    """A JSON object naming a field twice keeps both values, as a form would."""
    merged = {}
    for name, value in pairs:
        if name in merged:
            merged[name] = _as_list(merged[name]) + _as_list(value)
        else:
            merged[name] = value
    return merged


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _read_json(body, charset=None):
    try:
        data = json.loads(
            body.decode(charset or "utf-8"),
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            object_pairs_hook=_keep_repeated_names,
        )
        # Lone surrogates parse but cannot be written as UTF-8 later.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError, json.JSONDecodeError, RecursionError):
        raise Unreadable("The submission could not be read: the JSON is malformed.")
    if not isinstance(data, dict):
        raise Unreadable("The submission must be a JSON object of field names and values.")
    if len(data) > settings.INTAKE_MAX_FIELDS:
        raise Unreadable("The submission has too many fields.")
    return {name: _as_list(value) for name, value in data.items()}
