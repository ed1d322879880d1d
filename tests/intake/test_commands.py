"""add_form and export_log, as staff scripts call them."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

from intake import pipeline, receiving
from intake.models import FormEndpoint
from tests.gpg import decrypt


def run(*args):
    """The command in its own process, as a shell script would run it."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "CAPEPANEL_TEST_VAR_DIR": str(settings.VAR_DIR),
            "TEST_DATABASE": "sqlite",  # this command fails before it needs one
        },
    )


def test_add_form_prints_the_public_url(merchant, capsys):
    call_command(
        "add_form",
        "alices-teas",
        "--domain",
        "alices-teas.example",
        "--slug",
        "order",
        "--deliver",
        "log",
    )
    assert capsys.readouterr().out.strip() == (
        f"{settings.PUBLIC_BASE_URL}/f/alices-teas.example/order/"
    )
    assert FormEndpoint.objects.get().delivery == "log"


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["nobody", "--domain", "x.example", "--slug", "a", "--deliver", "log"],
            "no customer with the slug 'nobody'",
        ),
        (
            ["alices-teas", "--domain", "bobs.example", "--slug", "a", "--deliver", "log"],
            "'bobs.example' is not a domain of alices-teas",
        ),
        (
            ["alices-teas", "--domain", "alices-teas.example", "--slug", "a b", "--deliver", "log"],
            "slug: Use letters, numbers, hyphens and underscores only.",
        ),
        (
            ["alices-teas", "--domain", "alices-teas.example", "--slug", "a", "--deliver", "email"],
            "recipients: Give at least one address for e-mail delivery.",
        ),
        (
            [
                "alices-teas",
                "--domain",
                "alices-teas.example",
                "--slug",
                "a",
                "--deliver",
                "log",
                "--redirect",
                "https://elsewhere.example/thanks",
            ],
            "redirect_url: The thank-you page must be on one of your own domains.",
        ),
    ],
    ids=["unknown-customer", "foreign-domain", "bad-slug", "email-without-to", "foreign-redirect"],
)
def test_add_form_refuses_bad_input_in_one_line_and_adds_nothing(merchant, args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as error:
        call_command("add_form", *args)
    assert str(error.value) == message
    assert not FormEndpoint.objects.exists()


def test_export_log_writes_every_entry_in_range_and_each_decrypts(
    log_form, merchant_keypair, tmp_path, capsys
):
    ids = []
    for name in ["Zoë", "Ødegaard", "李"]:
        submission = receiving.accept(
            log_form, fields={"name": [name]}, files=[], client_address="127.0.0.1"
        )
        pipeline.process(submission.pk)
        ids.append(str(submission.pk))
    out = tmp_path / "export.asc"
    today = submission.received_at.date().isoformat()

    call_command("export_log", "alices-teas", "--since", today, "--until", today, "-o", str(out))

    assert capsys.readouterr().out.strip() == f"wrote 3 entries to {out}"
    text = out.read_text()
    messages = text.split("-----BEGIN PGP MESSAGE-----")[1:]
    assert len(messages) == 3
    import json

    documents = [
        json.loads(decrypt(merchant_keypair, "-----BEGIN PGP MESSAGE-----" + m)) for m in messages
    ]
    assert [d["submission"] for d in documents] == ids
    assert [d["fields"]["name"] for d in documents] == [["Zoë"], ["Ødegaard"], ["李"]]


def test_export_log_outside_the_range_writes_nothing(log_form, tmp_path, capsys):
    submission = receiving.accept(
        log_form, fields={"name": ["x"]}, files=[], client_address="127.0.0.1"
    )
    pipeline.process(submission.pk)
    out = tmp_path / "export.asc"

    call_command("export_log", "alices-teas", "--until", "2000-01-01", "-o", str(out))

    assert "wrote 0 entries" in capsys.readouterr().out
    assert out.read_bytes() == b""


@pytest.mark.django_db
def test_export_log_bad_date_is_one_line_on_stderr_and_nonzero():
    done = run("export_log", "alices-teas", "--since", "yesterday", "-o", "/tmp/never.asc")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "CommandError: 'yesterday' is not a date; write it as YYYY-MM-DD"
    ]


def test_export_log_until_the_last_day_there_is_means_no_end(log_form, tmp_path, capsys):
    submission = receiving.accept(
        log_form, fields={"name": ["x"]}, files=[], client_address="127.0.0.1"
    )
    pipeline.process(submission.pk)

    call_command("export_log", "alices-teas", "--until", "9999-12-31", "-o", str(tmp_path / "e"))

    assert "wrote 1 entries" in capsys.readouterr().out


def test_export_log_form_named_on_two_domains_must_say_which(merchant, log_form):
    from django.core.management.base import CommandError

    from customers.models import Domain
    from intake.endpoints import create_endpoint

    other = Domain.objects.create(customer=merchant, name="shop.alices-teas.example")
    create_endpoint(merchant, domain=other, slug="order", delivery="log")

    with pytest.raises(CommandError) as error:
        call_command("export_log", "alices-teas", "--form", "order", "-o", "/dev/null")
    assert str(error.value) == (
        "several forms are called 'order': say alices-teas.example/order "
        "or shop.alices-teas.example/order"
    )
    call_command(
        "export_log", "alices-teas", "--form", "shop.alices-teas.example/order", "-o", "/dev/null"
    )


def test_export_log_to_an_unwritable_place_leaves_nothing_behind(log_form, tmp_path):
    from django.core.management.base import CommandError

    target = tmp_path / "no-such-folder" / "export.asc"
    with pytest.raises(CommandError) as error:
        call_command("export_log", "alices-teas", "-o", str(target))
    assert str(error.value) == f"cannot write {target}: No such file or directory"
    assert not target.parent.exists()


def test_export_log_is_audited(log_form, tmp_path):
    from customers.models import AuditEvent

    call_command("export_log", "alices-teas", "-o", str(tmp_path / "e.asc"))

    event = AuditEvent.objects.get(action="log.exported")
    assert event.detail == "0 entries, form=all, from=start, to=now"


@pytest.mark.parametrize("target", [".", "/"])
def test_export_log_to_a_folder_says_so_in_one_line(log_form, target):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as error:
        call_command("export_log", "alices-teas", "-o", target)
    assert str(error.value) == f"{target} is a folder; give a file name"
