"""The log page: entries by date, filters, pagination, and the download."""

from datetime import UTC, datetime, timedelta

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from customers.models import AuditEvent
from intake.endpoints import create_endpoint
from intake.models import Submission
from tests.portal.conftest import make_submission

LOG = reverse("portal:log", args=["alices-teas"])
DOWNLOAD = reverse("portal:log_download", args=["alices-teas"])


def message(text):
    return f"-----BEGIN PGP MESSAGE-----\n\n{text}\n-----END PGP MESSAGE-----\n"


def test_empty_log_says_what_to_do(client, alice, alice_form):
    client.force_login(alice)
    response = client.get(LOG)
    assert response.status_code == 200
    assert b"Posts to your forms appear here" in response.content


def test_log_page_explains_how_to_decrypt_several_entries(client, amy, alice_form):
    """GnuPG 2.2 decrypts only the first of concatenated messages: split first."""
    client.force_login(amy)
    content = client.get(LOG).content.decode()
    assert "csplit -z -s -f entry- export.asc" in content
    assert 'for f in entry-*; do gpg --decrypt "$f"; done' in content
    assert "--allow-multiple-messages" in content
    assert "run <code" not in content  # the old advice: one gpg --decrypt on the whole file


def test_entries_show_status_and_key_fingerprint(client, amy, alice_form):
    make_submission(alice_form, "delivered", key_fingerprint="ABCD1234" * 5)
    client.force_login(amy)
    response = client.get(LOG)
    assert b"ABCD 1234 ABCD 1234" in response.content
    assert b"Delivered" in response.content


def test_log_times_are_utc_and_say_so(client, amy, alice_form, settings):
    settings.TIME_ZONE = "Pacific/Auckland"  # a panel set to another zone still shows UTC
    at = datetime(2026, 3, 1, 23, 30, 5, tzinfo=UTC)
    entry = make_submission(alice_form, "delivered")
    held = make_submission(alice_form, "held")
    Submission.objects.filter(pk__in=[entry.pk, held.pk]).update(received_at=at)
    client.force_login(amy)

    content = client.get(LOG, {"since": "2026-03-01", "until": "2026-03-01"}).content.decode()

    assert "Sunday 1 March 2026" in content
    assert ">23:30:05 UTC<" in content
    assert ">2026-03-01 23:30 UTC<" in content  # the held submission above
    assert "From (UTC)" in content and "To (UTC)" in content


def test_thousands_of_entries_are_paginated(client, alice, alice_form):
    now = timezone.now()
    Submission.objects.bulk_create(
        Submission(
            endpoint=alice_form,
            status="delivered",
            log_name=f"x/{i}.asc",
            received_at=now - timedelta(minutes=i),
        )
        for i in range(2000)
    )
    client.force_login(alice)

    first = client.get(LOG)
    last = client.get(LOG, {"page": 40})

    assert b"2000 entries" in first.content
    assert b"Page 1 of 40" in first.content
    assert b"Page 40 of 40" in last.content
    assert first.content.count(b'id="entry-') == 50


def test_filter_by_form_and_dates(client, alice, alice_form):
    other = create_endpoint(
        alice_form.customer, domain=alice_form.domain, slug="other", delivery="log"
    )
    old = make_submission(alice_form, "delivered", ago=timedelta(days=10))
    new = make_submission(alice_form, "delivered")
    elsewhere = make_submission(other, "delivered")
    client.force_login(alice)
    today = timezone.localdate()

    response = client.get(
        LOG,
        {
            "form": alice_form.pk,
            "since": (today - timedelta(days=1)).isoformat(),
            "until": today.isoformat(),
        },
    )

    assert f'id="entry-{new.pk}"'.encode() in response.content
    assert f'id="entry-{old.pk}"'.encode() not in response.content
    assert f'id="entry-{elsewhere.pk}"'.encode() not in response.content


def test_the_filter_offers_only_forms_that_keep_a_log(client, alice, alice_form):
    customer = alice_form.customer
    mailed = create_endpoint(
        customer,
        domain=alice_form.domain,
        slug="mailed",
        delivery="email",
        recipients=["shop@alices-teas.example"],
    )
    switched = create_endpoint(customer, domain=alice_form.domain, slug="switched", delivery="log")
    make_submission(switched, "delivered")
    switched.delivery = "email"
    switched.recipients = ["shop@alices-teas.example"]
    switched.save()
    client.force_login(alice)

    response = client.get(LOG)

    content = response.content.decode()
    assert f'<option value="{alice_form.pk}">' in content
    assert f'<option value="{switched.pk}">' in content  # its earlier entries are in the log
    assert f'<option value="{mailed.pk}">' not in content
    assert "are not kept in the log" in content
    assert client.get(LOG, {"form": mailed.pk}).status_code == 400


def test_the_log_says_nothing_of_e_mail_when_no_form_uses_it(client, alice, alice_form):
    client.force_login(alice)
    assert b"not kept in the log" not in client.get(LOG).content


def test_dates_the_wrong_way_round_are_explained(client, alice, alice_form):
    client.force_login(alice)
    response = client.get(LOG, {"since": "2026-02-01", "until": "2026-01-01"})
    assert response.status_code == 400
    assert b"start date is after the end date" in response.content


def test_download_is_the_armored_messages_of_the_range(client, amy, alice_form):
    make_submission(alice_form, "delivered", ciphertext=message("first"))
    make_submission(alice_form, "delivered", ciphertext=message("second"))
    make_submission(alice_form, "failed")
    client.force_login(amy)
    today = timezone.localdate().isoformat()

    response = client.get(DOWNLOAD, {"since": today, "until": today})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pgp-encrypted"
    assert f"alices-teas-{today}-{today}.asc" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert body.count("-----BEGIN PGP MESSAGE-----") == 2
    assert body.index("first") < body.index("second")
    event = AuditEvent.objects.get(action="log.downloaded")
    assert event.actor == amy
    assert event.detail.startswith("2 entries")


def test_download_of_an_empty_range_goes_back_with_a_message(client, alice, alice_form):
    client.force_login(alice)
    response = client.get(DOWNLOAD, follow=True)
    assert response.redirect_chain == [(LOG, 302)]
    assert b"no log entries in that range" in response.content
    assert not AuditEvent.objects.filter(action="log.downloaded").exists()


def test_download_of_an_empty_range_keeps_the_filter(client, alice, alice_form):
    client.force_login(alice)
    query = {"form": str(alice_form.pk), "since": "2026-01-01", "until": "2026-01-31"}

    response = client.get(DOWNLOAD, query, follow=True)

    [(url, status)] = response.redirect_chain
    assert status == 302
    assert url.startswith(LOG + "?")
    assert QueryDict(url.split("?", 1)[1]).dict() == query
    content = response.content.decode()
    assert 'value="2026-01-01"' in content and 'value="2026-01-31"' in content
    assert f'<option value="{alice_form.pk}" selected>' in content
    assert "no log entries in that range" in content


def test_download_with_dates_the_wrong_way_round_shows_the_filter_error(client, alice):
    client.force_login(alice)
    response = client.get(DOWNLOAD, {"since": "2026-02-01", "until": "2026-01-01"}, follow=True)
    assert response.redirect_chain[0][0] == LOG + "?since=2026-02-01&until=2026-01-01"
    assert response.content.count(b"start date is after the end date") == 1


def test_failed_and_held_submissions_can_be_sent_again(client, alice, alice_form):
    failed = make_submission(alice_form, "failed", last_error="SMTP refused")
    client.force_login(alice)

    page = client.get(LOG)
    assert b"Needing attention" in page.content
    assert b"SMTP refused" in page.content

    response = client.post(
        reverse("portal:redeliver", args=["alices-teas", failed.pk]), follow=True
    )

    assert b"queued for delivery again" in response.content
    failed.refresh_from_db()
    assert failed.status == "received"
    assert AuditEvent.objects.filter(action="submission.redelivered", actor=alice).exists()


def test_log_until_the_last_day_there_is_is_not_an_error(client, alice):
    """An end date of 9999-12-31 once overflowed the date arithmetic."""
    client.force_login(alice)
    page = client.get("/c/alices-teas/log/", {"until": "9999-12-31"})
    download = client.get("/c/alices-teas/log/download/", {"until": "9999-12-31"})
    assert page.status_code == 200
    assert download.status_code == 302  # nothing in range yet: back to the log, in words


def test_delivering_again_a_delivered_submission_says_why_not(client, alice, alice_form):
    delivered = make_submission(alice_form, "delivered")
    client.force_login(alice)

    response = client.post(
        reverse("portal:redeliver", args=["alices-teas", delivered.pk]), follow=True
    )

    assert b"only failed or held submissions can be delivered again" in response.content
    assert b"queued for delivery again" not in response.content
