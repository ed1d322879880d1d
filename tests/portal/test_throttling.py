"""Password guessing and reset-mail flooding meet a limit."""

from django.core import mail

from portal import throttling
from tests.portal.conftest import PASSWORD


def sign_in(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_after_ten_wrong_passwords_even_the_right_one_waits(client, alice):
    for _ in range(throttling.SIGN_IN_FAILURES_PER_ACCOUNT):
        assert sign_in(client, alice.email, "wrong guess").status_code == 200

    response = sign_in(client, alice.email, PASSWORD)

    assert response.status_code == 200
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_the_limit_is_per_account_not_for_everyone(client, alice, bob):
    for _ in range(throttling.SIGN_IN_FAILURES_PER_ACCOUNT):
        sign_in(client, alice.email, "wrong guess")

    assert sign_in(client, bob.email, PASSWORD).status_code == 302


def test_the_account_name_is_counted_in_any_letter_case(client, alice):
    for _ in range(throttling.SIGN_IN_FAILURES_PER_ACCOUNT):
        sign_in(client, alice.email.upper(), "wrong guess")

    assert b"Too many failed sign-ins" in sign_in(client, alice.email, PASSWORD).content


def test_reset_links_are_mailed_a_few_times_an_hour_at_most(client, alice):
    for _ in range(10):
        response = client.post("/password/reset/", {"email": alice.email})
        assert response.status_code == 302

    assert len(mail.outbox) == throttling.RESETS_PER_ADDRESS
