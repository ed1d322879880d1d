"""Secrets made once and kept under var/ so that a fresh checkout runs with
nothing configured. Production passes them in the environment instead."""

import os
import secrets
import tempfile
from pathlib import Path


def local_secret(var_dir, name, kind="token"):
    path = Path(var_dir) / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if kind == "fernet":
        from cryptography.fernet import Fernet

        value = Fernet.generate_key().decode()
    else:
        value = secrets.token_urlsafe(50)
    # Written aside and linked into place: when several processes start at once,
    # exactly one value wins and every process reads that one, never a half file.
    fd, temp_name = tempfile.mkstemp(dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(value + "\n")
        try:
            os.link(temp_name, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temp_name)
    return path.read_text().strip()
