"""Reading OpenPGP armor and packets by hand, without gpg.

Armor is taken apart and its CRC24 checked here, and the packets are checked
before anything reaches gpg: secret key material is recognised from the packets
themselves and refused, and so is anything that is not a single version 4
public key with a user ID.
"""

import base64
import binascii
import re
from dataclasses import dataclass

from customers.openpgp.errors import KeyRejected, date

_ARMOR_BEGIN = re.compile(r"^-----BEGIN PGP ([A-Z0-9 ,/]+)-----$")
_ARMOR_END = re.compile(r"^-----END PGP ([A-Z0-9 ,/]+)-----$")
UNREADABLE = (
    "The file is not a readable OpenPGP public key. Export it with "
    "gpg --armor --export FINGERPRINT and upload that file."
)


class Unreadable(Exception):
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
            raise Unreadable("armor block without an END line")
        try:
            binary = base64.b64decode("".join(body), validate=True)
        except (binascii.Error, ValueError):
            raise Unreadable("bad base64") from None
        if checksum is not None:
            try:
                expected = int.from_bytes(base64.b64decode(checksum), "big")
            except (binascii.Error, ValueError):
                raise Unreadable("bad checksum line") from None
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
                raise Unreadable("not a packet header")
            if header & 0x40:
                tag = header & 0x3F
                chunks, partial = [], True
                while partial:
                    length, partial, i = _new_format_length(data, i)
                    chunks.append(data[i : i + length])
                    if len(chunks[-1]) < length:
                        raise Unreadable("truncated packet")
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
                    raise Unreadable("truncated packet")
                i += length
            packets.append(_Packet(tag, body))
    except IndexError:
        raise Unreadable("truncated packet header") from None
    return packets


def read_packets(data):
    """The packets in `data` (armored or binary); KeyRejected if they are
    secret, not a single public key, or not something gpg here can read."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # Windows PowerShell redirects gpg's armored output as UTF-16.
        try:
            data = data.decode("utf-16").encode("ascii", "replace")
        except UnicodeDecodeError:
            raise Unreadable("broken UTF-16") from None
    if b"-----BEGIN PGP" in data:
        blocks = _dearmor(data.decode("ascii", "replace"))
        if any("PRIVATE" in label or "SECRET" in label for label, _ in blocks):
            raise KeyRejected(PRIVATE_KEY_REFUSAL)
        binary = b"".join(body for _, body in blocks)
    else:
        binary = data
    if not binary:
        raise Unreadable("no packets")
    return _packets(binary)


PRIVATE_KEY_REFUSAL = (
    "The file contains a secret (private) key, which must never leave your "
    "computer. It was not stored. Upload only the public key, exported with "
    "gpg --armor --export FINGERPRINT."
)
# Packets a transferable public key may hold: signature, public key, marker,
# trust, user ID, public subkey, user attribute, padding.
_KEY_FILE_TAGS = {2, 6, 10, 12, 13, 14, 17, 21}


def check_packets(packets, now):
    tags = [packet.tag for packet in packets]
    if 5 in tags or 7 in tags:
        raise KeyRejected(PRIVATE_KEY_REFUSAL)
    if not set(tags) <= _KEY_FILE_TAGS or 6 not in tags:
        raise KeyRejected(
            "The file holds no OpenPGP public key (it may be an encrypted "
            "message or a signature). Export the key with gpg --armor --export "
            "FINGERPRINT."
        )
    if tags.count(6) > 1:
        raise KeyRejected(f"The file holds {tags.count(6)} keys; upload exactly one public key.")
    if tags.index(6) != min(i for i, t in enumerate(tags) if t not in (10, 12, 21)):
        raise Unreadable("key material before the primary key")

    for packet in packets:
        if packet.tag not in (6, 14):
            continue
        if not packet.body:
            raise Unreadable("empty key packet")
        version = packet.body[0]
        if version != 4:
            raise KeyRejected(
                f"The key uses OpenPGP key format version {version}, which the "
                "GnuPG on this server cannot read. Please upload a version 4 key "
                "(the default of GnuPG 2.2 and 2.4)."
            )
        if len(packet.body) < 6:
            raise Unreadable("short key packet")

    primary = next(packet for packet in packets if packet.tag == 6)
    created = int.from_bytes(primary.body[1:5], "big")
    if created > now.timestamp():
        raise KeyRejected(
            f"The key was created in the future ({date(created)}): the clock of "
            "the computer that made it is probably wrong. Correct the clock and "
            "make a new key."
        )
    if 13 not in tags:
        raise KeyRejected(
            "The key has no user ID (a name and e-mail address). Add one with "
            "gpg --quick-add-uid FINGERPRINT 'Name <email>' and export it again."
        )


def reassemble(packet):
    """The packet again, with a new-format header of five-octet length."""
    return bytes([0xC0 | packet.tag, 255]) + len(packet.body).to_bytes(4, "big") + packet.body
