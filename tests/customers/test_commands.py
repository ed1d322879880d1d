"""The onboard_customer and add_key commands: what they print, and on bad input
an exit status, one line on stderr and no change."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import ManagementUtility
from django.db import connection, connections

from customers.models import AuditEvent, Customer, Domain, Invitation, PublicKey

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"


def everything():
    """A summary of what commands could change."""
    return (
        list(Customer.objects.values_list("slug", flat=True)),
        list(Domain.objects.values_list("name", flat=True)),
        Invitation.objects.count(),
        list(PublicKey.objects.values_list("fingerprint", "status")),
        AuditEvent.objects.count(),
        len(mail.outbox),
    )


@pytest.fixture
def manage(monkeypatch, capsys):
    """Runs a command as `manage.py` would, in this process and its test
    database: returns (exit status, stdout, stderr)."""
    # The command closes database connections when it ends, which would end
    # the test's transaction too.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*argv):
        capsys.readouterr()
        try:
            ManagementUtility(["manage.py", *argv]).execute()
            status = 0
        except SystemExit as exc:
            status = exc.code
        out, err = capsys.readouterr()
        return status, out, err

    return run


def assert_one_line(err, expected):
    assert err.splitlines() == [expected]
    assert "Traceback" not in err


# --- onboard_customer ------------------------------------------------------------


def test_onboard_customer_prints_the_slug(db, manage, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        status, out, _err = manage(
            "onboard_customer",
            "Bob's Bakery",
            "--domain",
            "bobs-bakery.example",
            "--domain",
            "www.bobs-bakery.example",
            "--email",
            "bob@bobs-bakery.example",
        )

    assert (status, out) == (0, "bobs-bakery\n")
    customer = Customer.objects.get(slug="bobs-bakery")
    assert customer.domains.count() == 2
    assert mail.outbox[0].to == ["bob@bobs-bakery.example"]


@pytest.mark.parametrize(
    ("argv", "status", "line"),
    [
        (
            [
                "Carol's Cakes",
                "--domain",
                "alices-teas.example",
                "--email",
                "c@c.example",
            ],
            1,
            ("CommandError: The domain alices-teas.example already belongs to another customer."),
        ),
        (
            [
                "Carol's Cakes",
                "--domain",
                "https://cakes.example/",
                "--email",
                "c@c.example",
            ],
            1,
            (
                "CommandError: “https://cakes.example/” is not a domain name. Give the name "
                "only, like shop.example.com, without https://, a path or a port."
            ),
        ),
        (
            ["Carol's Cakes", "--domain", "cakes.example", "--email", "carol"],
            1,
            "CommandError: “carol” is not a valid e-mail address.",
        ),
        (
            ["Carol's Cakes", "--email", "c@c.example"],
            2,
            ("manage.py onboard_customer: error: the following arguments are required: --domain"),
        ),
    ],
    ids=["taken-domain", "url-not-domain", "bad-email", "no-domain"],
)
def test_onboard_customer_refuses_bad_input_in_one_line(alices_teas, manage, argv, status, line):
    before = everything()

    result = manage("onboard_customer", *argv)

    assert result[:2] == (status, "")
    assert_one_line(result[2], line)
    assert everything() == before


# --- add_key -------------------------------------------------------------------------


def test_add_key_prints_the_fingerprint(alices_teas, manage, merchant_keypair, tmp_path):
    path = tmp_path / "alice.asc"
    path.write_text(merchant_keypair.armored_public)

    status, out, _err = manage("add_key", "alices-teas", str(path))

    assert (status, out) == (0, f"{merchant_keypair.fingerprint}\n")
    assert alices_teas.active_key().fingerprint == merchant_keypair.fingerprint


def test_add_key_takes_a_binary_key(alices_teas, manage, merchant_keypair, tmp_path):
    path = tmp_path / "alice.gpg"
    path.write_bytes(merchant_keypair.binary())

    status, out, _ = manage("add_key", "alices-teas", str(path))

    assert (status, out) == (0, f"{merchant_keypair.fingerprint}\n")


def test_add_key_check_validates_and_adds_nothing(alices_teas, manage, merchant_keypair, tmp_path):
    path = tmp_path / "alice.asc"
    path.write_text(merchant_keypair.armored_public)
    before = everything()

    status, out, err = manage("add_key", "alices-teas", str(path), "--check")

    assert (status, out, err) == (0, f"{merchant_keypair.fingerprint}\n", "")
    assert everything() == before


def test_add_key_refuses_a_secret_key_in_one_line(alices_teas, manage, merchant_keypair, tmp_path):
    path = tmp_path / "alice-secret.asc"
    path.write_bytes(merchant_keypair.secret())
    before = everything()

    status, out, err = manage("add_key", "alices-teas", str(path))

    assert (status, out) == (1, "")
    assert_one_line(
        err,
        "CommandError: The file contains a secret (private) key, which must never "
        "leave your computer. It was not stored. Upload only the public key, "
        "exported with gpg --armor --export FINGERPRINT.",
    )
    assert everything() == before


def test_add_key_check_refuses_an_expired_key(alices_teas, manage, expired_key, tmp_path):
    path = tmp_path / "frank.asc"
    path.write_text(expired_key.armored_public)

    status, out, err = manage("add_key", "alices-teas", str(path), "--check")

    assert (status, out) == (1, "")
    assert_one_line(
        err,
        "CommandError: The key expired on 2020-12-31. Extend it with "
        "gpg --quick-set-expire FINGERPRINT 2y and gpg --quick-set-expire "
        "FINGERPRINT 2y '*', then export it again.",
    )


def test_add_key_refuses_the_same_key_twice(alices_teas, manage, merchant_keypair, tmp_path):
    path = tmp_path / "alice.asc"
    path.write_text(merchant_keypair.armored_public)
    manage("add_key", "alices-teas", str(path))
    before = everything()

    status, out, err = manage("add_key", "alices-teas", str(path))

    assert (status, out) == (1, "")
    assert_one_line(
        err,
        f"CommandError: This key ({merchant_keypair.fingerprint}) was already "
        "uploaded and is in use.",
    )
    assert everything() == before


@pytest.mark.parametrize(
    ("argv", "status", "line"),
    [
        (
            ["nobody", "{key}"],
            1,
            "CommandError: There is no customer with the slug 'nobody'.",
        ),
        (
            ["alices-teas", "/nonexistent/key.asc"],
            1,
            "CommandError: Cannot read /nonexistent/key.asc: No such file or directory.",
        ),
        (
            ["alices-teas"],
            2,
            "manage.py add_key: error: the following arguments are required: PATH",
        ),
    ],
    ids=["unknown-customer", "missing-file", "no-path"],
)
def test_add_key_refuses_bad_input_in_one_line(
    alices_teas, manage, merchant_keypair, tmp_path, argv, status, line
):
    path = tmp_path / "alice.asc"
    path.write_text(merchant_keypair.armored_public)
    before = everything()

    result = manage("add_key", *(arg.format(key=path) for arg in argv))

    assert result[:2] == (status, "")
    assert_one_line(result[2], line)
    assert everything() == before


# --- As a separate process, the way staff scripts run them --------------------------


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


def run_manage(*argv):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "capepanel.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": "memory://",
    }
    return subprocess.run(
        [sys.executable, str(MANAGE), *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_commands_from_the_shell_print_results_and_fail_in_one_line(merchant_keypair, tmp_path):
    onboarded = run_manage(
        "onboard_customer", "Bob's Bakery", "--domain", "bobs-bakery.example",
        "--email", "bob@bobs-bakery.example",
    )  # fmt: skip
    assert (onboarded.returncode, onboarded.stdout) == (0, "bobs-bakery\n")

    secret = tmp_path / "secret.asc"
    secret.write_bytes(merchant_keypair.secret())
    refused = run_manage("add_key", "bobs-bakery", str(secret))
    assert (refused.returncode, refused.stdout) == (1, "")
    assert len(refused.stderr.splitlines()) == 1
    assert refused.stderr.startswith("CommandError: The file contains a secret")

    public = tmp_path / "public.asc"
    public.write_text(merchant_keypair.armored_public)
    added = run_manage("add_key", "bobs-bakery", str(public))
    assert (added.returncode, added.stdout) == (0, f"{merchant_keypair.fingerprint}\n")
    assert PublicKey.objects.get().customer.slug == "bobs-bakery"
