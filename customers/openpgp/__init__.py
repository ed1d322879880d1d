"""The one package that speaks to gpg.

Every call runs in a throwaway GnuPG home that is removed afterwards, so no
keyring is ever shared between concurrent workers and the cost of a call does
not grow with the number of customers. gpg is kept offline (no agent, no
dirmngr, no key lookups) and every call has a timeout.

python-gnupg raises nothing when gpg fails, so every result is checked and
turned into OpenPGPError, KeyRejected or EncryptionFailed. Secret key material
is recognised from the OpenPGP packets themselves and never handed to gpg.

This module is the public API (inspect_key, encrypt, KeyInfo and the
exceptions); the work is done in
- errors: the exceptions, re-exported here;
- packets: reading armor and packets by hand, without gpg;
- gpg: the python-gnupg wrapper (the throwaway home, timeouts, status lines);
- listing: reading gpg's colon listing of a key into a verdict.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils import timezone

from customers.openpgp.errors import EncryptionFailed, KeyRejected, OpenPGPError
from customers.openpgp.gpg import IMPORT_OPTIONS, Home, status_lines
from customers.openpgp.listing import (
    FINITE_FIELD,
    MIN_RSA_BITS,
    algorithm_name,
    judge,
    parse_listing,
)
from customers.openpgp.packets import (
    PRIVATE_KEY_REFUSAL,
    UNREADABLE,
    Unreadable,
    check_packets,
    read_packets,
    reassemble,
)

__all__ = [
    "MAX_KEY_BYTES",
    "MIN_RSA_BITS",
    "EncryptionFailed",
    "KeyInfo",
    "KeyRejected",
    "OpenPGPError",
    "encrypt",
    "inspect_key",
]

logger = logging.getLogger(__name__)

# A public key with a few subkeys and user IDs is a few kilobytes; a photo ID
# adds tens. Anything near this size is a key flooded with signatures.
MAX_KEY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class KeyInfo:
    fingerprint: str
    algorithm: str
    bits: int | None
    user_ids: list[str] = field(hash=False)
    created_at: datetime
    expires_at: datetime | None
    armored: str = field(repr=False)


# --- Inspecting a key ---------------------------------------------------------


def _aware(timestamp):
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def inspect_key(data: bytes) -> KeyInfo:
    """Describe the single OpenPGP public key in `data` (armored or binary).

    Raises KeyRejected with a reason a merchant can act on if it is not a key
    the panel can encrypt to, and OpenPGPError if gpg itself failed.
    """
    if not data or not data.strip():
        raise KeyRejected("The file is empty.")
    if len(data) > MAX_KEY_BYTES:
        raise KeyRejected(
            "The file is larger than 1 MB, far more than a public key needs. "
            "Export the key without others' signatures: "
            "gpg --armor --export-options export-minimal --export FINGERPRINT."
        )
    now = timezone.now()
    try:
        packets = read_packets(data)
        check_packets(packets, now)
    except Unreadable:
        raise KeyRejected(UNREADABLE) from None
    binary = b"".join(reassemble(p) for p in packets)

    with Home() as home:
        imported = home.run("read the key", home.gpg.import_keys, binary, extra_args=IMPORT_OPTIONS)
        if imported.sec_read or imported.sec_imported:
            raise KeyRejected(PRIVATE_KEY_REFUSAL)
        if not imported.fingerprints:
            if imported.no_user_id:
                raise KeyRejected(
                    "The key has no valid user ID (a name and e-mail address). "
                    "Add one with gpg --quick-add-uid FINGERPRINT 'Name <email>' "
                    "and export it again."
                )
            raise KeyRejected(UNREADABLE)
        fingerprint = imported.fingerprints[0]

        listing = home.run("list the key", home.gpg.list_keys, keys=[fingerprint])
        if listing.returncode != 0 or not listing.data:
            raise OpenPGPError("gpg could not list the key it had read.")
        primary, subkeys, user_ids = parse_listing(listing.data.decode("utf-8", "replace"))
        encryption = judge(primary, subkeys, user_ids, now)

        armored = home.run(
            "export the key",
            home.gpg.export_keys,
            fingerprint,
            armor=True,
            minimal=True,
        )
        if not armored.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----"):
            raise OpenPGPError("gpg could not export the key it had read.")

    expiries = [t for t in (primary.expires, encryption.expires) if t is not None]
    return KeyInfo(
        fingerprint=primary.fingerprint.upper(),
        algorithm=algorithm_name(primary, encryption),
        bits=encryption.bits if encryption.algorithm in FINITE_FIELD else None,
        user_ids=user_ids,
        created_at=_aware(primary.created),
        expires_at=_aware(min(expiries)) if expiries else None,
        armored=armored.replace("\r\n", "\n"),
    )


# --- Encrypting ---------------------------------------------------------------

_INV_RECP_REASONS = {
    "1": "the stored key does not contain that fingerprint",
    "3": "the key has no encryption subkey that GnuPG can use",
    "4": "the key has been revoked",
    "5": "the key has expired",
}
_FINGERPRINT = re.compile(r"^(?:[0-9A-F]{40}|[0-9A-F]{64})$")


def encrypt(plaintext: bytes, armored_key: str, fingerprint: str) -> str:
    """An ASCII-armored OpenPGP message of `plaintext` to exactly the key with
    that full fingerprint, or EncryptionFailed with the reason."""
    fingerprint = (fingerprint or "").replace(" ", "").upper()
    if not _FINGERPRINT.match(fingerprint):
        raise EncryptionFailed("The key's fingerprint is not a full fingerprint.")
    if not armored_key or not isinstance(plaintext, bytes):
        raise EncryptionFailed("Nothing to encrypt to, or nothing to encrypt.")
    try:
        return _encrypt(plaintext, armored_key, fingerprint)
    except EncryptionFailed:
        raise
    except OpenPGPError as exc:
        # gpg missing, or too slow: to the caller, one more failed encryption.
        raise EncryptionFailed(exc.reason) from None


def _encrypt(plaintext, armored_key, fingerprint):
    with Home() as home:
        imported = home.run(
            "load the key",
            home.gpg.import_keys,
            armored_key.encode("ascii", "replace"),
            extra_args=IMPORT_OPTIONS,
        )
        if fingerprint not in imported.fingerprints:
            raise EncryptionFailed(f"The stored key {fingerprint} could not be loaded into gpg.")
        result = home.run(
            "encrypt",
            home.gpg.encrypt,
            plaintext,
            [fingerprint],
            always_trust=True,
            armor=True,
        )
        message = result.data or b""
        if not result.ok or not message.startswith(b"-----BEGIN PGP MESSAGE-----"):
            raise EncryptionFailed(_encryption_failure(home, result, fingerprint))
    return message.decode("ascii")


def _encryption_failure(home, result, fingerprint):
    """Why gpg did not encrypt, in words; gpg's own status says too little
    (a revoked key is merely "unusable"), so the key's listing is asked too."""
    listing = home.run("list the key", home.gpg.list_keys, keys=[fingerprint])
    try:
        primary, _, _ = parse_listing(listing.data.decode("utf-8", "replace"))
    except OpenPGPError:
        primary = None
    if primary is not None and primary.validity == "r":
        return f"Cannot encrypt to {fingerprint}: the key has been revoked."
    if status_lines(result, "KEYEXPIRED") or (primary is not None and primary.validity == "e"):
        return f"Cannot encrypt to {fingerprint}: the key has expired."
    invalid = status_lines(result, "INV_RECP")
    if invalid:
        code = invalid[0][1] if len(invalid[0]) > 1 else ""
        reason = _INV_RECP_REASONS.get(
            code, "gpg cannot use the key (expired, revoked or unable to encrypt)"
        )
        return f"Cannot encrypt to {fingerprint}: {reason}."
    failures = [" ".join(w[:3]) for w in status_lines(result, "FAILURE", "ERROR")]
    logger.warning(
        "gpg could not encrypt to %s (exit %s; %s)",
        fingerprint,
        result.returncode,
        "; ".join(failures) or "no status",
    )
    return f"Cannot encrypt to {fingerprint}: gpg failed (exit {result.returncode})."
