"""Keys of every shape the inspection must accept or reject, made once per
session with the real gpg, and the merchant the key tests work on."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model

from customers.models import Customer, Domain, Membership

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def rsa_key(key_maker):
    """RSA-2048 with an RSA-2048 encryption subkey: the smallest accepted."""
    fingerprint = key_maker.make(
        "Carol RSA <carol@example.com>",
        algorithm="rsa2048",
        encryption=("rsa2048", "never"),
    )
    return key_maker.keypair(fingerprint)


@pytest.fixture(scope="session")
def weak_rsa_key(key_maker):
    fingerprint = key_maker.make(
        "Dave Weak <dave@example.com>",
        algorithm="rsa1024",
        encryption=("rsa1024", "never"),
    )
    return key_maker.export(fingerprint)


@pytest.fixture(scope="session")
def weak_subkey_key(key_maker):
    """A strong primary key whose only encryption subkey is RSA-1024."""
    fingerprint = key_maker.make(
        "Dave Weak Subkey <dave@example.com>", encryption=("rsa1024", "never")
    )
    return key_maker.export(fingerprint)


@pytest.fixture(scope="session")
def sign_only_key(key_maker):
    fingerprint = key_maker.make("Erin Signs <erin@example.com>", encryption=None)
    return key_maker.export(fingerprint)


@pytest.fixture(scope="session")
def expired_key(key_maker):
    """Made on 2020-01-01, expired with its subkey a year later."""
    fingerprint = key_maker.make(
        "Frank Expired <frank@example.com>",
        expires="1y",
        encryption=("cv25519", "1y"),
        when=LONG_AGO,
    )
    return key_maker.keypair(fingerprint)


@pytest.fixture(scope="session")
def expired_subkey_key(key_maker):
    """A primary key valid for ever whose only encryption subkey expired."""
    fingerprint = key_maker.make(
        "Grace Old Subkey <grace@example.com>",
        encryption=("cv25519", "1y"),
        when=LONG_AGO,
    )
    return key_maker.export(fingerprint)


@pytest.fixture(scope="session")
def rotated_subkey_key(key_maker):
    """An encryption subkey that expired in 2020, and a newer one valid 2 years."""
    fingerprint = key_maker.make(
        "Heidi Rotates <heidi@example.com>",
        encryption=("cv25519", "1y"),
        when=LONG_AGO,
    )
    key_maker.add_subkey(fingerprint, "cv25519", "2y")
    return key_maker.keypair(fingerprint)


@pytest.fixture(scope="session")
def expiring_primary_key(key_maker):
    """The primary key expires in one year, its encryption subkey never."""
    fingerprint = key_maker.make("Ivan Expiring <ivan@example.com>", expires="1y")
    return key_maker.keypair(fingerprint)


@pytest.fixture(scope="session")
def revoked_key(key_maker):
    fingerprint = key_maker.make("Judy Revoked <judy@example.com>")
    key_maker.revoke(fingerprint)
    return key_maker.keypair(fingerprint)


@pytest.fixture(scope="session")
def revoked_subkey_key(key_maker):
    """Two encryption subkeys, the second revoked: the first one is used."""
    fingerprint = key_maker.make("Kim Revokes Subkey <kim@example.com>")
    key_maker.add_subkey(fingerprint, "cv25519")
    key_maker.revoke_subkey(fingerprint, 2)
    return key_maker.keypair(fingerprint)


@pytest.fixture(scope="session")
def only_subkey_revoked_key(key_maker):
    fingerprint = key_maker.make("Leo Lost Subkey <leo@example.com>")
    key_maker.revoke_subkey(fingerprint, 1)
    return key_maker.export(fingerprint)


@pytest.fixture(scope="session")
def certified_key(key_maker):
    """A key certified by three other people's keys."""
    fingerprint = key_maker.make("Niaj Popular <niaj@example.com>")
    for number in range(3):
        signer = key_maker.make(f"Signer {number} <signer{number}@example.com>")
        key_maker.gpg("--default-key", signer, "--quick-sign-key", fingerprint)
    return key_maker.keypair(fingerprint)


@pytest.fixture(scope="session")
def future_key(key_maker):
    """Made by a computer whose clock is three years ahead."""
    fingerprint = key_maker.make(
        "Mallory Future <mallory@example.com>",
        when=datetime.now(UTC) + timedelta(days=3 * 365),
    )
    return key_maker.export(fingerprint)


@pytest.fixture
def alices_teas(db):
    """A merchant with an owner and a domain, and no key yet."""
    customer = Customer.objects.create(
        name="Alice's Teas",
        slug="alices-teas",
        contact_email="shop@alices-teas.example",
    )
    Domain.objects.create(customer=customer, name="alices-teas.example")
    alice = get_user_model().objects.create_user("alice", email="alice@alices-teas.example")
    Membership.objects.create(user=alice, customer=customer, role=Membership.Role.OWNER)
    return customer
