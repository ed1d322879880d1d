"""customers.openpgp against the real gpg: what it accepts, what it rejects
and why, and encryption that the merchant's secret key decrypts."""

import base64
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from customers import openpgp
from customers.openpgp import EncryptionFailed, KeyRejected, OpenPGPError, inspect_key
from tests.gpg import (
    armor,
    decrypt,
    packet,
    packets,
    run_gpg,
    v6_key,
    without_user_ids,
)

UNREADABLE = (
    "The file is not a readable OpenPGP public key. Export it with "
    "gpg --armor --export FINGERPRINT and upload that file."
)
SECRET = (
    "The file contains a secret (private) key, which must never leave your "
    "computer. It was not stored. Upload only the public key, exported with "
    "gpg --armor --export FINGERPRINT."
)
NOT_A_KEY = (
    "The file holds no OpenPGP public key (it may be an encrypted message or a "
    "signature). Export the key with gpg --armor --export FINGERPRINT."
)
NO_USER_ID = (
    "The key has no user ID (a name and e-mail address). Add one with "
    "gpg --quick-add-uid FINGERPRINT 'Name <email>' and export it again."
)


def rejected(data):
    with pytest.raises(KeyRejected) as caught:
        inspect_key(data)
    return caught.value.reason


# --- Accepted ----------------------------------------------------------------


def test_describes_an_ed25519_key(merchant_keypair):
    info = inspect_key(merchant_keypair.armored_public.encode())

    assert info.fingerprint == merchant_keypair.fingerprint
    assert len(info.fingerprint) == 40 and info.fingerprint.isupper()
    assert info.algorithm == "EdDSA/ECDH cv25519"
    assert info.bits is None
    assert info.user_ids == ["Alice's Teas <keys@alices-teas.example>"]
    assert info.created_at.tzinfo is not None
    assert abs(datetime.now(UTC) - info.created_at) < timedelta(hours=1)
    assert info.expires_at is None
    assert info.armored.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----\n")
    assert info.armored.rstrip().endswith("-----END PGP PUBLIC KEY BLOCK-----")


def test_describes_an_rsa_key(rsa_key):
    info = inspect_key(rsa_key.armored_public.encode())

    assert (info.algorithm, info.bits) == ("RSA", 2048)
    assert info.user_ids == ["Carol RSA <carol@example.com>"]


def test_normalized_export_is_itself_accepted(merchant_keypair):
    info = inspect_key(merchant_keypair.armored_public.encode())

    assert inspect_key(info.armored.encode()).fingerprint == info.fingerprint


def test_accepts_a_binary_key(merchant_keypair):
    info = inspect_key(merchant_keypair.binary())

    assert info.fingerprint == merchant_keypair.fingerprint


def test_accepts_crlf_armor_with_extra_headers_and_text_around(merchant_keypair):
    lines = merchant_keypair.armored_public.splitlines()
    lines[1:1] = ["Version: GnuPG v2", "Comment: Alice's shop key, rotated 2026"]
    pasted = (
        "Hi, here is my key as you asked:\r\n\r\n"
        + "\r\n".join(lines)
        + "\r\n\r\nRegards, Alice\r\n"
    )

    assert inspect_key(pasted.encode()).fingerprint == merchant_keypair.fingerprint


def test_accepts_armor_saved_as_utf16_by_windows_powershell(merchant_keypair):
    data = merchant_keypair.armored_public.encode("utf-16")

    assert inspect_key(data).fingerprint == merchant_keypair.fingerprint


def test_uses_the_newer_encryption_subkey_when_the_older_expired(rotated_subkey_key):
    info = inspect_key(rotated_subkey_key.armored_public.encode())

    assert info.created_at == datetime(2020, 1, 1, tzinfo=UTC)
    expected = datetime.now(UTC) + timedelta(days=2 * 365)
    assert abs(info.expires_at - expected) < timedelta(days=2)


def test_a_revoked_subkey_beside_a_valid_one_is_fine(revoked_subkey_key):
    info = inspect_key(revoked_subkey_key.armored_public.encode())

    message = openpgp.encrypt(b"tea order", info.armored, info.fingerprint)
    assert decrypt(revoked_subkey_key, message) == b"tea order"


def test_expiry_is_the_earlier_of_primary_key_and_encryption_subkey(
    expiring_primary_key,
):
    info = inspect_key(expiring_primary_key.armored_public.encode())

    expected = datetime.now(UTC) + timedelta(days=365)
    assert abs(info.expires_at - expected) < timedelta(days=2)


def test_third_party_signatures_are_not_kept(certified_key):
    def signatures(armored):
        binary = run_gpg(certified_key.home, "--dearmor", input=armored.encode())
        return sum(1 for tag, _ in packets(binary) if tag == 2)

    info = inspect_key(certified_key.armored_public.encode())

    # A self-signature on the user ID and a binding on the subkey remain.
    assert (signatures(certified_key.armored_public), signatures(info.armored)) == (
        5,
        2,
    )


# --- Rejected ------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \r\n\t"])
def test_rejects_empty_input(data):
    assert rejected(data) == "The file is empty."


@pytest.mark.parametrize(
    "data",
    [
        b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBb alice@laptop",
        b"\x00\x01\x02 not a packet",
        b"\xff\xfe-\x00-\x00-",  # odd-length UTF-16
        b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n",  # no END line
        b"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!\n-----END PGP PUBLIC KEY BLOCK-----\n",
    ],
    ids=["ssh-key", "binary-garbage", "broken-utf16", "truncated-armor", "bad-base64"],
)
def test_rejects_unreadable_input(data):
    assert rejected(data) == UNREADABLE


def test_rejects_a_truncated_binary_key(merchant_keypair):
    assert rejected(merchant_keypair.binary()[:-20]) == UNREADABLE


def test_rejects_armor_whose_checksum_does_not_match(merchant_keypair):
    lines = merchant_keypair.armored_public.splitlines()
    body = lines[2]
    lines[2] = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]

    assert rejected("\n".join(lines).encode()) == (
        "The armored key is damaged: its checksum does not match. "
        "Copy the whole block again, from -----BEGIN to -----END."
    )


def test_rejects_an_oversized_file():
    assert rejected(b"x" * (openpgp.MAX_KEY_BYTES + 1)) == (
        "The file is larger than 1 MB, far more than a public key needs. "
        "Export the key without others' signatures: "
        "gpg --armor --export-options export-minimal --export FINGERPRINT."
    )


def test_rejects_an_armored_secret_key(merchant_keypair):
    assert rejected(merchant_keypair.secret(armor=True)) == SECRET


def test_rejects_a_binary_secret_key(merchant_keypair):
    assert rejected(merchant_keypair.secret(armor=False)) == SECRET


def test_rejects_secret_packets_under_a_public_armor_header(merchant_keypair):
    disguised = armor(merchant_keypair.secret(armor=False), "PUBLIC KEY BLOCK")

    assert rejected(disguised.encode()) == SECRET


def test_rejects_a_public_key_followed_by_a_secret_one(merchant_keypair):
    data = merchant_keypair.binary() + merchant_keypair.secret(armor=False)

    assert rejected(data) == SECRET


def test_rejects_an_encrypted_message(merchant_keypair):
    message = openpgp.encrypt(
        b"hello", merchant_keypair.armored_public, merchant_keypair.fingerprint
    )

    assert rejected(message.encode()) == NOT_A_KEY


def test_rejects_two_keys_in_one_file(key_maker, merchant_keypair, rsa_key):
    both = merchant_keypair.armored_public + rsa_key.armored_public

    assert rejected(both.encode()) == "The file holds 2 keys; upload exactly one public key."


def test_rejects_a_key_without_user_id(merchant_keypair):
    assert rejected(without_user_ids(merchant_keypair.binary())) == NO_USER_ID


def test_rejects_a_key_created_in_the_future(future_key):
    reason = rejected(future_key)

    made = (datetime.now(UTC) + timedelta(days=3 * 365)).date()
    assert reason in {
        f"The key was created in the future ({day}): the clock of the computer "
        "that made it is probably wrong. Correct the clock and make a new key."
        for day in (made - timedelta(days=1), made, made + timedelta(days=1))
    }


def test_rejects_an_rfc9580_version_6_key():
    assert rejected(armor(v6_key()).encode()) == (
        "The key uses OpenPGP key format version 6, which the GnuPG on this "
        "server cannot read. Please upload a version 4 key (the default of GnuPG "
        "2.2 and 2.4)."
    )


def test_rejects_a_subkey_before_the_primary_key(merchant_keypair):
    stray_subkey = packet(14, bytes([4]) + bytes(40))

    assert rejected(stray_subkey + merchant_keypair.binary()) == UNREADABLE


def test_rejects_a_sign_only_key(sign_only_key):
    assert rejected(sign_only_key) == (
        "The key can only sign, not encrypt: it has no encryption subkey. Add one "
        "with gpg --quick-add-key FINGERPRINT cv25519 encr and export the key again."
    )


def test_rejects_an_expired_key(expired_key):
    assert rejected(expired_key.armored_public.encode()) == (
        "The key expired on 2020-12-31. Extend it with gpg --quick-set-expire "
        "FINGERPRINT 2y and gpg --quick-set-expire FINGERPRINT 2y '*', then export "
        "it again."
    )


def test_rejects_a_key_whose_only_encryption_subkey_expired(expired_subkey_key):
    assert rejected(expired_subkey_key) == (
        "The key's encryption subkey expired on 2020-12-31. Extend it with "
        "gpg --quick-set-expire FINGERPRINT 2y '*' (or add a new encryption "
        "subkey) and export the key again."
    )


def test_rejects_a_key_whose_only_encryption_subkey_was_revoked(
    only_subkey_revoked_key,
):
    assert rejected(only_subkey_revoked_key) == (
        "The key's encryption subkey has been revoked. Add a new one with "
        "gpg --quick-add-key FINGERPRINT cv25519 encr and export the key again."
    )


def test_rejects_a_revoked_key(revoked_key):
    assert rejected(revoked_key.armored_public.encode()) == (
        "The key has been revoked by its owner. Upload your current key."
    )


WEAK = (
    "The key uses RSA with 1024 bits, which is too weak; at least 2048 bits are "
    "needed. Make a new key, for example with gpg --quick-gen-key 'Name <email>' "
    "future-default default 2y."
)


def test_rejects_rsa_1024(weak_rsa_key):
    assert rejected(weak_rsa_key) == WEAK


def test_rejects_a_weak_encryption_subkey_under_a_strong_primary(weak_subkey_key):
    assert rejected(weak_subkey_key) == WEAK


# --- gpg kept in its box ---------------------------------------------------------


def test_leaves_no_gnupg_home_and_no_agent_behind(merchant_keypair, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    inspect_key(merchant_keypair.armored_public.encode())
    openpgp.encrypt(b"x", merchant_keypair.armored_public, merchant_keypair.fingerprint)

    assert list(tmp_path.iterdir()) == []
    agents = subprocess.run(
        ["pgrep", "-af", "gpg-agent"], capture_output=True, text=True, check=False
    ).stdout
    assert str(tmp_path) not in agents


def test_a_gpg_that_hangs_is_stopped_after_the_timeout(merchant_keypair, tmp_path, settings):
    hanging = tmp_path / "gpg"
    hanging.write_text("#!/bin/sh\nsleep 60\n")
    hanging.chmod(0o755)
    settings.GPG_BINARY = str(hanging)
    settings.GPG_TIMEOUT_SECONDS = 1

    started = time.monotonic()
    with pytest.raises(OpenPGPError) as caught:
        inspect_key(merchant_keypair.armored_public.encode())

    assert caught.value.reason == "gpg did not finish within 1 seconds trying to start."
    assert time.monotonic() - started < 10


def test_a_missing_gpg_is_an_error_not_a_crash(merchant_keypair, settings):
    settings.GPG_BINARY = "/nonexistent/gpg"
    reason = "The gpg program '/nonexistent/gpg' could not be run."

    with pytest.raises(OpenPGPError) as inspecting:
        inspect_key(merchant_keypair.armored_public.encode())
    with pytest.raises(EncryptionFailed) as encrypting:
        openpgp.encrypt(b"x", merchant_keypair.armored_public, merchant_keypair.fingerprint)

    assert inspecting.value.reason == encrypting.value.reason == reason
    assert not isinstance(inspecting.value, KeyRejected), "not the merchant's fault"


# --- Encryption --------------------------------------------------------------------


def test_encrypts_to_the_key_so_that_its_secret_key_decrypts(merchant_keypair):
    plaintext = "Name: Zoë\nCard: 4111 1111 1111 1111\n".encode()

    message = openpgp.encrypt(
        plaintext, merchant_keypair.armored_public, merchant_keypair.fingerprint
    )

    assert message.startswith("-----BEGIN PGP MESSAGE-----")
    assert decrypt(merchant_keypair, message) == plaintext


def test_encrypts_to_the_stored_normalized_key(rotated_subkey_key):
    info = inspect_key(rotated_subkey_key.armored_public.encode())

    message = openpgp.encrypt(b"\x00binary\xff", info.armored, info.fingerprint)

    assert decrypt(rotated_subkey_key, message) == b"\x00binary\xff"


def test_encrypts_in_parallel_without_a_shared_keyring(merchant_keypair, rsa_key):
    keys = [merchant_keypair, rsa_key] * 4

    with ThreadPoolExecutor(max_workers=8) as pool:
        messages = list(
            pool.map(
                lambda key: openpgp.encrypt(
                    key.fingerprint.encode(), key.armored_public, key.fingerprint
                ),
                keys,
            )
        )

    for key, message in zip(keys, messages, strict=True):
        assert decrypt(key, message) == key.fingerprint.encode()


def test_encrypting_to_a_key_that_has_since_expired_fails(expired_key):
    with pytest.raises(EncryptionFailed) as caught:
        openpgp.encrypt(b"x", expired_key.armored_public, expired_key.fingerprint)

    assert caught.value.reason == (
        f"Cannot encrypt to {expired_key.fingerprint}: the key has expired."
    )


def test_encrypting_to_a_revoked_key_fails(revoked_key):
    with pytest.raises(EncryptionFailed) as caught:
        openpgp.encrypt(b"x", revoked_key.armored_public, revoked_key.fingerprint)

    assert caught.value.reason == (
        f"Cannot encrypt to {revoked_key.fingerprint}: the key has been revoked."
    )


def test_encrypts_only_to_the_pinned_fingerprint(merchant_keypair, rsa_key):
    with pytest.raises(EncryptionFailed) as caught:
        openpgp.encrypt(b"x", merchant_keypair.armored_public, rsa_key.fingerprint)

    assert caught.value.reason == (
        f"The stored key {rsa_key.fingerprint} could not be loaded into gpg."
    )


@pytest.mark.parametrize("fingerprint", ["", "alice@alices-teas.example", "ABCD1234"])
def test_refuses_anything_but_a_full_fingerprint(merchant_keypair, fingerprint):
    with pytest.raises(EncryptionFailed) as caught:
        openpgp.encrypt(b"x", merchant_keypair.armored_public, fingerprint)

    assert caught.value.reason == "The key's fingerprint is not a full fingerprint."


def test_gpg_logger_stays_quiet_about_user_ids(merchant_keypair, caplog):
    caplog.set_level("DEBUG", logger="customers")

    inspect_key(merchant_keypair.armored_public.encode())
    openpgp.encrypt(b"secret", merchant_keypair.armored_public, merchant_keypair.fingerprint)

    assert "alices-teas.example" not in caplog.text
    assert "secret" not in caplog.text
    assert base64.b64encode(b"secret").decode() not in caplog.text
