from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from customers.management import StaffCommand
from customers.onboarding import onboard_customer


class Command(StaffCommand):
    help = (
        "Create a customer with its domains, e-mail an owner's invitation, and "
        "print the customer's slug."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", metavar="NAME")
        parser.add_argument("--domain", action="append", required=True, metavar="D", dest="domains")
        parser.add_argument("--email", required=True, metavar="E")

    def handle(self, *args, **options):
        try:
            customer = onboard_customer(
                options["name"], domains=options["domains"], email=options["email"]
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(customer.slug)
