"""Shared set-up for the benchmarks in bench/ (not a benchmark itself).

Every benchmark runs with a var/ of its own under /tmp, SQLite, the filesystem
broker and local log storage, and makes its keys with the real gpg in a
throwaway GnuPG home (tests/gpg.py's KeyMaker), so nothing of the developer's
var/ or keyrings is touched.
"""

import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent

# Settings the embedded defaults would otherwise take from the environment.
_FORCED_DEFAULTS = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "INTAKE_LOG_STORAGE_BACKEND",
    "INTAKE_LOG_STORAGE_OPTIONS",
    "EMAIL_HOST",
    "INTAKE_SEALING_KEYS",
)


def setup_django(name, *, extra_env=None, keep=False, var_dir=None):
    """A fresh CAPEPANEL_VAR_DIR under /tmp, Django set up on it, migrated.

    Returns the var dir (a Path). It is removed at exit unless `keep`. With
    `var_dir`, that existing (already migrated) one is used and kept.
    """
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    reuse = var_dir is not None
    if reuse:
        var_dir, keep = Path(var_dir), True
    else:
        var_dir = Path(tempfile.mkdtemp(prefix=f"capepanel-bench-{name}-", dir="/tmp"))
    for variable in _FORCED_DEFAULTS:
        os.environ.pop(variable, None)
    os.environ["CAPEPANEL_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "capepanel.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    for variable, value in (extra_env or {}).items():
        os.environ[variable] = value
    (var_dir / "static").mkdir(parents=True, exist_ok=True)

    import django

    django.setup()
    from django.core.management import call_command

    if not reuse:
        call_command("migrate", verbosity=0, interactive=False)
    if not keep:
        import atexit

        atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
    return var_dir


class Keys:
    """Makes ed25519/cv25519 key pairs (the tests' default) in one GnuPG home
    under `var_dir`; the secret halves stay there, for checking decryption."""

    def __init__(self, var_dir):
        from tests.gpg import KeyMaker

        self.maker = KeyMaker(Path(var_dir) / "bench-gnupg")

    def make(self, count, prefix="Bench Merchant"):
        keypairs = []
        for i in range(count):
            fingerprint = self.maker.make(f"{prefix} {i} <keys@merchant-{i}.example>")
            keypairs.append(self.maker.keypair(fingerprint))
        return keypairs

    def decrypt(self, armored):
        from tests.gpg import decrypt

        # str, not Path: tests.gpg.decrypt takes `home.home` if it exists, and
        # pathlib.Path has a classmethod of that name.
        return decrypt(str(self.maker.home), armored)

    def close(self):
        self.maker.close()


def make_customer(index, keypair):
    """A customer with one domain and `keypair`'s public key added through the
    product (inspected and stored as the panel stores it)."""
    from customers.keys import add_key
    from customers.models import Customer, Domain

    customer = Customer.objects.create(name=f"Merchant {index}", slug=f"merchant-{index}")
    Domain.objects.create(customer=customer, name=f"merchant-{index}.example")
    add_key(customer, keypair.armored_public.encode())
    return customer


# --- Documents -------------------------------------------------------------------


def document_of_size(size, seed=0):
    """A submission document as intake.documents builds it, of about `size`
    bytes: a few text fields and, past a few KB, an uploaded file of random
    bytes (so the base64 in it compresses about as well as a real upload)."""
    from intake.documents import build_document

    rng = random.Random(seed)  # noqa: S311 - filler text, not secrets
    endpoint = SimpleNamespace(
        customer=SimpleNamespace(slug="merchant-0"),
        domain=SimpleNamespace(name="merchant-0.example"),
        slug="contact",
    )
    from datetime import UTC, datetime

    fields = {
        "name": ["Zoë Example"],
        "email": ["zoe@example.org"],
        "item": ["tea", "cake"],
    }

    def build(message_len, file_len):
        fields["message"] = ["".join(rng.choice("abcdefgh ijklmnop") for _ in range(message_len))]
        files = []
        if file_len:
            files = [("attachment", "scan.pdf", "application/pdf", rng.randbytes(file_len))]
        return build_document(
            submission_id="00000000-0000-4000-8000-000000000000",
            endpoint=endpoint,
            received_at=datetime(2025, 1, 1, tzinfo=UTC),
            client_address="192.0.2.1",
            fields=fields,
            files=files,
        )

    if size <= 4096:
        base = len(build(0, 0))
        return build(max(0, size - base), 0)
    base = len(build(200, 1))
    file_len = max(1, (size - base) * 3 // 4)
    return build(200, file_len)


# --- Numbers ---------------------------------------------------------------------


def percentile(values, fraction):
    """Nearest-rank percentile of `values` (0 < fraction <= 1)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def summary(seconds):
    """Median, p90, p95, p99, mean, min, max of a list of durations, in ms."""
    return {
        "n": len(seconds),
        "median_ms": statistics.median(seconds) * 1000,
        "p90_ms": percentile(seconds, 0.90) * 1000,
        "p95_ms": percentile(seconds, 0.95) * 1000,
        "p99_ms": percentile(seconds, 0.99) * 1000,
        "mean_ms": statistics.fmean(seconds) * 1000,
        "min_ms": min(seconds) * 1000,
        "max_ms": max(seconds) * 1000,
    }


def max_rss_mib(who=resource.RUSAGE_SELF):
    """Peak resident set size so far (Linux reports KiB), in MiB."""
    return resource.getrusage(who).ru_maxrss / 1024


def proc_status_mib(pid):
    """VmRSS and VmHWM (peak RSS) of any process of ours, from /proc, in MiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024
    return values


def load_average():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def cpu_seconds():
    """(user+sys of this process, user+sys of its waited-for children)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


class Clock:
    def __enter__(self):
        self.wall0 = time.perf_counter()
        self.cpu0 = cpu_seconds()
        return self

    def __exit__(self, *exc_info):
        self.wall = time.perf_counter() - self.wall0
        cpu1 = cpu_seconds()
        self.cpu_self = cpu1[0] - self.cpu0[0]
        self.cpu_children = cpu1[1] - self.cpu0[1]


def human_size(size):
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} B"


def write_json(path, data):
    if path:
        Path(path).write_text(json.dumps(data, indent=2, default=str) + "\n")


def machine():
    import platform
    import subprocess

    gpg = subprocess.run(["gpg", "--version"], capture_output=True, text=True, check=False)
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "gpg": gpg.stdout.splitlines()[0] if gpg.stdout else "?",
        "kernel": platform.release(),
        "load_average_at_start": load_average(),
    }
