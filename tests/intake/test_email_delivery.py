"""PGP/MIME delivery through a real SMTP server on loopback."""

import email
import email.policy
import json

from intake import pipeline, receiving
from tests.gpg import decrypt

MARKER = "marker-7f3c1a-Zoë"


def test_mail_is_pgp_mime_reveals_nothing_and_decrypts(mail_form, smtp_server, merchant_keypair):
    submission = receiving.accept(
        mail_form,
        fields={"name": [MARKER], "note": ["Subject: injected\r\nBcc: x@evil.example"]},
        files=[],
        client_address="192.0.2.7",
    )

    assert pipeline.process(submission.pk) == "delivered"

    [received] = smtp_server.messages
    raw = received.as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/encrypted"
    assert parsed.get_param("protocol") == "application/pgp-encrypted"
    control, payload = parsed.iter_parts()
    assert control.get_content_type() == "application/pgp-encrypted"
    assert control.get_content().strip() == b"Version: 1"
    assert payload.get_content_type() == "application/octet-stream"
    armored = payload.get_content()
    assert armored.startswith(b"-----BEGIN PGP MESSAGE-----")

    assert parsed["Subject"] == "Secure form submission: alices-teas.example/contact"
    assert parsed["Message-ID"] == f"<{submission.pk}@capepanel.invalid>"
    assert parsed["To"] == "orders@alices-teas.example"
    headers = "\n".join(f"{k}: {v}" for k, v in parsed.items())
    assert "marker-7f3c1a" not in headers
    assert "injected" not in headers and "evil" not in headers
    assert b"marker-7f3c1a" not in raw

    assert parsed.get_all("MIME-Version") == ["1.0"]
    # Decrypted, it is the MIME entity RFC 3156 asks for, holding the document.
    entity = email.message_from_bytes(
        decrypt(merchant_keypair, armored), policy=email.policy.default
    )
    assert entity.get_content_type() == "text/plain"
    assert entity.get_content_charset() == "utf-8"
    assert entity.get_filename() == f"submission-{submission.pk}.json"
    assert not entity.defects
    document = json.loads(entity.get_content())
    assert document["fields"]["name"] == [MARKER]
    assert document["fields"]["note"] == ["Subject: injected\r\nBcc: x@evil.example"]
