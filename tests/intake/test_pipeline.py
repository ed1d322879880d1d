"""Encrypting and delivering stored submissions, run in-process step by step.
The end-to-end tests in tests/e2e run the same steps in a real worker."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from customers.keys import add_key
from intake import pipeline, queueing, receiving, tasks
from intake.models import Submission
from intake.storage import intake_log
from intake.tasks import encrypt_and_deliver
from tests.gpg import decrypt
from tests.storage import use_log_storage


def receive(endpoint, **fields):
    return receiving.accept(
        endpoint,
        fields={k: v if isinstance(v, list) else [v] for k, v in fields.items()},
        files=[],
        client_address="192.0.2.7",
    )


def test_log_delivery_files_one_armored_message_that_decrypts(log_form, merchant_keypair):
    submission = receive(log_form, name="Zoë", item=["tea", "cake"])

    assert pipeline.process(submission.pk) == Submission.Status.DELIVERED

    submission.refresh_from_db()
    day = submission.received_at.strftime("%Y/%m/%d")
    assert submission.log_name == f"alices-teas/alices-teas.example/order/{day}/{submission.pk}.asc"
    assert submission.sealed is None
    assert submission.key_fingerprint == merchant_keypair.fingerprint
    with intake_log().open(submission.log_name, "rb") as handle:
        armored = handle.read()
    assert armored.startswith(b"-----BEGIN PGP MESSAGE-----")
    document = json.loads(decrypt(merchant_keypair, armored))
    assert document["fields"] == {"name": ["Zoë"], "item": ["tea", "cake"]}


def test_running_the_task_twice_delivers_once(mail_form, smtp_server):
    submission = receive(mail_form, name="Zoë")

    encrypt_and_deliver.apply(args=[str(submission.pk)])
    encrypt_and_deliver.apply(args=[str(submission.pk)])

    assert len(smtp_server.messages) == 1
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DELIVERED


def test_log_entry_is_written_once_when_a_repeat_finds_it_there(log_form):
    submission = receive(log_form, name="Zoë")
    pipeline.encrypt(submission.pk)
    submission.refresh_from_db()
    name = pipeline.delivery.log_name(submission)
    # A worker died after writing the object but before recording delivery.
    pipeline.delivery.write_log_entry(name, submission.ciphertext)

    assert pipeline.deliver(submission.pk) == Submission.Status.DELIVERED
    directory, _ = intake_log().listdir(name.rsplit("/", 1)[0])
    assert _ == [f"{submission.pk}.asc"]


def test_without_a_key_the_submission_is_held_then_delivered_once_a_key_arrives(
    log_form,
    merchant,
    merchant_keypair,
    other_keypair,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    submission = receive(log_form, name="Zoë")
    merchant.public_keys.update(status="retired")

    assert pipeline.process(submission.pk) == Submission.Status.HELD
    submission.refresh_from_db()
    assert submission.status == Submission.Status.HELD
    assert submission.sealed is not None
    [notice] = mail.outbox
    assert notice.to == ["alice@alices-teas.example"]
    assert "waiting for your public key" in notice.subject
    assert "Zoë" not in notice.body
    assert "Alice's Teas" in notice.body
    # A second held submission the same day sends no second notice.
    pipeline.process(receive(log_form, name="another").pk)
    assert len(mail.outbox) == 1

    released = []
    monkeypatch.setattr(queueing, "queue_release", released.append)
    with django_capture_on_commit_callbacks(execute=True):
        add_key(merchant, other_keypair.armored_public.encode())
    assert released == [merchant.pk], "adding a key asks the workers to release"
    # What the worker's release_held task does with that:
    assert tasks.release_held.apply(args=[merchant.pk]).get() == 2

    assert pipeline.process(submission.pk) == Submission.Status.DELIVERED
    submission.refresh_from_db()
    assert submission.key_fingerprint == other_keypair.fingerprint


def test_dead_mail_server_retries_with_backoff_then_fails_and_can_be_redelivered(
    mail_form, dead_mail_server, settings
):
    settings.INTAKE_DELIVERY_MAX_ATTEMPTS = 3
    submission = receive(mail_form, name="Zoë")

    delays = []
    for _ in range(3):
        with pytest.raises(pipeline.delivery.DeliveryFailed):
            pipeline.process(submission.pk)
        delays.append(pipeline.note_failure(submission.pk, "mail server unreachable"))

    assert delays == [30, 60, None]
    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert submission.attempts == 3
    assert submission.last_error == "mail server unreachable"
    assert submission.ciphertext, "the encrypted copy is kept for a later delivery"

    pipeline.redeliver(submission)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.ENCRYPTED
    assert submission.attempts == 0


def test_task_retries_a_dead_mail_server_then_marks_the_submission_failed(
    mail_form, dead_mail_server, settings, caplog
):
    settings.INTAKE_DELIVERY_MAX_ATTEMPTS = 3
    submission = receive(mail_form, name="Zoë")

    # apply() runs Celery's retries in this process, one after another.
    encrypt_and_deliver.apply(args=[str(submission.pk)])

    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert submission.attempts == 3
    assert "mail server" in submission.last_error
    assert "next try in 30 s" in caplog.text and "next try in 60 s" in caplog.text


def test_submission_sealed_with_a_forgotten_key_is_marked_failed(log_form, settings):
    submission = receive(log_form, name="Zoë")
    from cryptography.fernet import Fernet

    settings.INTAKE_SEALING_KEYS = [Fernet.generate_key().decode()]
    encrypt_and_deliver.apply(args=[str(submission.pk)])

    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert "sealing key" in submission.last_error


def test_sweep_requeues_submissions_whose_task_never_ran(
    log_form, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(queueing, "queue_submission", queued.append)
    lost = receive(log_form, name="lost")
    fresh = receive(log_form, name="fresh")
    Submission.objects.filter(pk=lost.pk).update(due_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        overdue = pipeline.requeue_overdue()

    assert overdue == [lost.pk]
    assert queued == [lost.pk]
    assert pipeline.process(lost.pk) == Submission.Status.DELIVERED
    assert Submission.objects.get(pk=fresh.pk).status == Submission.Status.RECEIVED
    # Just queued, so the next sweep leaves it alone.
    assert pipeline.requeue_overdue() == []


def test_test_documents_go_to_every_enabled_form(
    log_form, mail_form, smtp_server, merchant_keypair
):
    from intake.endpoints import create_endpoint

    create_endpoint(
        log_form.customer,
        domain=log_form.domain,
        slug="retired-form",
        delivery="log",
        enabled=False,
    )

    targets = pipeline.send_test(log_form.customer)

    assert targets == [
        "e-mail to orders@alices-teas.example (alices-teas.example/contact)",
        "log of alices-teas.example/order",
    ]
    tests = Submission.objects.filter(is_test=True)
    assert {s.endpoint.slug for s in tests} == {"contact", "order"}
    for submission in tests:
        assert pipeline.process(submission.pk) == Submission.Status.DELIVERED
    [message] = smtp_server.messages
    assert message["Subject"].startswith("Test message:")


def test_unwritable_log_storage_fails_the_delivery_and_tells_the_merchant(
    log_form, settings, tmp_path
):
    settings.INTAKE_DELIVERY_MAX_ATTEMPTS = 2
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be")
    use_log_storage(settings, blocker / "intake-log")
    submission = receive(log_form, name="Zoë")

    encrypt_and_deliver.apply(args=[str(submission.pk)])

    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert submission.last_error.startswith("log storage refused the entry")
    [notice] = mail.outbox
    assert notice.subject == "Cape Panel: form submissions could not be delivered"
    assert "alices-teas.example/order" in notice.body
    assert "log storage refused the entry" in notice.body
    assert "Zoë" not in notice.body


def test_ftp_server_down_is_retried_then_failed_without_leaking_its_password(
    log_form, settings, caplog
):
    from tests.broker import free_port

    settings.INTAKE_DELIVERY_MAX_ATTEMPTS = 2
    use_log_storage(
        settings,
        backend="storages.backends.ftp.FTPStorage",
        options={"location": f"ftp://capeuser:S3cretFtpPass@127.0.0.1:{free_port()}/"},
    )
    submission = receive(log_form, name="Zoë")

    encrypt_and_deliver.apply(args=[str(submission.pk)])

    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert submission.attempts == 2
    assert submission.last_error == "log storage refused the entry (FTPStorageException)"
    assert "S3cretFtpPass" not in caplog.text
    assert all("S3cretFtpPass" not in m.body for m in mail.outbox)


def test_an_unexpected_fault_is_counted_and_retried_not_looped_unseen(
    log_form, settings, monkeypatch, caplog
):
    settings.INTAKE_DELIVERY_MAX_ATTEMPTS = 2
    submission = receive(log_form, name="Zoë")

    def broken(*args, **kwargs):
        raise KeyError("secret detail from deep inside")

    monkeypatch.setattr(pipeline.delivery, "write_log_entry", broken)
    encrypt_and_deliver.apply(args=[str(submission.pk)])

    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert submission.last_error == "unexpected fault: KeyError"
    assert "secret detail" not in caplog.text


def test_sweep_releases_held_submissions_whose_release_was_lost(
    log_form, merchant, other_keypair, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(queueing, "queue_release", lambda customer_id: False)  # broker down
    monkeypatch.setattr(queueing, "queue_submission", lambda submission_id: False)
    submission = receive(log_form, name="Zoë")
    merchant.public_keys.update(status="retired")
    assert pipeline.process(submission.pk) == Submission.Status.HELD
    add_key(merchant, other_keypair.armored_public.encode())
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.HELD

    pipeline.requeue_overdue()

    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.RECEIVED
    assert pipeline.process(submission.pk) == Submission.Status.DELIVERED


def test_sweep_leaves_held_submissions_alone_while_there_is_no_key(log_form, merchant):
    submission = receive(log_form, name="Zoë")
    merchant.public_keys.update(status="retired")
    pipeline.process(submission.pk)

    pipeline.requeue_overdue()

    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.HELD


def test_queueing_with_the_broker_down_answers_at_once_and_says_so(settings, caplog):
    from tests.broker import dead_broker

    with dead_broker():
        assert queueing.queue_release(42) is False
    assert "intake.tasks.release_held 42 not queued" in caplog.text


def test_a_log_entry_cut_short_by_a_crash_is_written_again_whole(log_form, merchant_keypair):
    submission = receive(log_form, name="Zoë")
    pipeline.encrypt(submission.pk)
    submission.refresh_from_db()
    name = pipeline.delivery.log_name(submission)
    from django.core.files.base import ContentFile

    intake_log().save(name, ContentFile(submission.ciphertext[:40].encode()))  # a torn write

    assert pipeline.deliver(submission.pk) == Submission.Status.DELIVERED
    with intake_log().open(name, "rb") as handle:
        assert json.loads(decrypt(merchant_keypair, handle.read()))["fields"]["name"] == ["Zoë"]


def test_only_failed_or_held_submissions_can_be_delivered_again(log_form):
    from django.core.exceptions import ValidationError

    submission = receive(log_form, name="Zoë")
    pipeline.process(submission.pk)

    with pytest.raises(ValidationError) as refused:
        pipeline.redeliver(submission)
    assert refused.value.messages == [
        "This submission is delivered: only failed or held submissions can be delivered again."
    ]


def test_a_submission_no_retry_can_mend_tells_the_merchant(log_form, settings):
    from cryptography.fernet import Fernet

    submission = receive(log_form, name="Zoë")
    settings.INTAKE_SEALING_KEYS = [Fernet.generate_key().decode()]

    encrypt_and_deliver.apply(args=[str(submission.pk)])

    [notice] = mail.outbox
    assert "could not be delivered" in notice.subject
    assert "sealing key" in notice.body


def test_a_key_rotated_while_gpg_works_gets_the_submission_encrypted_again(
    log_form, merchant, other_keypair, monkeypatch
):
    from customers import openpgp

    submission = receive(log_form, name="Zoë")
    real_encrypt = openpgp.encrypt
    rotated = []

    def encrypt_while_the_merchant_rotates(plaintext, armored, fingerprint):
        ciphertext = real_encrypt(plaintext, armored, fingerprint)
        if not rotated:
            rotated.append(add_key(merchant, other_keypair.armored_public.encode()))
        return ciphertext

    monkeypatch.setattr(openpgp, "encrypt", encrypt_while_the_merchant_rotates)

    assert pipeline.encrypt(submission.pk) == Submission.Status.ENCRYPTED
    submission.refresh_from_db()
    assert submission.key_fingerprint == other_keypair.fingerprint
    assert json.loads(decrypt(other_keypair, submission.ciphertext))["fields"]["name"] == ["Zoë"]


def test_a_release_that_arrives_late_never_reopens_a_delivered_submission(
    log_form, merchant, monkeypatch
):
    submission = receive(log_form, name="Zoë")
    assert pipeline.process(submission.pk) == Submission.Status.DELIVERED

    # Another release read this id as held a moment before it was released
    # and delivered; release_held reads the ids with list(), so that is where
    # the stale id is slipped in.
    def list_with_a_stale_id(values):
        return [*values, submission.pk]

    monkeypatch.setattr(pipeline, "list", list_with_a_stale_id, raising=False)
    pipeline.release_held(merchant)

    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.DELIVERED
