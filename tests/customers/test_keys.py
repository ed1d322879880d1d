"""customers.keys: adding, rotating, re-adding and retiring a merchant's keys."""

import pytest

from customers.keys import add_key, check_key, retire_key
from customers.models import AuditEvent, PublicKey
from customers.openpgp import KeyRejected


@pytest.fixture
def queued_releases(monkeypatch):
    """Customer ids whose held submissions were queued for release."""
    from intake import queueing

    queued = []
    monkeypatch.setattr(queueing, "queue_release", queued.append)
    return queued


def actions(customer):
    return list(
        AuditEvent.objects.filter(customer=customer).order_by("pk").values_list("action", "detail")
    )


def test_first_key_becomes_active_and_is_stored_as_gpg_described_it(alices_teas, merchant_keypair):
    key = add_key(alices_teas, merchant_keypair.armored_public.encode())

    assert key.status == PublicKey.Status.ACTIVE
    assert key.fingerprint == merchant_keypair.fingerprint
    assert key.algorithm == "EdDSA/ECDH cv25519"
    assert key.user_ids == ["Alice's Teas <keys@alices-teas.example>"]
    assert key.armored.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert alices_teas.active_key() == key
    assert actions(alices_teas) == [("key.added", f"fingerprint={merchant_keypair.fingerprint}")]


def test_adding_a_key_releases_held_submissions_after_commit(
    alices_teas, merchant_keypair, queued_releases, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        add_key(alices_teas, merchant_keypair.armored_public.encode())
    assert queued_releases == [], "nothing is queued before the commit"

    for callback in callbacks:
        callback()

    assert queued_releases == [alices_teas.pk]


def test_a_new_key_retires_the_previous_one(
    alices_teas, merchant_keypair, other_keypair, queued_releases
):
    first = add_key(alices_teas, merchant_keypair.armored_public.encode())

    second = add_key(alices_teas, other_keypair.armored_public.encode())

    first.refresh_from_db()
    assert first.status == PublicKey.Status.RETIRED
    assert first.retired_at is not None
    assert second.status == PublicKey.Status.ACTIVE
    assert alices_teas.active_key() == second
    assert alices_teas.public_keys.filter(status="active").count() == 1
    assert actions(alices_teas)[1:] == [
        ("key.added", f"fingerprint={other_keypair.fingerprint}"),
        ("key.retired", f"fingerprint={merchant_keypair.fingerprint}"),
    ]


def test_the_same_key_again_is_rejected_as_already_uploaded(alices_teas, merchant_keypair):
    add_key(alices_teas, merchant_keypair.armored_public.encode())

    with pytest.raises(KeyRejected) as caught:
        add_key(alices_teas, merchant_keypair.binary())

    assert caught.value.reason == (
        f"This key ({merchant_keypair.fingerprint}) was already uploaded and is in use."
    )
    assert alices_teas.public_keys.count() == 1


def test_a_retired_key_uploaded_again_becomes_active_again(
    alices_teas, merchant_keypair, other_keypair
):
    first = add_key(alices_teas, merchant_keypair.armored_public.encode())
    add_key(alices_teas, other_keypair.armored_public.encode())

    again = add_key(alices_teas, merchant_keypair.armored_public.encode())

    assert again.pk == first.pk
    assert again.status == PublicKey.Status.ACTIVE
    assert again.retired_at is None
    assert alices_teas.active_key() == again
    assert alices_teas.public_keys.get(fingerprint=other_keypair.fingerprint).status == (
        PublicKey.Status.RETIRED
    )
    assert ("key.reactivated", f"fingerprint={merchant_keypair.fingerprint}") in (
        actions(alices_teas)
    )


def test_a_key_revoked_in_the_panel_cannot_come_back(alices_teas, merchant_keypair):
    key = add_key(alices_teas, merchant_keypair.armored_public.encode())
    PublicKey.objects.filter(pk=key.pk).update(status=PublicKey.Status.REVOKED)

    with pytest.raises(KeyRejected) as caught:
        add_key(alices_teas, merchant_keypair.armored_public.encode())

    assert caught.value.reason == (
        f"The key {merchant_keypair.fingerprint} was revoked in the panel and cannot "
        "be used again. Upload a new key."
    )


def test_the_same_key_with_a_new_expiry_refreshes_the_stored_copy(alices_teas, merchant_keypair):
    key = add_key(alices_teas, merchant_keypair.armored_public.encode())
    # As if the stored copy were an older export that expired sooner.
    PublicKey.objects.filter(pk=key.pk).update(
        expires_at="2027-01-01T00:00:00Z", reminders_sent=["30d"]
    )

    refreshed = add_key(alices_teas, merchant_keypair.armored_public.encode())

    assert refreshed.pk == key.pk
    assert refreshed.expires_at is None
    assert refreshed.reminders_sent == []
    assert actions(alices_teas)[-1] == (
        "key.updated",
        f"fingerprint={merchant_keypair.fingerprint}",
    )


def test_an_unusable_key_changes_nothing(alices_teas, merchant_keypair, expired_key):
    add_key(alices_teas, merchant_keypair.armored_public.encode())

    with pytest.raises(KeyRejected):
        add_key(alices_teas, expired_key.armored_public.encode())

    assert alices_teas.active_key().fingerprint == merchant_keypair.fingerprint
    assert alices_teas.public_keys.count() == 1


def test_retiring_the_active_key_leaves_the_merchant_without_one(alices_teas, merchant_keypair):
    key = add_key(alices_teas, merchant_keypair.armored_public.encode())

    retired = retire_key(key)
    retire_key(retired)  # a second time does nothing more

    assert retired.status == PublicKey.Status.RETIRED
    assert retired.retired_at is not None
    assert alices_teas.active_key() is None
    assert [a for a, _ in actions(alices_teas)] == ["key.added", "key.retired"]


def test_check_key_inspects_without_storing(alices_teas, merchant_keypair):
    info = check_key(merchant_keypair.armored_public.encode())

    assert info.fingerprint == merchant_keypair.fingerprint
    assert not PublicKey.objects.exists()
