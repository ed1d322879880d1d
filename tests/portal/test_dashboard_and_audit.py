"""The merchant dashboard, the audit pages, and the admin."""

import uuid
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from customers.models import AuditEvent
from tests.portal.conftest import make_submission

DASHBOARD = reverse("portal:dashboard", args=["alices-teas"])


def test_dashboard_shows_forms_key_and_counts(client, amy, alice_form, alice_key):
    make_submission(alice_form, "delivered")
    make_submission(alice_form, "failed")
    make_submission(alice_form, "delivered", ago=timedelta(days=40))
    client.force_login(amy)

    response = client.get(DASHBOARD)

    content = response.content.decode()
    assert response.status_code == 200
    assert "/f/alices-teas.example/contact/" in content
    assert alice_key.fingerprint[:4] in content
    assert 'id="count-delivered">1<' in content
    assert 'id="count-failed">1<' in content
    assert 'id="key-warning"' not in content


def test_dashboard_warns_when_no_key_is_usable(client, alice, alices_teas):
    alices_teas.public_keys.update(status="retired")
    client.force_login(alice)
    response = client.get(DASHBOARD)
    assert b'id="key-warning"' in response.content
    assert b"no usable key" in response.content


def test_without_a_usable_key_forms_show_that_they_refuse_posts(client, amy, alice_form):
    """Not a green "On" while every post is refused for want of a key."""
    client.force_login(amy)
    forms_page = reverse("portal:forms", args=["alices-teas"])
    for url in (DASHBOARD, forms_page):
        assert b'<span class="badge ok">On</span>' in client.get(url).content

    alice_form.customer.public_keys.update(status="retired")

    for url in (DASHBOARD, forms_page):
        content = client.get(url).content
        assert b"Refusing posts: no key" in content
        assert b'<span class="badge ok">On</span>' not in content


def test_dashboard_warns_when_the_key_expires_within_30_days(client, alice, alices_teas):
    alices_teas.public_keys.update(expires_at=timezone.now() + timedelta(days=12, hours=1))
    client.force_login(alice)
    response = client.get(DASHBOARD)
    assert b"Your key expires in 12 days" in response.content


def test_dashboard_without_forms_says_what_to_do(client, alice):
    client.force_login(alice)
    response = client.get(DASHBOARD)
    assert b"Create a form" in response.content


def test_owner_sees_their_own_audit_log_only(client, alice, bobs_bakery):
    client.force_login(alice)
    response = client.get(reverse("portal:audit", args=["alices-teas"]))
    assert response.status_code == 200
    assert b"key.added" in response.content
    bobs = AuditEvent.objects.get(customer=bobs_bakery, action="key.added")
    assert bobs.detail.encode() not in response.content


def test_audit_records_never_hold_form_contents(client, alice, alice_form):
    marker = f"marker-{uuid.uuid4()}"
    posted = client.post(
        "/f/alices-teas.example/contact/",
        {"message": marker, "email": f"{marker}@example.com"},
        HTTP_ORIGIN="https://alices-teas.example",
    )
    assert posted.status_code == 303
    submission = alice_form.submissions.get()
    submission.status = "failed"
    submission.save()
    client.force_login(alice)

    pages = [
        client.get(DASHBOARD),
        client.get(reverse("portal:log", args=["alices-teas"])),
        client.post(reverse("portal:redeliver", args=["alices-teas", submission.pk])),
        client.get(reverse("portal:audit", args=["alices-teas"])),
    ]

    assert all(marker.encode() not in page.content for page in pages)
    details = " ".join(AuditEvent.objects.values_list("detail", flat=True))
    assert "submission.redelivered" in AuditEvent.objects.values_list("action", flat=True)
    assert marker not in details


def test_admin_never_shows_submission_contents(client, db, alice_form):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root@provider.example", password="x")
    submission = make_submission(
        alice_form, "delivered", ciphertext="SECRET-CIPHERTEXT", sealed=b"SECRET-SEALED"
    )
    client.force_login(admin)

    page = client.get(reverse("admin:intake_submission_change", args=[submission.pk]))
    listing = client.get(reverse("admin:intake_submission_changelist"))

    assert page.status_code == 200
    for response in (page, listing):
        assert b"SECRET-CIPHERTEXT" not in response.content
        assert b"SECRET-SEALED" not in response.content
    # Read-only: no save button.
    assert b'name="_save"' not in page.content


def test_admin_pages_render(client, db, alice_form):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root@provider.example", password="x")
    client.force_login(admin)
    key = alice_form.customer.public_keys.get()
    for url in [
        reverse("admin:customers_customer_changelist"),
        reverse("admin:customers_customer_change", args=[alice_form.customer.pk]),
        reverse("admin:customers_publickey_change", args=[key.pk]),
        reverse("admin:customers_auditevent_changelist"),
        reverse("admin:customers_invitation_changelist"),
        reverse("admin:intake_formendpoint_change", args=[alice_form.pk]),
    ]:
        assert client.get(url).status_code == 200, url


def test_the_public_thank_you_page_stands_alone(client, db):
    response = client.get("/f/thanks/")
    assert response.status_code == 200
    assert b'<h1 id="thanks">Thank you</h1>' in response.content
    assert b"Sign out" not in response.content
