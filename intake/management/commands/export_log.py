import os
from datetime import date
from pathlib import Path

from django.core.management.base import CommandError

from customers import audit
from customers.management import StaffCommand
from customers.models import Customer
from intake import logs


def parse_date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date; write it as YYYY-MM-DD")


def find_form(customer, name):
    domain, _, slug = name.rpartition("/")
    forms = customer.form_endpoints.filter(slug=slug)
    if domain:
        forms = forms.filter(domain__name=domain.lower())
    found = list(forms.select_related("domain")[:2])
    if not found:
        raise CommandError(f"{customer.slug} has no form {name!r}")
    if len(found) > 1:
        choices = " or ".join(str(form) for form in found)
        raise CommandError(f"several forms are called {slug!r}: say {choices}")
    return found[0]


class Command(StaffCommand):
    help = (
        "Write a customer's encrypted log entries in a date range to one file of "
        "concatenated armored OpenPGP messages."
    )

    def add_arguments(self, parser):
        parser.add_argument("customer", metavar="SLUG")
        parser.add_argument(
            "--form", metavar="S", help="the form's slug, or DOMAIN/SLUG when several share it"
        )
        parser.add_argument("--since", metavar="DATE")
        parser.add_argument("--until", metavar="DATE")
        parser.add_argument("-o", "--output", required=True, metavar="FILE")

    def handle(self, *args, **options):
        since = parse_date(options["since"]) if options["since"] else None
        until = parse_date(options["until"]) if options["until"] else None
        if since and until and since > until:
            raise CommandError("--since is after --until")

        customer = Customer.objects.filter(slug=options["customer"]).first()
        if customer is None:
            raise CommandError(f"no customer with the slug {options['customer']!r}")
        form = find_form(customer, options["form"]) if options["form"] else None

        entries = logs.entries(customer, form=form, since=since, until=until)
        output = Path(options["output"])
        if output.is_dir() or not output.name:
            raise CommandError(f"{options['output']} is a folder; give a file name")
        # Written aside and renamed into place, so that a failure half way
        # leaves no partial export behind.
        partial = output.with_name(f".{output.name}.partial")
        try:
            with open(partial, "wb") as out:
                count = logs.write_range(out, entries)
            os.replace(partial, output)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"cannot write {output}: {exc.strerror}")
        audit.record(
            "log.exported",
            customer=customer,
            detail=f"{count} entries, form={form or 'all'}, from={since or 'start'}, "
            f"to={until or 'now'}",
        )
        self.stdout.write(f"wrote {count} entries to {output}")
