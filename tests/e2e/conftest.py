"""A real Celery worker, in its own process, on a real broker.

The worker reads the same test database and var/ directory as the test, so
what the test posts is what the worker encrypts and delivers.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from capepanel.celery import app as celery_app
from tests import services
from tests.broker import publishing_to
from tests.intake.conftest import log_form, mail_form, merchant  # noqa: F401  (fixtures)
from tests.storage import use_log_storage

BROKERS = {
    "filesystem": lambda: "filesystem://localhost//",
    "redis": services.redis_url,
    "rabbitmq": services.rabbitmq_url,
}


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"


@pytest.fixture(
    params=[
        pytest.param(name, marks=[] if name == "filesystem" else [pytest.mark.services])
        for name in BROKERS
    ]
)
def broker_url(request):
    url = BROKERS[request.param]()
    if not url:
        pytest.skip(services.why_absent(request.param))
    return url


@pytest.fixture
def broker(broker_url):
    """Points this process's Celery app at the broker, emptied first."""
    options = None if broker_url.startswith("filesystem") else {"visibility_timeout": 3600}
    with publishing_to(broker_url, options):
        celery_app.control.purge()
        yield broker_url
        celery_app.control.purge()


class Worker:
    def __init__(self, broker_url, log_path, storage_location):
        self.broker_url = broker_url
        self.log_path = log_path
        self.storage_location = storage_location
        self.process = None
        self.extra_env = {}
        # As in the Procfile; a test may ask for the prefork pool instead.
        self.pool = "threads"

    @property
    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "capepanel.settings",
            "DATABASE_URL": database_url(),
            "CAPEPANEL_VAR_DIR": str(django_settings.VAR_DIR),
            "CELERY_BROKER_URL": self.broker_url,
            "INTAKE_SEALING_KEYS": ",".join(django_settings.INTAKE_SEALING_KEYS),
            "LOG_LEVEL": "DEBUG",
            "INTAKE_LOG_STORAGE_OPTIONS": json.dumps({"location": str(self.storage_location)}),
            # gpg's throwaway homes go here, so a worker killed on purpose
            # leaves its half-finished one in the test's folder, not in /tmp.
            "TMPDIR": str(self.log_path.parent),
            **self.extra_env,
        }
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "capepanel",
                "worker",
                "--loglevel",
                "DEBUG",
                "--concurrency",
                "1",
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                # A node name of its own: runs side by side on one RabbitMQ
                # would otherwise fight over one exclusive control queue.
                "--hostname",
                f"test-{uuid.uuid4().hex[:12]}@%h",
            ],
            cwd=Path(django_settings.BASE_DIR),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while "ready." not in self.log:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the worker did not start:\n{self.log[-3000:]}")
            time.sleep(0.2)
        return self

    def kill(self, sig=15):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def worker(broker, tmp_path, settings):
    """A worker that the test starts when it is ready for it, filing the log
    in this test's own folder (which the test process reads too)."""
    location = tmp_path / "intake-log"
    use_log_storage(settings, location)
    handle = Worker(broker, tmp_path / "worker.log", location)
    yield handle
    handle.kill()


def wait_for(predicate, timeout=60, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")
