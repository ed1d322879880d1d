"""The one module that speaks to gpg.

Every call runs in a throwaway GnuPG home that is removed afterwards, so no
keyring is ever shared between concurrent workers and the cost of a call does
not grow with the number of customers. gpg is kept offline (no agent, no
dirmngr, no key lookups) and every call has a timeout.

python-gnupg raises nothing when gpg fails, so every result is checked here and
turned into one of the exceptions below. Secret key material is recognised from
the OpenPGP packets themselves and never handed to gpg.
"""

import base64
import binascii
import logging
import os
import re
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import gnupg
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

# A public key with a few subkeys and user IDs is a few kilobytes; a photo ID
# adds tens. Anything near this size is a key flooded with signatures.
MAX_KEY_BYTES = 1024 * 1024
MIN_RSA_BITS = 2048

_OFFLINE_OPTIONS = [
    "--no-options",
    "--no-autostart",
    "--disable-dirmngr",
    "--no-auto-key-retrieve",
    "--no-auto-key-locate",
    "--no-greeting",
    "--no-permission-warning",
    "--no-random-seed-file",
    # The home belongs to this one call, so there is nothing to lock against.
    "--lock-never",
    # Acceptable only because recipients are pinned by full fingerprint.
    "--trust-model",
    "always",
]
# Third-party signatures are dropped on import: they are useless here and the
# means of flooding a key with thousands of them.
_IMPORT_OPTIONS = ["--import-options", "self-sigs-only,import-clean"]

_ALGORITHMS = {
    1: "RSA",
    2: "RSA",
    3: "RSA",
    16: "ElGamal",
    17: "DSA",
    18: "ECDH",
    19: "ECDSA",
    20: "ElGamal",
    22: "EdDSA",
}
_FINITE_FIELD = {"RSA", "ElGamal", "DSA"}


class OpenPGPError(Exception):
    """gpg could not do what was asked. `reason` is in plain words."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class KeyRejected(OpenPGPError):
    """The uploaded data is not a public key the panel can encrypt to."""


class EncryptionFailed(OpenPGPError):
    """A message could not be encrypted to a stored key."""


@dataclass(frozen=True)
class KeyInfo:
    fingerprint: str
    algorithm: str
    bits: int | None
    user_ids: list[str] = field(hash=False)
    created_at: datetime
    expires_at: datetime | None
    armored: str = field(repr=False)


# --- Reading packets ----------------------------------------------------------

_ARMOR_BEGIN = re.compile(r"^-----BEGIN PGP ([A-Z0-9 ,/]+)-----$")
_ARMOR_END = re.compile(r"^-----END PGP ([A-Z0-9 ,/]+)-----$")
_UNREADABLE = (
    "The file is not a readable OpenPGP public key. Export it with "
    "gpg --armor --export FINGERPRINT and upload that file."
)


class _Unreadable(Exception):
    pass


@dataclass(frozen=True)
class _Packet:
    tag: int
    body: bytes


def _crc24(data):
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def _dearmor(text):
    """The binary content and labels of every armor block in `text`."""
    blocks = []
    lines = iter(line.strip() for line in text.splitlines())
    for line in lines:
        begin = _ARMOR_BEGIN.match(line)
        if not begin:
            continue
        label = begin.group(1)
        body, checksum, in_headers = [], None, True
        for line in lines:
            if _ARMOR_END.match(line):
                break
            if in_headers:
                if not line:
                    in_headers = False
                    continue
                if ":" in line:
                    continue
                # Some tools omit the blank line when there are no headers.
                in_headers = False
            if line.startswith("=") and len(line) == 5:
                checksum = line[1:]
            elif line:
                body.append(line)
        else:
            raise _Unreadable("armor block without an END line")
        try:
            binary = base64.b64decode("".join(body), validate=True)
        except (binascii.Error, ValueError):
            raise _Unreadable("bad base64") from None
        if checksum is not None:
            try:
                expected = int.from_bytes(base64.b64decode(checksum), "big")
            except (binascii.Error, ValueError):
                raise _Unreadable("bad checksum line") from None
            if _crc24(binary) != expected:
                raise KeyRejected(
                    "The armored key is damaged: its checksum does not match. "
                    "Copy the whole block again, from -----BEGIN to -----END."
                )
        blocks.append((label, binary))
    return blocks


def _new_format_length(data, i):
    """(length, is_partial, next index) of a new-format length at data[i]."""
    first = data[i]
    if first < 192:
        return first, False, i + 1
    if first < 224:
        return ((first - 192) << 8) + data[i + 1] + 192, False, i + 2
    if first == 255:
        return int.from_bytes(data[i + 1 : i + 5], "big"), False, i + 5
    return 1 << (first & 0x1F), True, i + 1


def _packets(data):
    packets, i = [], 0
    try:
        while i < len(data):
            header = data[i]
            i += 1
            if not header & 0x80:
                raise _Unreadable("not a packet header")
            if header & 0x40:
                tag = header & 0x3F
                chunks, partial = [], True
                while partial:
                    length, partial, i = _new_format_length(data, i)
                    chunks.append(data[i : i + length])
                    if len(chunks[-1]) < length:
                        raise _Unreadable("truncated packet")
                    i += length
                body = b"".join(chunks)
            else:
                tag, length_type = (header >> 2) & 0x0F, header & 0x03
                if length_type == 3:
                    length = len(data) - i
                else:
                    size = 1 << length_type
                    length = int.from_bytes(data[i : i + size], "big")
                    i += size
                body = data[i : i + length]
                if len(body) < length:
                    raise _Unreadable("truncated packet")
                i += length
            packets.append(_Packet(tag, body))
    except IndexError:
        raise _Unreadable("truncated packet header") from None
    return packets


def _read_packets(data):
    """The packets in `data` (armored or binary); KeyRejected if they are
    secret, not a single public key, or not something gpg here can read."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # Windows PowerShell redirects gpg's armored output as UTF-16.
        try:
            data = data.decode("utf-16").encode("ascii", "replace")
        except UnicodeDecodeError:
            raise _Unreadable("broken UTF-16") from None
    if b"-----BEGIN PGP" in data:
        blocks = _dearmor(data.decode("ascii", "replace"))
        if any("PRIVATE" in label or "SECRET" in label for label, _ in blocks):
            raise KeyRejected(_PRIVATE_KEY_REFUSAL)
        binary = b"".join(body for _, body in blocks)
    else:
        binary = data
    if not binary:
        raise _Unreadable("no packets")
    return _packets(binary)


_PRIVATE_KEY_REFUSAL = (
    "The file contains a secret (private) key, which must never leave your "
    "computer. It was not stored. Upload only the public key, exported with "
    "gpg --armor --export FINGERPRINT."
)
# Packets a transferable public key may hold: signature, public key, marker,
# trust, user ID, public subkey, user attribute, padding.
_KEY_FILE_TAGS = {2, 6, 10, 12, 13, 14, 17, 21}


def _check_packets(packets, now):
    tags = [packet.tag for packet in packets]
    if 5 in tags or 7 in tags:
        raise KeyRejected(_PRIVATE_KEY_REFUSAL)
    if not set(tags) <= _KEY_FILE_TAGS or 6 not in tags:
        raise KeyRejected(
            "The file holds no OpenPGP public key (it may be an encrypted "
            "message or a signature). Export the key with gpg --armor --export "
            "FINGERPRINT."
        )
    if tags.count(6) > 1:
        raise KeyRejected(f"The file holds {tags.count(6)} keys; upload exactly one public key.")
    if tags.index(6) != min(i for i, t in enumerate(tags) if t not in (10, 12, 21)):
        raise _Unreadable("key material before the primary key")

    for packet in packets:
        if packet.tag not in (6, 14):
            continue
        if not packet.body:
            raise _Unreadable("empty key packet")
        version = packet.body[0]
        if version != 4:
            raise KeyRejected(
                f"The key uses OpenPGP key format version {version}, which the "
                "GnuPG on this server cannot read. Please upload a version 4 key "
                "(the default of GnuPG 2.2 and 2.4)."
            )
        if len(packet.body) < 6:
            raise _Unreadable("short key packet")

    primary = next(packet for packet in packets if packet.tag == 6)
    created = int.from_bytes(primary.body[1:5], "big")
    if created > now.timestamp():
        raise KeyRejected(
            f"The key was created in the future ({_date(created)}): the clock of "
            "the computer that made it is probably wrong. Correct the clock and "
            "make a new key."
        )
    if 13 not in tags:
        raise KeyRejected(
            "The key has no user ID (a name and e-mail address). Add one with "
            "gpg --quick-add-uid FINGERPRINT 'Name <email>' and export it again."
        )


# --- Running gpg --------------------------------------------------------------


class _GPG(gnupg.GPG):
    """python-gnupg in a home of its own, offline, with a timeout on every call.

    python-gnupg 0.5.7 waits for gpg forever, so its two process hooks are
    replaced: gpg starts in a session of its own, and a timer kills that whole
    session if it has not finished in time.
    """

    decode_errors = "replace"

    def __init__(self, home):
        self.timeout = settings.GPG_TIMEOUT_SECONDS
        self.timed_out = False
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "GNUPGHOME": home,
            "LC_ALL": "C",
            "LANG": "C",
        }
        try:
            super().__init__(
                gpgbinary=settings.GPG_BINARY,
                gnupghome=home,
                options=list(_OFFLINE_OPTIONS),
                env=env,
                encoding="utf-8",
            )
        except (OSError, ValueError) as exc:
            if self.timed_out:
                raise OpenPGPError(_timeout_reason(self.timeout, "start")) from None
            if isinstance(exc, OSError):
                raise OpenPGPError(
                    f"The gpg program {settings.GPG_BINARY!r} could not be run."
                ) from None
            raise OpenPGPError("gpg could not be started.") from None

    def _open_subprocess(self, args, passphrase=False):
        return subprocess.Popen(
            self.make_args(args, passphrase),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
            start_new_session=True,
        )

    def _collect_output(self, process, result, writer=None, stdin=None):
        timer = threading.Timer(self.timeout, self._kill, args=(process,))
        timer.daemon = True
        timer.start()
        try:
            return super()._collect_output(process, result, writer, stdin)
        finally:
            timer.cancel()

    def _kill(self, process):
        self.timed_out = True
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class _Home:
    """A throwaway GnuPG home with a _GPG on it; removed on exit."""

    def __enter__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="capepanel-gpg-", ignore_cleanup_errors=True)
        try:
            self.gpg = _GPG(self._dir.name)
        except BaseException:
            self._dir.cleanup()
            raise
        return self

    def __exit__(self, *exc_info):
        self._dir.cleanup()

    def run(self, what, call, *args, **kwargs):
        """call(*args, **kwargs) on the _GPG, as OpenPGPError if it broke."""
        try:
            result = call(*args, **kwargs)
        except (OSError, ValueError) as exc:
            if self.gpg.timed_out:
                raise OpenPGPError(_timeout_reason(self.gpg.timeout, what)) from None
            raise OpenPGPError(f"gpg failed while trying to {what}.") from exc
        if self.gpg.timed_out:
            raise OpenPGPError(_timeout_reason(self.gpg.timeout, what))
        return result


def _timeout_reason(timeout, what):
    logger.warning("gpg timed out after %ss trying to %s", timeout, what)
    return f"gpg did not finish within {timeout} seconds trying to {what}."


def _status_lines(result, *keywords):
    """gpg's status lines of the given kinds, without the [GNUPG:] prefix."""
    lines = []
    for line in (getattr(result, "stderr", "") or "").splitlines():
        if line.startswith("[GNUPG:] "):
            words = line[9:].split()
            if words and words[0] in keywords:
                lines.append(words)
    return lines


# --- Inspecting a key ---------------------------------------------------------


@dataclass
class _Listed:
    """One pub or sub record of gpg's colon listing."""

    validity: str
    bits: int | None
    algorithm: str
    created: int
    expires: int | None
    capabilities: str
    curve: str
    fingerprint: str = ""

    def usable_at(self, now):
        return (
            self.validity not in ("e", "r", "i", "d", "n")
            and (self.expires is None or self.expires > now.timestamp())
            and self.created <= now.timestamp()
        )

    @property
    def weak(self):
        return (
            self.algorithm in _FINITE_FIELD and self.bits is not None and self.bits < MIN_RSA_BITS
        )


def _parse_listing(text):
    """(primary, subkeys, user IDs) of the only key in a colon listing."""
    primary, subkeys, user_ids, current = None, [], [], None
    for line in text.splitlines():
        f = line.split(":")
        kind = f[0]
        if kind in ("pub", "sub") and len(f) > 11:
            if kind == "pub" and primary is not None:
                raise OpenPGPError("gpg listed more than one key.")
            current = _Listed(
                validity=f[1],
                bits=int(f[2]) if f[2].isdigit() else None,
                algorithm=_ALGORITHMS.get(int(f[3]) if f[3].isdigit() else -1, "unknown"),
                created=int(f[5]) if f[5].isdigit() else 0,
                expires=int(f[6]) if f[6].isdigit() else None,
                capabilities=f[11],
                curve=f[16] if len(f) > 16 else "",
            )
            if kind == "pub":
                primary = current
            else:
                subkeys.append(current)
        elif kind == "fpr" and current is not None and not current.fingerprint:
            current.fingerprint = f[9]
        elif kind == "uid" and len(f) > 9 and f[1] != "r":
            user_ids.append(_unescape(f[9]))
    if primary is None:
        raise OpenPGPError("gpg did not list the imported key.")
    return primary, subkeys, user_ids


def _unescape(value):
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), value)


def _date(timestamp):
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def _aware(timestamp):
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def _encryption_key(primary, subkeys, now):
    """The (sub)key gpg will encrypt to: the newest usable encryption subkey,
    else the primary key if it can encrypt."""
    usable = [k for k in subkeys if "e" in k.capabilities and k.usable_at(now)]
    if usable:
        return max(usable, key=lambda k: k.created)
    if "e" in primary.capabilities and primary.usable_at(now):
        return primary
    candidates = [k for k in [primary, *subkeys] if "e" in k.capabilities]
    if not candidates:
        raise KeyRejected(
            "The key can only sign, not encrypt: it has no encryption subkey. "
            "Add one with gpg --quick-add-key FINGERPRINT cv25519 encr and "
            "export the key again."
        )
    newest = max(candidates, key=lambda k: k.created)
    if newest.validity == "r":
        raise KeyRejected(
            "The key's encryption subkey has been revoked. Add a new one with "
            "gpg --quick-add-key FINGERPRINT cv25519 encr and export the key again."
        )
    if newest.expires is not None and newest.expires <= now.timestamp():
        raise KeyRejected(
            f"The key's encryption subkey expired on {_date(newest.expires)}. "
            "Extend it with gpg --quick-set-expire FINGERPRINT 2y '*' (or add a "
            "new encryption subkey) and export the key again."
        )
    raise KeyRejected("The key has no encryption subkey that GnuPG can use.")


def _algorithm_name(primary, encryption):
    if encryption is primary or (
        primary.algorithm == encryption.algorithm and not encryption.curve
    ):
        name = primary.algorithm
    else:
        name = f"{primary.algorithm}/{encryption.algorithm}"
    return f"{name} {encryption.curve}" if encryption.curve else name


def _judge(primary, subkeys, user_ids, now):
    """The encryption (sub)key, or KeyRejected with the reason."""
    if primary.validity == "r":
        raise KeyRejected("The key has been revoked by its owner. Upload your current key.")
    if primary.expires is not None and primary.expires <= now.timestamp():
        raise KeyRejected(
            f"The key expired on {_date(primary.expires)}. Extend it with "
            "gpg --quick-set-expire FINGERPRINT 2y and gpg --quick-set-expire "
            "FINGERPRINT 2y '*', then export it again."
        )
    if primary.validity in ("e", "i", "d", "n"):
        raise KeyRejected(
            "GnuPG considers the key invalid (its self-signatures do not check "
            "out). Export it again from the program that made it."
        )
    if not user_ids:
        raise KeyRejected(
            "The key has no valid user ID (a name and e-mail address). Add one "
            "with gpg --quick-add-uid FINGERPRINT 'Name <email>' and export it again."
        )

    encryption = _encryption_key(primary, subkeys, now)
    for key in [primary, *(k for k in subkeys if "e" in k.capabilities)]:
        if key.weak and (key is primary or key.usable_at(now)):
            raise KeyRejected(
                f"The key uses {key.algorithm} with {key.bits} bits, which is too "
                f"weak; at least {MIN_RSA_BITS} bits are needed. Make a new key, "
                "for example with gpg --quick-gen-key 'Name <email>' "
                "future-default default 2y."
            )
    return encryption


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
        packets = _read_packets(data)
        _check_packets(packets, now)
    except _Unreadable:
        raise KeyRejected(_UNREADABLE) from None
    binary = b"".join(_reassemble(p) for p in packets)

    with _Home() as home:
        imported = home.run(
            "read the key", home.gpg.import_keys, binary, extra_args=_IMPORT_OPTIONS
        )
        if imported.sec_read or imported.sec_imported:
            raise KeyRejected(_PRIVATE_KEY_REFUSAL)
        if not imported.fingerprints:
            if imported.no_user_id:
                raise KeyRejected(
                    "The key has no valid user ID (a name and e-mail address). "
                    "Add one with gpg --quick-add-uid FINGERPRINT 'Name <email>' "
                    "and export it again."
                )
            raise KeyRejected(_UNREADABLE)
        fingerprint = imported.fingerprints[0]

        listing = home.run("list the key", home.gpg.list_keys, keys=[fingerprint])
        if listing.returncode != 0 or not listing.data:
            raise OpenPGPError("gpg could not list the key it had read.")
        primary, subkeys, user_ids = _parse_listing(listing.data.decode("utf-8", "replace"))
        encryption = _judge(primary, subkeys, user_ids, now)

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
        algorithm=_algorithm_name(primary, encryption),
        bits=encryption.bits if encryption.algorithm in _FINITE_FIELD else None,
        user_ids=user_ids,
        created_at=_aware(primary.created),
        expires_at=_aware(min(expiries)) if expiries else None,
        armored=armored.replace("\r\n", "\n"),
    )


def _reassemble(packet):
    """The packet again, with a new-format header of five-octet length."""
    return bytes([0xC0 | packet.tag, 255]) + len(packet.body).to_bytes(4, "big") + packet.body


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
    with _Home() as home:
        imported = home.run(
            "load the key",
            home.gpg.import_keys,
            armored_key.encode("ascii", "replace"),
            extra_args=_IMPORT_OPTIONS,
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
        primary, _, _ = _parse_listing(listing.data.decode("utf-8", "replace"))
    except OpenPGPError:
        primary = None
    if primary is not None and primary.validity == "r":
        return f"Cannot encrypt to {fingerprint}: the key has been revoked."
    if _status_lines(result, "KEYEXPIRED") or (primary is not None and primary.validity == "e"):
        return f"Cannot encrypt to {fingerprint}: the key has expired."
    invalid = _status_lines(result, "INV_RECP")
    if invalid:
        code = invalid[0][1] if len(invalid[0]) > 1 else ""
        reason = _INV_RECP_REASONS.get(
            code, "gpg cannot use the key (expired, revoked or unable to encrypt)"
        )
        return f"Cannot encrypt to {fingerprint}: {reason}."
    failures = [" ".join(w[:3]) for w in _status_lines(result, "FAILURE", "ERROR")]
    logger.warning(
        "gpg could not encrypt to %s (exit %s; %s)",
        fingerprint,
        result.returncode,
        "; ".join(failures) or "no status",
    )
    return f"Cannot encrypt to {fingerprint}: gpg failed (exit {result.returncode})."
