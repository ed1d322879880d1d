"""Limits on guessing passwords and on mailing password-reset links.

Counted in the shared cache in fixed windows. Sign-in is limited per account
name (so a slow, spread-out guesser still stops) and per client address (so
one client cannot try many accounts); reset mails likewise per address asked
for and per client.
"""

from django.core.cache import cache
from django.utils import timezone

SIGN_IN_WINDOW_SECONDS = 15 * 60
SIGN_IN_FAILURES_PER_ACCOUNT = 10
SIGN_IN_FAILURES_PER_CLIENT = 50
RESET_WINDOW_SECONDS = 60 * 60
RESETS_PER_ADDRESS = 3
RESETS_PER_CLIENT = 20


def _key(kind, who, window):
    bucket = int(timezone.now().timestamp() // window)
    return f"throttle:{kind}:{who.strip().lower()}:{bucket}"


def _count(kind, who, window):
    return cache.get(_key(kind, who, window), 0)


def _add(kind, who, window):
    key = _key(kind, who, window)
    cache.add(key, 0, timeout=window + 60)
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr
        return 1


def sign_in_blocked(username, client):
    return (
        _count("sign-in-account", username, SIGN_IN_WINDOW_SECONDS) >= SIGN_IN_FAILURES_PER_ACCOUNT
        or _count("sign-in-client", client, SIGN_IN_WINDOW_SECONDS) >= SIGN_IN_FAILURES_PER_CLIENT
    )


def note_failed_sign_in(username, client):
    _add("sign-in-account", username, SIGN_IN_WINDOW_SECONDS)
    _add("sign-in-client", client, SIGN_IN_WINDOW_SECONDS)


def reset_mail_allowed(email, client):
    """Counts this request; False once either limit is reached."""
    for_address = _add("reset-address", email, RESET_WINDOW_SECONDS)
    for_client = _add("reset-client", client, RESET_WINDOW_SECONDS)
    return for_address <= RESETS_PER_ADDRESS and for_client <= RESETS_PER_CLIENT
