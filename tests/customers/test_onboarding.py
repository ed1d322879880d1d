"""customers.onboarding: a new customer, its domains, and the owner's invitation."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import AuditEvent, Customer, Domain, Invitation, Membership
from customers.onboarding import invite, normalize_domain, onboard_customer


def onboard(django_capture_on_commit_callbacks, name="Bob's Bakery", **kwargs):
    kwargs.setdefault("domains", ["bobs-bakery.example"])
    kwargs.setdefault("email", "bob@bobs-bakery.example")
    with django_capture_on_commit_callbacks(execute=True):
        return onboard_customer(name, **kwargs)


def test_creates_customer_domains_and_owner_invitation(
    db, django_capture_on_commit_callbacks, settings
):
    settings.PUBLIC_BASE_URL = "https://panel.example.net"
    settings.INVITATION_VALID_DAYS = 7

    customer = onboard(
        django_capture_on_commit_callbacks,
        domains=[
            "Bobs-Bakery.example",
            "www.bobs-bakery.example.",
            "bobs-bakery.example",
        ],
    )

    assert customer.slug == "bobs-bakery"
    assert customer.contact_email == "bob@bobs-bakery.example"
    assert list(customer.domains.values_list("name", flat=True)) == [
        "bobs-bakery.example",
        "www.bobs-bakery.example",
    ]
    invitation = Invitation.objects.get(customer=customer)
    assert invitation.email == "bob@bobs-bakery.example"
    assert invitation.role == Membership.Role.OWNER
    assert len(invitation.token) >= 40
    assert invitation.expires_at - timezone.now() > timedelta(days=6, hours=23)
    assert invitation.is_open()

    [message] = mail.outbox
    assert message.to == ["bob@bobs-bakery.example"]
    assert message.subject == "Cape Panel: you are invited to manage Bob's Bakery"
    assert f"https://panel.example.net/invite/{invitation.token}/" in message.body
    assert "Bob's Bakery" in message.body  # plain text, not HTML-escaped
    assert "expires in 7 days" in message.body

    assert list(
        AuditEvent.objects.filter(customer=customer).order_by("pk").values_list("action", flat=True)
    ) == ["customer.onboarded", "invitation.sent"]


def test_the_invitation_is_mailed_only_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        onboard_customer(
            "Bob's Bakery",
            domains=["bobs-bakery.example"],
            email="bob@bobs-bakery.example",
        )

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_slugs_are_unique(db, django_capture_on_commit_callbacks):
    first = onboard(django_capture_on_commit_callbacks, domains=["one.example"])
    second = onboard(django_capture_on_commit_callbacks, domains=["two.example"])

    assert (first.slug, second.slug) == ("bobs-bakery", "bobs-bakery-2")


def test_a_name_without_latin_letters_still_gets_a_slug(db, django_capture_on_commit_callbacks):
    customer = onboard(django_capture_on_commit_callbacks, name="茶屋")

    assert customer.slug == "customer"


def test_international_domain_names_are_stored_as_punycode(db, django_capture_on_commit_callbacks):
    customer = onboard(django_capture_on_commit_callbacks, domains=["Bäckerei.example"])

    assert customer.domains.get().name == "xn--bckerei-5wa.example"


def test_a_domain_of_another_customer_is_refused_and_nothing_is_created(
    db, django_capture_on_commit_callbacks
):
    onboard(django_capture_on_commit_callbacks, domains=["bobs-bakery.example"])

    with pytest.raises(ValidationError) as caught:
        onboard(
            django_capture_on_commit_callbacks,
            name="Carol's Cakes",
            domains=["carols-cakes.example", "BOBS-BAKERY.example"],
            email="carol@carols-cakes.example",
        )

    assert caught.value.message_dict == {
        "domains": ["The domain bobs-bakery.example already belongs to another customer."]
    }
    assert not Customer.objects.filter(name="Carol's Cakes").exists()
    assert not Domain.objects.filter(name="carols-cakes.example").exists()
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "https://bobs-bakery.example/",
            (
                "“https://bobs-bakery.example/” is not a domain name. Give the name only, "
                "like shop.example.com, without https://, a path or a port."
            ),
        ),
        (
            "bobs-bakery.example:8080",
            (
                "“bobs-bakery.example:8080” is not a domain name. Give the name only, "
                "like shop.example.com, without https://, a path or a port."
            ),
        ),
        (
            "localhost",
            (
                "“localhost” is not a valid domain name: use letters, digits and hyphens, "
                "with at least one dot, like shop.example.com."
            ),
        ),
        (
            "bobs_bakery.example",
            (
                "“bobs_bakery.example” is not a valid domain name: use letters, digits "
                "and hyphens, with at least one dot, like shop.example.com."
            ),
        ),
        (
            "-bobs.example",
            (
                "“-bobs.example” is not a valid domain name: use letters, digits and "
                "hyphens, with at least one dot, like shop.example.com."
            ),
        ),
        (
            "192.168.0.1",
            (
                "“192.168.0.1” is not a valid domain name: use letters, digits and "
                "hyphens, with at least one dot, like shop.example.com."
            ),
        ),
        ("bobs..example", "“bobs..example” is not a valid domain name."),
        ("", "Enter a domain name."),
    ],
)
def test_bad_host_names_are_refused_in_plain_words(value, message):
    with pytest.raises(ValidationError) as caught:
        normalize_domain(value)

    assert caught.value.messages == [message]


def test_bad_input_is_reported_per_field(db):
    with pytest.raises(ValidationError) as caught:
        onboard_customer(" ", domains=[], email="bob at bakery")

    assert caught.value.message_dict == {
        "name": ["Enter the customer's name."],
        "email": ["“bob at bakery” is not a valid e-mail address."],
        "domains": ["Enter at least one domain name."],
    }
    assert not Customer.objects.exists()


def test_invite_a_read_only_member(alices_teas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(alices_teas, "Tom@Alices-Teas.example", "member")

    assert invitation.email == "Tom@alices-teas.example"
    assert invitation.role == "member"
    [message] = mail.outbox
    assert "with read-only access" in message.body
    assert AuditEvent.objects.filter(action="invitation.sent").get().detail == (
        f"invitation={invitation.pk} role=member"
    )


def test_inviting_someone_who_already_has_access_is_refused(alices_teas):
    with pytest.raises(ValidationError) as caught:
        invite(alices_teas, "alice@alices-teas.example", "owner")

    assert caught.value.message_dict == {
        "email": ["alice@alices-teas.example already has access to Alice's Teas."]
    }


def test_an_unknown_role_is_refused(alices_teas):
    with pytest.raises(ValidationError) as caught:
        invite(alices_teas, "tom@alices-teas.example", "admin")

    assert caught.value.message_dict == {"role": ["Choose owner or member."]}


def test_a_name_with_a_line_break_is_refused_before_it_reaches_a_mail_subject(db):
    with pytest.raises(ValidationError) as caught:
        onboard_customer(
            "Evil Shop\r\nBcc: attacker@evil.example",
            domains=["evil-shop.example"],
            email="owner@evil-shop.example",
        )

    assert caught.value.message_dict == {
        "name": ["Give the name on one line, without control characters."]
    }
    assert not Customer.objects.exists()
