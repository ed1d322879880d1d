from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from customers.management import StaffCommand
from customers.models import Customer
from intake.endpoints import create_endpoint


def one_line(error):
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


class Command(StaffCommand):
    help = "Add a secure form endpoint to a customer's domain and print its public URL."

    def add_arguments(self, parser):
        parser.add_argument("customer", metavar="SLUG")
        parser.add_argument("--domain", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--deliver", required=True, choices=["log", "email"])
        parser.add_argument("--to", action="append", default=[], metavar="EMAIL")
        parser.add_argument("--redirect", default="", metavar="URL")
        parser.add_argument("--name", default="")

    def handle(self, *args, **options):
        customer = Customer.objects.filter(slug=options["customer"]).first()
        if customer is None:
            raise CommandError(f"no customer with the slug {options['customer']!r}")
        domain = customer.domains.filter(name=options["domain"].lower()).first()
        if domain is None:
            raise CommandError(f"{options['domain']!r} is not a domain of {customer.slug}")
        try:
            endpoint = create_endpoint(
                customer,
                domain=domain,
                slug=options["slug"],
                delivery=options["deliver"],
                recipients=options["to"],
                redirect_url=options["redirect"],
                name=options["name"],
            )
        except ValidationError as exc:
            raise CommandError(one_line(exc))
        self.stdout.write(f"{settings.PUBLIC_BASE_URL}{endpoint.path}")
