"""Personas for the portal's tests.

Sam works for the provider. Alice owns Alice's Teas and Amy is a read-only
member there; Bob owns Bob's Bakery, the other tenant whose objects Alice must
never reach. Keys are made with the real gpg (tests/conftest.py).
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from customers.keys import add_key
from customers.models import Customer, Domain, Membership
from intake.endpoints import create_endpoint
from intake.models import Submission

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def alice_key(merchant_keypair):
    return merchant_keypair


@pytest.fixture(scope="session")
def alice_new_key(other_keypair):
    return other_keypair


@pytest.fixture(scope="session")
def bob_key(key_maker):
    return key_maker.keypair(key_maker.make("Bob's Bakery <keys@bobs-bakery.example>"))


def make_user(email, **extra):
    return get_user_model().objects.create_user(
        username=email, email=email, password=PASSWORD, **extra
    )


@pytest.fixture
def sam(db):
    return make_user("sam@provider.example", is_staff=True)


@pytest.fixture
def alices_teas(db, alice_key):
    customer = Customer.objects.create(name="Alice's Teas", slug="alices-teas")
    Domain.objects.create(customer=customer, name="alices-teas.example")
    add_key(customer, alice_key.armored_public.encode())
    return customer


@pytest.fixture
def alice(alices_teas):
    user = make_user("alice@alices-teas.example")
    Membership.objects.create(user=user, customer=alices_teas, role="owner")
    return user


@pytest.fixture
def amy(alices_teas):
    user = make_user("amy@alices-teas.example")
    Membership.objects.create(user=user, customer=alices_teas, role="member")
    return user


@pytest.fixture
def alice_form(alices_teas):
    return create_endpoint(
        alices_teas,
        domain=alices_teas.domains.get(),
        slug="contact",
        delivery="log",
        name="Contact form",
    )


@pytest.fixture
def bobs_bakery(db, bob_key):
    customer = Customer.objects.create(name="Bob's Bakery", slug="bobs-bakery")
    Domain.objects.create(customer=customer, name="bobs-bakery.example")
    add_key(customer, bob_key.armored_public.encode())
    return customer


@pytest.fixture
def bob(bobs_bakery):
    user = make_user("bob@bobs-bakery.example")
    Membership.objects.create(user=user, customer=bobs_bakery, role="owner")
    return user


@pytest.fixture
def bob_form(bobs_bakery):
    return create_endpoint(
        bobs_bakery, domain=bobs_bakery.domains.get(), slug="orders", delivery="log"
    )


def make_submission(endpoint, status, *, ago=timedelta(0), **fields):
    """A submission row as the pipeline leaves it; no contents are needed here."""
    received_at = timezone.now() - ago
    if status == Submission.Status.DELIVERED:
        fields.setdefault("log_name", f"test/{received_at:%Y%m%d%H%M%S%f}.asc")
        fields.setdefault(
            "ciphertext",
            "-----BEGIN PGP MESSAGE-----\n\nfake\n-----END PGP MESSAGE-----\n",
        )
        fields.setdefault("key_fingerprint", "A" * 40)
    return Submission.objects.create(
        endpoint=endpoint, status=status, received_at=received_at, **fields
    )


@pytest.fixture
def bob_failed(bob_form):
    return make_submission(bob_form, Submission.Status.FAILED, last_error="timeout")
