import sys

from django.core.management.base import CommandError

from customers.keys import add_key, check_key
from customers.management import StaffCommand
from customers.models import Customer
from customers.openpgp import OpenPGPError


class Command(StaffCommand):
    help = (
        "Validate a customer's OpenPGP public key (armored or binary) and make it "
        "the active key; print its fingerprint. With --check, only validate."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", metavar="SLUG")
        parser.add_argument("path", metavar="PATH", help="the key file, or - for stdin")
        parser.add_argument("--check", action="store_true", help="validate only; add nothing")

    def handle(self, *args, **options):
        customer = Customer.objects.filter(slug=options["slug"]).first()
        if customer is None:
            raise CommandError(f"There is no customer with the slug {options['slug']!r}.")
        data = self._read(options["path"])
        try:
            if options["check"]:
                fingerprint = check_key(data).fingerprint
            else:
                fingerprint = add_key(customer, data).fingerprint
        except OpenPGPError as exc:
            raise CommandError(exc.reason) from None
        self.stdout.write(fingerprint)

    def _read(self, path):
        if path == "-":
            return sys.stdin.buffer.read()
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
