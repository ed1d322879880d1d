"""Limits on guessing passwords and on mailing password-reset links.

Counted in the shared cache in fixed windows. Sign-in is limited per account
name (so a slow, spread-out guesser still stops) and per client address (so
one client cannot try many accounts); reset mails likewise per address asked
for and per client.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from capepanel import counters

SIGN_IN_WINDOW_SECONDS = 15 * 60
SIGN_IN_FAILURES_PER_ACCOUNT = 10
SIGN_IN_FAILURES_PER_CLIENT = 50
RESET_WINDOW_SECONDS = 60 * 60
RESETS_PER_ADDRESS = 3
RESETS_PER_CLIENT = 20


def account_key(typed):
    """One counter per account, however its name was typed (username or
    e-mail, any case); an unknown name counts under itself."""
    typed = (typed or "").strip()
    user = (
        get_user_model()
        .objects.filter(Q(username__iexact=typed) | Q(email__iexact=typed))
        .order_by("pk")
        .first()
    )
    return f"user-{user.pk}" if user else f"name-{typed.lower()}"


def sign_in_blocked(username, client):
    return (
        counters.current("sign-in-account", account_key(username), SIGN_IN_WINDOW_SECONDS)
        >= SIGN_IN_FAILURES_PER_ACCOUNT
        or counters.current("sign-in-client", client, SIGN_IN_WINDOW_SECONDS)
        >= SIGN_IN_FAILURES_PER_CLIENT
    )


def note_failed_sign_in(username, client):
    counters.add_one("sign-in-account", account_key(username), SIGN_IN_WINDOW_SECONDS)
    counters.add_one("sign-in-client", client, SIGN_IN_WINDOW_SECONDS)


def forget_failed_sign_ins(user):
    """A new password set through a reset link ends the lockout it may be
    the answer to."""
    counters.forget("sign-in-account", f"user-{user.pk}", SIGN_IN_WINDOW_SECONDS)


def reset_mail_allowed(email, client):
    """Counts this request; False once either limit is reached."""
    for_address = counters.add_one("reset-address", email.strip().lower(), RESET_WINDOW_SECONDS)
    for_client = counters.add_one("reset-client", client, RESET_WINDOW_SECONDS)
    return for_address <= RESETS_PER_ADDRESS and for_client <= RESETS_PER_CLIENT
