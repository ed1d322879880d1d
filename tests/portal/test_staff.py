"""Staff pages: the customer list, onboarding, a customer, the audit log."""

import re

from django.core import mail
from django.urls import reverse

from customers.models import AuditEvent, Customer, Invitation
from tests.portal.conftest import make_submission


def test_customer_list_and_search(client, sam, alices_teas, bobs_bakery):
    client.force_login(sam)
    url = reverse("portal:staff_customers")

    everyone = client.get(url)
    by_domain = client.get(url, {"q": "bobs-bakery.exam"})
    nobody = client.get(url, {"q": "zebra"})

    assert b"Alice&#x27;s Teas" in everyone.content
    assert b"Bob&#x27;s Bakery" in everyone.content
    assert b"Alice&#x27;s Teas" not in by_domain.content
    assert b"Bob&#x27;s Bakery" in by_domain.content
    assert "No customer matches “zebra”".encode() in nobody.content


def test_empty_customer_list_points_to_onboarding(client, sam):
    client.force_login(sam)
    response = client.get(reverse("portal:staff_customers"))
    assert b"Onboard the first one" in response.content


def test_onboarding_sends_the_owner_an_invitation(
    client, sam, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://panel.provider.example"
    client.force_login(sam)
    assert client.get(reverse("portal:staff_onboard")).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:staff_onboard"),
            {
                "name": "Carol's Cakes",
                "domains": "carols-cakes.example\nwww.carols-cakes.example",
                "email": "carol@carols-cakes.example",
            },
        )

    customer = Customer.objects.get(name="Carol's Cakes")
    assert response["Location"] == reverse("portal:staff_customer", args=[customer.slug])
    assert sorted(customer.domains.values_list("name", flat=True)) == [
        "carols-cakes.example",
        "www.carols-cakes.example",
    ]
    invitation = Invitation.objects.get(customer=customer)
    assert invitation.email == "carol@carols-cakes.example"
    (message,) = mail.outbox
    link = f"https://panel.provider.example/invite/{invitation.token}/"
    assert link in message.body
    path = re.search(r"https://panel\.provider\.example(/invite/\S+/)", message.body)
    assert path.group(1) == reverse("portal:invitation", args=[invitation.token])


def test_onboarding_errors_are_shown_by_field(client, sam, alices_teas):
    client.force_login(sam)
    response = client.post(
        reverse("portal:staff_onboard"),
        {"name": "Copycat", "domains": "alices-teas.example", "email": "not-mail"},
    )
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content
    assert not Customer.objects.filter(name="Copycat").exists()

    taken = client.post(
        reverse("portal:staff_onboard"),
        {"name": "Copycat", "domains": "alices-teas.example", "email": "c@c.example"},
    )
    assert taken.status_code == 400
    assert b"already belongs to another customer" in taken.content


def test_customer_page_shows_keys_forms_counts_and_problems(client, sam, alice_form, alice_key):
    failed = make_submission(alice_form, "failed", last_error="timed out")
    held = make_submission(alice_form, "held")
    make_submission(alice_form, "delivered")
    client.force_login(sam)

    response = client.get(reverse("portal:staff_customer", args=["alices-teas"]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "alices-teas.example" in content
    assert alice_key.fingerprint[:4] + " " + alice_key.fingerprint[4:8] in content
    assert "/f/alices-teas.example/contact/" in content
    assert f'id="submission-{failed.pk}"' in content
    assert f'id="submission-{held.pk}"' in content
    assert 'id="count-delivered">1<' in content
    assert "timed out" in content


def test_staff_redeliver_a_failed_submission(client, sam, alice_form):
    failed = make_submission(alice_form, "failed")
    client.force_login(sam)

    response = client.post(reverse("portal:staff_redeliver", args=[failed.pk]))

    assert response["Location"] == reverse("portal:staff_customer", args=["alices-teas"])
    failed.refresh_from_db()
    assert failed.status == "received"
    event = AuditEvent.objects.get(action="submission.redelivered")
    assert event.actor == sam


def test_staff_invite_someone_else(client, sam, alices_teas):
    client.force_login(sam)
    client.post(
        reverse("portal:staff_invite", args=["alices-teas"]),
        {"email": "amy@alices-teas.example", "role": "member"},
    )
    assert Invitation.objects.get(customer=alices_teas).role == "member"


def test_audit_log_of_all_customers(client, sam, alices_teas, bobs_bakery):
    client.force_login(sam)
    response = client.get(reverse("portal:staff_audit"))
    assert response.status_code == 200
    assert response.content.count(b"key.added") == 2

    assert b"of all customers" in response.content

    filtered = client.get(reverse("portal:staff_audit"), {"customer": "bobs-bakery"})
    assert filtered.content.count(b"key.added") == 1
    content = filtered.content.decode()
    assert "<h1>Audit log · Bob&#x27;s Bakery</h1>" in content
    assert "Security-relevant actions concerning" in content
    assert "of all customers" not in content
    assert "Show all customers" in content


def test_audit_log_of_an_unknown_customer_says_so(client, sam, alices_teas):
    client.force_login(sam)
    response = client.get(reverse("portal:staff_audit"), {"customer": "nobody"})
    assert b"No customer has the slug" in response.content
    assert b"key.added" not in response.content
