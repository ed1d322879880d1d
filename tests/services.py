"""Which of the real services the tests may use on this machine.

The default run passes without them; tests that need one are skipped with a
reason that names the service and the address tried.
"""

import os
import socket
from functools import cache


def _listening(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@cache
def postgres_url():
    url = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/capepanel")
    if os.environ.get("TEST_DATABASE", "") == "sqlite":
        return None
    return url if _listening("127.0.0.1", 5432) else None


@cache
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    return url if _listening("127.0.0.1", 6379) else None


@cache
def rabbitmq_url():
    url = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
    return url if _listening("127.0.0.1", 5672) else None
