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


def test_counts_outlive_the_file_caches_default_timeout(client, alice, settings, tmp_path):
    """Django's file cache re-stores incremented values with a 5-minute
    timeout; the counters must last their whole window all the same."""
    from datetime import timedelta
    from unittest import mock

    from django.core.cache import caches
    from django.utils import timezone

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    start = timezone.now().replace(minute=0, second=1, microsecond=0)
    with mock.patch("django.utils.timezone.now", return_value=start):
        for _ in range(throttling.SIGN_IN_FAILURES_PER_ACCOUNT):
            throttling.note_failed_sign_in(alice.email, "203.0.113.9")
    later = start + timedelta(seconds=400)
    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        mock.patch("time.time", return_value=later.timestamp()),
    ):
        assert throttling.sign_in_blocked(alice.email, "198.51.100.1")
    caches["default"].clear()


def test_the_limit_counts_the_account_under_any_of_its_names(client, db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("admin", "ops@provider.example", PASSWORD)
    for name in ["admin", "OPS@provider.example"] * (throttling.SIGN_IN_FAILURES_PER_ACCOUNT // 2):
        sign_in(client, name, "wrong guess")

    assert b"Too many failed sign-ins" in sign_in(client, "admin", PASSWORD).content


def test_a_password_reset_ends_the_lockout(client, alice):
    for _ in range(throttling.SIGN_IN_FAILURES_PER_ACCOUNT):
        sign_in(client, alice.email, "wrong guess")
    client.post("/password/reset/", {"email": alice.email})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/password/reset/" in line)
    path = link.strip().split("127.0.0.1:8000", 1)[-1]
    form_page = client.get(path, follow=True)
    new_password = "a brand new sentence of a password"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )

    assert sign_in(client, alice.email, new_password).status_code == 302
