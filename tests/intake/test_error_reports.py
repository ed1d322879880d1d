"""An error while handling a post reaches the operators without the post."""

from django.core import mail

from intake import receiving

MARKER = "report-marker-91c2"


def test_error_mail_for_a_failing_post_carries_no_posted_value(
    client, log_form, settings, monkeypatch
):
    settings.ADMINS = [("Operators", "ops@provider.example")]
    settings.DEBUG = False

    def fail(endpoint, *, fields, files, client_address):
        document_in_a_local = fields  # noqa: F841 - frames are reported with their locals
        raise RuntimeError("storage exploded")

    monkeypatch.setattr(receiving, "accept", fail)
    client.raise_request_exception = False

    response = client.post(
        "/f/alices-teas.example/order/",
        {"name": MARKER, "card": f"4111 {MARKER}"},
        QUERY_STRING="",
    )

    assert response.status_code == 500
    [report] = mail.outbox
    assert "storage exploded" in report.body
    assert report.to == ["ops@provider.example"]
    everything = (
        report.subject
        + report.body
        + "".join(str(content) for content, _ in getattr(report, "alternatives", []))
    )
    assert MARKER not in everything
