"""Sealing: symmetric encryption of a submission while it waits for the worker.

The web process cannot encrypt to the customer's OpenPGP key without making the
visitor wait for gpg, so it seals the document with a server key first. The
first key in INTAKE_SEALING_KEYS seals; every listed key unseals, which lets an
operator rotate keys without losing queued submissions.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SealBroken(Exception):
    """The sealed bytes do not open with any configured sealing key."""


def _keyring():
    return MultiFernet([Fernet(key) for key in settings.INTAKE_SEALING_KEYS])


def seal(plaintext: bytes) -> bytes:
    return _keyring().encrypt(plaintext)


def unseal(sealed: bytes) -> bytes:
    try:
        return _keyring().decrypt(bytes(sealed))
    except InvalidToken:
        raise SealBroken(
            "the sealed submission does not open with any configured sealing key"
        ) from None
