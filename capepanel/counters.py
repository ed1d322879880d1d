"""Counting events per fixed time window in the shared cache.

Django's generic `incr` (used by the file cache) stores the new value with the
default timeout, which would let a counter expire minutes into its window; so
each count is written back with the time left in its window.
"""

from django.core.cache import cache
from django.utils import timezone


def _key(kind, who, window):
    now = timezone.now().timestamp()
    bucket = int(now // window)
    remaining = int((bucket + 1) * window - now) + 1
    return f"count:{kind}:{who}:{bucket}", remaining


def current(kind, who, window):
    key, _ = _key(kind, who, window)
    return cache.get(key, 0)


def add_one(kind, who, window):
    """Count one more event; returns the count in this window so far."""
    key, remaining = _key(kind, who, window)
    count = cache.get(key, 0) + 1
    cache.set(key, count, timeout=remaining)
    return count


def forget(kind, who, window):
    key, _ = _key(kind, who, window)
    cache.delete(key)
