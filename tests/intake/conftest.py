import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from customers.keys import add_key
from customers.models import Customer, Domain
from intake.endpoints import create_endpoint
from tests.broker import free_port
from tests.storage import use_log_storage


@pytest.fixture(autouse=True)
def log_storage(settings, tmp_path):
    """A log storage of this test's own, so that tests never see each other's entries."""
    return use_log_storage(settings, tmp_path / "intake-log")


@pytest.fixture
def merchant(db, merchant_keypair):
    """Alice's tea shop: one domain and a usable key."""
    customer = Customer.objects.create(
        name="Alice's Teas", slug="alices-teas", contact_email="alice@alices-teas.example"
    )
    Domain.objects.create(customer=customer, name="alices-teas.example")
    add_key(customer, merchant_keypair.armored_public.encode())
    return customer


@pytest.fixture
def keyless_merchant(db):
    """Bob's bakery has not uploaded a key yet."""
    customer = Customer.objects.create(name="Bob's Bakery", slug="bobs-bakery")
    Domain.objects.create(customer=customer, name="bobs-bakery.example")
    return customer


@pytest.fixture
def log_form(merchant):
    return create_endpoint(
        merchant,
        domain=merchant.domains.get(),
        slug="order",
        delivery="log",
    )


@pytest.fixture
def mail_form(merchant):
    return create_endpoint(
        merchant,
        domain=merchant.domains.get(),
        slug="contact",
        delivery="email",
        recipients=["orders@alices-teas.example"],
    )


class Mailbox(Message):
    """Keeps every message the loopback SMTP server receives."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, with Django's mail pointed at it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_TIMEOUT = 5
    yield mailbox
    controller.stop()


@pytest.fixture
def dead_mail_server(settings):
    """Mail pointed at a loopback port where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2
