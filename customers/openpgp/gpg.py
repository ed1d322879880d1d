"""python-gnupg, wrapped: a throwaway GnuPG home per call, offline, with a
timeout on every call, and gpg's failures turned into OpenPGPError.

Nothing outside this module touches gnupg.GPG.
"""

import logging
import os
import signal
import subprocess
import tempfile
import threading

import gnupg
from django.conf import settings

from customers.openpgp.errors import OpenPGPError

logger = logging.getLogger(__name__)

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
IMPORT_OPTIONS = ["--import-options", "self-sigs-only,import-clean"]


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


class Home:
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


def status_lines(result, *keywords):
    """gpg's status lines of the given kinds, without the [GNUPG:] prefix."""
    lines = []
    for line in (getattr(result, "stderr", "") or "").splitlines():
        if line.startswith("[GNUPG:] "):
            words = line[9:].split()
            if words and words[0] in keywords:
                lines.append(words)
    return lines
