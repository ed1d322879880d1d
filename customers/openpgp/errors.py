"""The exceptions every part of customers.openpgp raises, and the date format
their reasons use."""

from datetime import UTC, datetime


class OpenPGPError(Exception):
    """gpg could not do what was asked. `reason` is in plain words."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class KeyRejected(OpenPGPError):
    """The uploaded data is not a public key the panel can encrypt to."""


class EncryptionFailed(OpenPGPError):
    """A message could not be encrypted to a stored key."""


def date(timestamp):
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
