"""The plaintext document a merchant reads after decrypting a submission.

It is indented UTF-8 JSON (see docs/submission-format.md) so that it is both
readable by a person in a text editor and easy to load into a program.
"""

import base64
import email.policy
import json
from email.mime.text import MIMEText

FORMAT_VERSION = 1


def build_document(*, submission_id, endpoint, received_at, client_address, fields, files):
    """fields maps each field name to the list of its values, in posted order;
    files is a list of (field name, file name, content type, bytes)."""
    document = {
        "format": "cape-panel-submission",
        "version": FORMAT_VERSION,
        "submission": str(submission_id),
        "customer": endpoint.customer.slug,
        "domain": endpoint.domain.name,
        "form": endpoint.slug,
        "received_at": received_at.isoformat(),
        "client_address": client_address,
        "fields": fields,
        "files": [
            {
                "field": field_name,
                "filename": file_name,
                "content_type": content_type,
                "size": len(content),
                "content_base64": base64.b64encode(content).decode("ascii"),
            }
            for field_name, file_name, content_type, content in files
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def build_test_document(*, customer, target, sent_at):
    """A document that carries no visitor data, for the "send me a test" action."""
    document = {
        "format": "cape-panel-test",
        "version": FORMAT_VERSION,
        "customer": customer.slug,
        "target": target,
        "sent_at": sent_at.isoformat(),
        "message": "If you can read this, your private key decrypts what Cape Panel "
        "encrypts for you.",
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def as_mime_entity(document, *, submission_id):
    """The document as the MIME entity RFC 3156 wants inside an encrypted
    e-mail, so that mail clients show it once decrypted: UTF-8 text,
    base64-encoded, named for saving."""
    part = MIMEText(document.decode("utf-8"), "plain", "utf-8")
    part["Content-Disposition"] = f'inline; filename="submission-{submission_id}.json"'
    return part.as_bytes(policy=email.policy.SMTP)
