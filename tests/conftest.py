"""Fixtures shared by every test folder.

OpenPGP keys are made once per test session with the real gpg (see tests/gpg.py)
and decrypted with it: `decrypt(merchant_keypair, armored)` from tests.gpg.
"""

import pytest

from tests.gpg import KeyMaker


@pytest.fixture(scope="session")
def key_maker(tmp_path_factory):
    """Makes further test keys, all in one GnuPG home, e.g.
    `key_maker.keypair(key_maker.make("Eve <eve@example.com>"))`."""
    maker = KeyMaker(tmp_path_factory.mktemp("gnupg-keys"))
    yield maker
    maker.close()


@pytest.fixture(scope="session")
def merchant_keypair(tmp_path_factory):
    """The merchant's ed25519/cv25519 key, never expiring, secret half in
    `.home`; `.armored_public` is what the merchant uploads."""
    maker = KeyMaker(tmp_path_factory.mktemp("gnupg-merchant"))
    yield maker.keypair(maker.make("Alice's Teas <keys@alices-teas.example>"))
    maker.close()


@pytest.fixture(scope="session")
def other_keypair(tmp_path_factory):
    """A second key of the same merchant, for rotation."""
    maker = KeyMaker(tmp_path_factory.mktemp("gnupg-other"))
    yield maker.keypair(maker.make("Alice's Teas (2027) <keys@alices-teas.example>"))
    maker.close()


def pytest_report_header(config):
    from tests import services

    def state(name, url):
        return f"{name}: {url if url else services.why_absent(name) + '; its tests are skipped'}"

    database = services.postgres_url()
    return [
        f"database: {'PostgreSQL at ' + database if database else 'SQLite (PostgreSQL not used)'}",
        state("redis", services.redis_url()),
        state("rabbitmq", services.rabbitmq_url()),
    ]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and once-a-day notices live in the cache: each test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
