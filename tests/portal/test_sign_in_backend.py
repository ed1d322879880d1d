"""Signing in by e-mail address or username, in any letter case."""

import pytest
from django.contrib.auth import authenticate, get_user_model


@pytest.fixture
def staff_admin(db):
    """An operator made with createsuperuser: username and address differ."""
    return get_user_model().objects.create_superuser(
        "admin", "Staff@Example.com", "a long operator passphrase"
    )


@pytest.mark.parametrize("login", ["admin", "staff@example.com", "STAFF@example.COM"])
def test_operator_signs_in_with_username_or_address(staff_admin, login):
    assert authenticate(username=login, password="a long operator passphrase") == staff_admin


def test_wrong_password_or_unknown_address_signs_nobody_in(staff_admin):
    assert authenticate(username="admin", password="wrong") is None
    assert authenticate(username="nobody@example.com", password="x") is None


def test_an_address_shared_by_two_accounts_is_not_guessed(db):
    User = get_user_model()
    User.objects.create_user("one", "shared@example.com", "pass-one-long-enough")
    User.objects.create_user("two", "shared@example.com", "pass-one-long-enough")
    assert authenticate(username="shared@example.com", password="pass-one-long-enough") is None
    assert authenticate(username="one", password="pass-one-long-enough").username == "one"


def test_inactive_accounts_cannot_sign_in(staff_admin):
    staff_admin.is_active = False
    staff_admin.save()
    assert authenticate(username="admin", password="a long operator passphrase") is None


def test_the_sign_in_page_takes_an_operators_address(client, staff_admin):
    response = client.post(
        "/login/", {"username": "staff@example.com", "password": "a long operator passphrase"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_admin.pk)
