"""Which of the real services the tests may use on this machine.

The default run passes without them; tests that need one are skipped with a
reason that names the service and the address tried. Setting TEST_REDIS_URL,
TEST_RABBITMQ_URL or TEST_POSTGRES_URL to an empty value, or TEST_DATABASE to
sqlite, makes the tests behave as on a machine without that service.
"""

import os
import socket
from functools import cache
from urllib.parse import urlsplit

DEFAULTS = {
    "postgres": ("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/capepanel", 5432),
    "redis": ("TEST_REDIS_URL", "redis://127.0.0.1:6379/15", 6379),
    "rabbitmq": ("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//", 5672),
}


def _listening(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@cache
def url(service):
    """The service's URL when it is enabled and listening, else None."""
    variable, default, default_port = DEFAULTS[service]
    value = os.environ.get(variable, default)
    if not value:
        return None
    parts = urlsplit(value)
    return value if _listening(parts.hostname or "127.0.0.1", parts.port or default_port) else None


def why_absent(service):
    variable, default, _ = DEFAULTS[service]
    value = os.environ.get(variable, default)
    if not value:
        return f"{service} is switched off for this run ({variable} is empty)"
    parts = urlsplit(value)
    return f"{service} is not listening on {parts.hostname}:{parts.port}"


def postgres_url():
    return None if os.environ.get("TEST_DATABASE") == "sqlite" else url("postgres")


def redis_url():
    return url("redis")


def rabbitmq_url():
    return url("rabbitmq")
