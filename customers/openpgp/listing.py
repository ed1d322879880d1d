"""Reading gpg's colon listing of one key into a verdict: the (sub)key gpg
will encrypt to, or KeyRejected with a reason a merchant can act on."""

import re
from dataclasses import dataclass

from customers.openpgp.errors import KeyRejected, OpenPGPError, date

MIN_RSA_BITS = 2048

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
FINITE_FIELD = {"RSA", "ElGamal", "DSA"}


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
        return self.algorithm in FINITE_FIELD and self.bits is not None and self.bits < MIN_RSA_BITS


def parse_listing(text):
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
            f"The key's encryption subkey expired on {date(newest.expires)}. "
            "Extend it with gpg --quick-set-expire FINGERPRINT 2y '*' (or add a "
            "new encryption subkey) and export the key again."
        )
    raise KeyRejected("The key has no encryption subkey that GnuPG can use.")


def algorithm_name(primary, encryption):
    if encryption is primary or (
        primary.algorithm == encryption.algorithm and not encryption.curve
    ):
        name = primary.algorithm
    else:
        name = f"{primary.algorithm}/{encryption.algorithm}"
    return f"{name} {encryption.curve}" if encryption.curve else name


def judge(primary, subkeys, user_ids, now):
    """The encryption (sub)key, or KeyRejected with the reason."""
    if primary.validity == "r":
        raise KeyRejected("The key has been revoked by its owner. Upload your current key.")
    if primary.expires is not None and primary.expires <= now.timestamp():
        raise KeyRejected(
            f"The key expired on {date(primary.expires)}. Extend it with "
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
