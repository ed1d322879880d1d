"""Sets up the demo merchant used by bin/run: idempotent, local only.

The demo's private key is made here and kept under var/demo/gnupg so that a
person trying the product can decrypt what they post. A real merchant's
private key never comes near the provider's machines.
"""

import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string

from customers.keys import add_key
from customers.models import Customer
from customers.onboarding import onboard_customer
from intake.endpoints import create_endpoint

DEMO_NAME = "Demo Shop"
DEMO_DOMAIN = "demo.localhost"
DEMO_FORM = "contact"
DEMO_EMAIL = "owner@demo.localhost"
DEMO_PAGE_ORIGIN = "http://demo.localhost:8001"


class Command(BaseCommand):
    help = "Create the demo customer, key pair, form and page (for bin/run)."

    def handle(self, *args, **options):
        demo_dir = Path(settings.VAR_DIR) / "demo"
        gnupg_home = demo_dir / "gnupg"

        customer = Customer.objects.filter(domains__name=DEMO_DOMAIN).first()
        if customer is None:
            customer = onboard_customer(DEMO_NAME, domains=[DEMO_DOMAIN], email=DEMO_EMAIL)
        if customer.active_key() is None:
            add_key(customer, self.make_key_pair(gnupg_home))
        endpoint = customer.form_endpoints.filter(slug=DEMO_FORM).first()
        if endpoint is None:
            endpoint = create_endpoint(
                customer,
                domain=customer.domains.get(name=DEMO_DOMAIN),
                slug=DEMO_FORM,
                delivery="log",
                name="Contact form",
            )
        form_url = f"{settings.PUBLIC_BASE_URL}{endpoint.path}"
        self.write_page(demo_dir / "site", form_url)
        log_dir = Path(settings.STORAGES["intake_log"]["OPTIONS"].get("location", "var/intake-log"))
        self.stdout.write(
            render_to_string(
                "intake/demo_instructions.txt",
                {
                    "form_url": form_url,
                    "panel_url": settings.PUBLIC_BASE_URL,
                    "page_url": f"{DEMO_PAGE_ORIGIN}/",
                    "gnupg_home": gnupg_home,
                    "log_dir": log_dir / customer.slug / DEMO_DOMAIN / DEMO_FORM,
                    "customer": customer,
                    "invitation_url": self.open_invitation_url(customer),
                    "export_path": demo_dir / "export.asc",
                },
            )
        )

    def open_invitation_url(self, customer):
        invitation = customer.invitations.filter(accepted_at__isnull=True).last()
        if invitation is None or not invitation.is_open():
            return None
        return f"{settings.PUBLIC_BASE_URL}/invite/{invitation.token}/"

    def make_key_pair(self, gnupg_home):
        # The one place outside customers.openpgp that runs gpg: the product
        # never makes or holds a secret key, only this demo does, for a person
        # trying it on their own machine.
        gnupg_home.mkdir(parents=True, exist_ok=True, mode=0o700)
        gpg = [
            settings.GPG_BINARY,
            "--homedir",
            str(gnupg_home),
            "--batch",
            "--no-tty",
            "--quiet",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ]
        try:
            subprocess.run(
                [
                    *gpg,
                    "--quick-gen-key",
                    f"{DEMO_NAME} <{DEMO_EMAIL}>",
                    "future-default",
                    "default",
                    "never",
                ],
                check=True,
                capture_output=True,
                timeout=60,
            )
            exported = subprocess.run(
                [*gpg, "--armor", "--export", DEMO_EMAIL],
                check=True,
                capture_output=True,
                timeout=60,
            ).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise CommandError(f"could not make the demo key pair with gpg: {exc}")
        finally:
            subprocess.run(
                ["gpgconf", "--homedir", str(gnupg_home), "--kill", "all"], capture_output=True
            )
        return exported

    def write_page(self, site_dir, form_url):
        site_dir.mkdir(parents=True, exist_ok=True)
        page = render_to_string("intake/demo_page.html", {"form_url": form_url})
        (site_dir / "index.html").write_text(page, encoding="utf-8")
