"""A worker keeps consuming after its broker restarts (a known Celery fault)."""

import shutil
import subprocess
import time

import pytest

from intake import receiving
from intake.models import Submission
from tests.broker import forget_connections, free_port, publishing_to
from tests.e2e.conftest import Worker, wait_for
from tests.storage import use_log_storage

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.django_db(transaction=True)]


class PrivateRedis:
    """A redis-server of this test's own on a free loopback port."""

    def __init__(self, folder):
        self.port = free_port()
        self.folder = folder
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _answers(self.port), timeout=10, interval=0.05)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _answers(port):
    import redis

    try:
        return redis.Redis(port=port, socket_connect_timeout=0.2).ping()
    except redis.ConnectionError:
        return False


@pytest.fixture
def private_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_worker(private_redis, tmp_path, settings):
    location = use_log_storage(settings, tmp_path / "intake-log")
    with publishing_to(private_redis.url):
        handle = Worker(private_redis.url, tmp_path / "worker.log", location)
        yield handle
        handle.kill()


def test_worker_delivers_again_after_the_broker_restarts(log_form, private_redis, redis_worker):
    redis_worker.start()
    first = receiving.accept(log_form, fields={"n": ["1"]}, files=[], client_address="127.0.0.1")
    wait_for(lambda: Submission.objects.get(pk=first.pk).status == "delivered")

    private_redis.stop()
    time.sleep(1)
    private_redis.start()
    forget_connections()

    second = receiving.accept(log_form, fields={"n": ["2"]}, files=[], client_address="127.0.0.1")
    wait_for(lambda: Submission.objects.get(pk=second.pk).status == "delivered", timeout=90)
