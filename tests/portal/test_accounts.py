"""Signing in and out, passwords, and invitation links."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from customers.models import AuditEvent, Invitation, Membership
from tests.portal.conftest import PASSWORD

NEW_PASSWORD = "a quiet kettle by the window"


def make_invitation(customer, email="carol@alices-teas.example", **fields):
    fields.setdefault("expires_at", timezone.now() + timedelta(days=7))
    return Invitation.objects.create(
        customer=customer, email=email, token=f"token-{email}", **fields
    )


def test_home_sends_visitors_to_sign_in(client, db):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login")


def test_login_page_renders(client, db):
    response = client.get(reverse("portal:login"))
    assert response.status_code == 200
    assert b'id="login-form"' in response.content


def test_merchant_signs_in_to_their_dashboard_and_it_is_audited(client, alice):
    response = client.post(
        reverse("portal:login"),
        {"username": alice.username, "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("portal:dashboard", args=["alices-teas"])
    event = AuditEvent.objects.get(action="login")
    assert event.actor == alice
    assert event.customer.slug == "alices-teas"


def test_staff_land_on_the_customer_list(client, sam):
    client.force_login(sam)
    response = client.get(reverse("portal:home"))
    assert response["Location"] == reverse("portal:staff_customers")


def test_staff_choosing_a_customer_go_to_the_customer_list(client, sam):
    """Staff have no memberships; "Ask your provider" is not for them."""
    client.force_login(sam)
    response = client.get(reverse("portal:choose_customer"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:staff_customers")


def test_wrong_password_is_explained_and_not_audited(client, alice):
    response = client.post(
        reverse("portal:login"), {"username": alice.username, "password": "nope"}
    )
    assert response.status_code == 200
    assert b"do not match an account" in response.content
    assert not AuditEvent.objects.filter(action="login").exists()


def test_logout_needs_a_post(client, alice):
    client.force_login(alice)
    assert client.get(reverse("portal:logout")).status_code == 405
    response = client.post(reverse("portal:logout"))
    assert response["Location"] == reverse("portal:login")
    assert "_auth_user_id" not in client.session


def test_password_change(client, alice):
    client.force_login(alice)
    assert client.get(reverse("portal:password_change")).status_code == 200
    response = client.post(
        reverse("portal:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_password_reset_mails_a_link_on_the_public_address(client, alice, settings):
    settings.PUBLIC_BASE_URL = "https://panel.provider.example"
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    response = client.post(
        reverse("portal:password_reset"),
        {"email": alice.email},
        HTTP_HOST="other.example",
    )
    assert response["Location"] == reverse("portal:password_reset_sent")
    (message,) = mail.outbox
    link = re.search(r"https://panel\.provider\.example(/\S+)", message.body).group(1)
    assert "other.example" not in message.body

    page = client.get(link, follow=True)
    assert b'id="password-reset-confirm-form"' in page.content
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("portal:login")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_password_reset_field_is_labelled_e_mail(client, db):
    content = client.get(reverse("portal:password_reset")).content.decode()
    assert '<label for="id_email">E-mail</label>' in content


def test_password_reset_for_unknown_address_says_the_same(client, db):
    response = client.post(reverse("portal:password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("portal:password_reset_sent")
    assert mail.outbox == []


class TestInvitation:
    def test_new_owner_sets_a_password_once(self, client, alices_teas):
        invitation = make_invitation(alices_teas, role="owner")
        url = reverse("portal:invitation", args=[invitation.token])

        page = client.get(url)
        assert page.status_code == 200
        assert b"carol@alices-teas.example" in page.content

        response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

        assert response["Location"] == reverse("portal:dashboard", args=["alices-teas"])
        user = get_user_model().objects.get(username="carol@alices-teas.example")
        assert user.check_password(NEW_PASSWORD)
        assert user.email == "carol@alices-teas.example"
        membership = Membership.objects.get(user=user)
        assert (membership.customer, membership.role) == (alices_teas, "owner")
        invitation.refresh_from_db()
        assert invitation.accepted_at is not None
        event = AuditEvent.objects.get(action="invitation.accepted")
        assert (event.actor, event.customer) == (user, alices_teas)
        # Signed in straight away.
        assert client.get(response["Location"]).status_code == 200

    def test_member_invitation_gives_a_read_only_membership(self, client, alices_teas):
        invitation = make_invitation(alices_teas, role="member")
        client.post(
            reverse("portal:invitation", args=[invitation.token]),
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert Membership.objects.get(customer=alices_teas).role == "member"

    def test_a_used_link_does_not_work_again(self, client, alices_teas):
        invitation = make_invitation(alices_teas)
        url = reverse("portal:invitation", args=[invitation.token])
        data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        client.post(url, data)
        client.logout()

        again = client.post(url, {**data, "new_password1": "x" + NEW_PASSWORD})

        assert again.status_code == 410
        assert b"no longer works" in again.content
        assert b"used already" in again.content
        assert b">sign in</a> with your e-mail" in again.content
        assert get_user_model().objects.count() == 1

    def test_a_used_link_opened_while_signed_in_points_to_the_dashboard(self, client, alices_teas):
        invitation = make_invitation(alices_teas)
        url = reverse("portal:invitation", args=[invitation.token])
        client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

        again = client.get(url)  # still signed in from accepting it

        assert again.status_code == 410
        content = again.content.decode()
        assert "go to your dashboard" in content
        assert 'id="invitation-home"' in content
        assert "sign in" not in content.lower()

    def test_an_expired_link_is_refused(self, client, alices_teas):
        invitation = make_invitation(alices_teas, expires_at=timezone.now() - timedelta(minutes=1))
        url = reverse("portal:invitation", args=[invitation.token])
        for response in (
            client.get(url),
            client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}),
        ):
            assert response.status_code == 410
            assert b"expired" in response.content
        assert not get_user_model().objects.exists()

    def test_an_unknown_token_is_not_found(self, client, db):
        response = client.get(reverse("portal:invitation", args=["no-such-token"]))
        assert response.status_code == 404
        assert b"no longer works" in response.content

    def test_weak_passwords_are_refused_in_plain_words(self, client, alices_teas):
        invitation = make_invitation(alices_teas)
        response = client.post(
            reverse("portal:invitation", args=[invitation.token]),
            {"new_password1": "123", "new_password2": "123"},
        )
        assert response.status_code == 200
        assert b"too short" in response.content
        invitation.refresh_from_db()
        assert invitation.accepted_at is None

    def test_someone_with_an_account_signs_in_then_accepts(self, client, alice, bobs_bakery):
        invitation = make_invitation(bobs_bakery, email=alice.email, role="member")
        url = reverse("portal:invitation", args=[invitation.token])

        anonymous = client.get(url)
        assert b"already an account" in anonymous.content
        assert client.post(url).status_code == 200
        assert not Membership.objects.filter(customer=bobs_bakery).exists()

        client.force_login(alice)
        response = client.post(url)

        assert response["Location"] == reverse("portal:dashboard", args=["bobs-bakery"])
        assert Membership.objects.get(customer=bobs_bakery, user=alice).role == "member"

    def test_an_operators_address_joins_the_operators_own_account(self, client, alices_teas):
        """An operator made with createsuperuser has a username of their own;
        an invitation to their address must not make a second account with it."""
        sam = get_user_model().objects.create_superuser("sam", "sam@provider.example", PASSWORD)
        invitation = make_invitation(alices_teas, email=sam.email.upper(), role="member")
        url = reverse("portal:invitation", args=[invitation.token])

        assert b"already an account" in client.get(url).content
        client.force_login(sam)
        client.post(url)

        assert get_user_model().objects.filter(email__iexact=sam.email).count() == 1
        assert Membership.objects.get(customer=alices_teas).user == sam


@pytest.mark.parametrize("path", ["/", "/customers/"])
def test_merchant_without_membership_is_told_what_to_do(client, db, path):
    user = get_user_model().objects.create_user("dan@example.com", password=PASSWORD)
    client.force_login(user)
    response = client.get(path, follow=True)
    assert b"send you an invitation" in response.content
