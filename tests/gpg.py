"""Test keys made with the real gpg, and a few hand-made packets.

Keys are generated in GnuPG homes under pytest's temporary directory, without
passphrases, with fast algorithms unless a test asks for another. Keys "made in
the past" use gpg's --faked-system-time. Nothing is downloaded.
"""

import base64
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

GPG = shutil.which("gpg") or "gpg"
TIMEOUT = 120


class GpgFailed(Exception):
    pass


def run_gpg(home, *args, input=None, when=None):
    """Run gpg in `home` unattended; stdout as bytes, GpgFailed on failure."""
    command = [
        GPG,
        "--homedir",
        str(home),
        "--batch",
        "--no-tty",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
    ]
    if when is not None:
        command += [
            "--faked-system-time",
            when.astimezone(UTC).strftime("%Y%m%dT%H%M%S"),
        ]
    done = subprocess.run(
        [*command, *args],
        input=input,
        capture_output=True,
        check=False,
        timeout=TIMEOUT,
        env={**os.environ, "GNUPGHOME": str(home), "LC_ALL": "C"},
    )
    if done.returncode != 0:
        raise GpgFailed(done.stderr.decode("utf-8", "replace"))
    return done.stdout


def decrypt(home, armored_message):
    """The plaintext of `armored_message`, decrypted by real gpg with the
    secret keys in `home` (a directory, or a Keypair)."""
    if isinstance(home, Keypair):
        home = home.home
    if isinstance(armored_message, str):
        armored_message = armored_message.encode("ascii")
    return run_gpg(home, "--decrypt", input=armored_message)


@dataclass(frozen=True)
class Keypair:
    """A key whose secret half lives in `home`."""

    home: Path
    fingerprint: str
    user_id: str
    armored_public: str

    def binary(self):
        return run_gpg(self.home, "--export", self.fingerprint)

    def secret(self, armor=True):
        args = ["--armor"] if armor else []
        return run_gpg(self.home, *args, "--export-secret-keys", self.fingerprint)

    def decrypt(self, armored_message):
        return decrypt(self.home, armored_message)


class KeyMaker:
    """Makes keys in one GnuPG home; close() stops the agent gpg started."""

    def __init__(self, home):
        self.home = Path(home)
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)

    def gpg(self, *args, input=None, when=None):
        return run_gpg(self.home, *args, input=input, when=when)

    def make(
        self,
        user_id,
        *,
        algorithm="ed25519",
        usage="cert,sign",
        expires="never",
        encryption=("cv25519", "never"),
        when=None,
    ):
        """A new key, by default ed25519 with a cv25519 encryption subkey,
        neither expiring. `encryption=None` makes a key that cannot encrypt;
        `when` is the time the key is made at. Returns the fingerprint."""
        status = self.gpg(
            "--status-fd",
            "1",
            "--quick-gen-key",
            user_id,
            algorithm,
            usage,
            expires,
            when=when,
        )
        fingerprint = next(
            line.split()[-1]
            for line in status.decode().splitlines()
            if line.startswith("[GNUPG:] KEY_CREATED")
        )
        if encryption is not None:
            self.add_subkey(fingerprint, *encryption, when=when)
        return fingerprint

    def add_subkey(self, fingerprint, algorithm, expires="never", *, usage="encr", when=None):
        self.gpg("--quick-add-key", fingerprint, algorithm, usage, expires, when=when)

    def revoke(self, fingerprint):
        """Import the revocation certificate gpg made with the key."""
        certificate = (self.home / "openpgp-revocs.d" / f"{fingerprint}.rev").read_text()
        # gpg puts a colon before the armor so that it is not imported by accident.
        self.gpg("--import", input=certificate.replace(":-----BEGIN", "-----BEGIN").encode())

    def revoke_subkey(self, fingerprint, number):
        """Revoke the key's `number`th subkey (1 is the first)."""
        answers = f"key {number}\nrevkey\ny\n0\n\ny\nsave\n"
        self.gpg("--command-fd", "0", "--edit-key", fingerprint, input=answers.encode())

    def export(self, *fingerprints, armor=True):
        args = ["--armor"] if armor else []
        return self.gpg(*args, "--export", *fingerprints)

    def keypair(self, fingerprint):
        user_id = self.gpg("--with-colons", "--list-keys", fingerprint).decode()
        user_id = next(
            line.split(":")[9] for line in user_id.splitlines() if line.startswith("uid:")
        )
        return Keypair(
            home=self.home,
            fingerprint=fingerprint,
            user_id=user_id,
            armored_public=self.export(fingerprint).decode("ascii"),
        )

    def close(self):
        subprocess.run(
            ["gpgconf", "--homedir", str(self.home), "--kill", "gpg-agent"],
            capture_output=True,
            timeout=30,
            check=False,
        )


# --- Hand-made packets ----------------------------------------------------------


def packet(tag, body):
    """An OpenPGP packet with a new-format header."""
    return bytes([0xC0 | tag, 255]) + len(body).to_bytes(4, "big") + body


def packets(binary):
    """(tag, whole packet bytes) of each packet in `binary`."""
    out, i = [], 0
    while i < len(binary):
        start, header = i, binary[i]
        i += 1
        if header & 0x40:
            tag, first = header & 0x3F, binary[i]
            if first < 192:
                length, i = first, i + 1
            elif first < 224:
                length, i = ((first - 192) << 8) + binary[i + 1] + 192, i + 2
            elif first == 255:
                length, i = int.from_bytes(binary[i + 1 : i + 5], "big"), i + 5
            else:
                raise ValueError("partial lengths are not used in keys")
        else:
            tag, size = (header >> 2) & 0x0F, 1 << (header & 0x03)
            length, i = int.from_bytes(binary[i : i + size], "big"), i + size
        i += length
        out.append((tag, binary[start:i]))
    return out


def without_user_ids(binary):
    """The key with its user IDs, and the signatures on them, cut out."""
    kept, skipping = [], False
    for tag, raw in packets(binary):
        if tag == 13:
            skipping = True
        elif tag != 2:
            skipping = False
        if not skipping:
            kept.append(raw)
    return b"".join(kept)


def v6_key(user_id=b"Version Six <v6@example.com>"):
    """A public key packet of RFC 9580's version 6, with a user ID."""
    created = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()).to_bytes(4, "big")
    material = bytes(range(32))
    body = bytes([6]) + created + bytes([27]) + len(material).to_bytes(4, "big") + material
    return packet(6, body) + packet(13, user_id)


def crc24(data):
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def armor(binary, label="PUBLIC KEY BLOCK", headers=(), checksum=True):
    """ASCII armor around `binary`, under any label the test wants."""
    encoded = base64.b64encode(binary).decode("ascii")
    lines = [f"-----BEGIN PGP {label}-----", *headers, ""]
    lines += [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    if checksum:
        lines.append("=" + base64.b64encode(crc24(binary).to_bytes(3, "big")).decode())
    lines.append(f"-----END PGP {label}-----")
    return "\n".join(lines) + "\n"
