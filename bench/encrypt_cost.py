"""Cost of one customers.openpgp.encrypt call, by document size and by number of
customers.

    .venv/bin/python bench/encrypt_cost.py [--customers 200] [--quick] [--json FILE]

For each document size (1 KB, 100 KB, 1 MB, 10 MB) it encrypts N times to one
customer's key and N times to the keys of `--customers` distinct customers in
round robin, the two interleaved call by call so that drift in the machine's
speed touches both alike. Keys are ed25519 with a cv25519 encryption subkey,
made with the real gpg and added through customers.keys.add_key, so the armored
text is what the panel stores. Documents are built by intake.documents with an
uploaded file of random bytes, like a real submission.

It also splits the 1 KB call into its steps (throwaway home + python-gnupg's
version probe, key import, encryption, removing the home), and measures peak
RSS for the 10 MB case in a fresh child process (so that nothing the timing
runs left behind counts): getrusage's ru_maxrss with Django loaded and the
10 MB document read, then after one and after five encryptions (the child is
started through a forking shell, so it does not inherit this process's
high-water mark). gpg's own peak
is taken by /usr/bin/time around each gpg call of that child (GPG_BINARY set to
a wrapper), since RUSAGE_CHILDREN would report the parent's size: a child
forked from a big process inherits its high-water mark.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bench  # noqa: E402

SIZES = [1024, 100 * 1024, 1024 * 1024, 10 * 1024 * 1024]
RUNS = {1024: 400, 100 * 1024: 400, 1024 * 1024: 200, 10 * 1024 * 1024: 20}
QUICK_RUNS = {1024: 40, 100 * 1024: 40, 1024 * 1024: 20, 10 * 1024 * 1024: 4}
WARMUP = 5


def step_breakdown(openpgp, key, document, runs):
    """The steps of openpgp._encrypt, timed one by one (same calls, same order)."""
    steps = {"home+probe": [], "import": [], "encrypt": [], "cleanup": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        home = openpgp.gpg.Home()
        home.__enter__()
        t1 = time.perf_counter()
        try:
            imported = home.run(
                "load the key",
                home.gpg.import_keys,
                key.armored.encode("ascii", "replace"),
                extra_args=openpgp.gpg.IMPORT_OPTIONS,
            )
            assert key.fingerprint in imported.fingerprints
            t2 = time.perf_counter()
            result = home.run(
                "encrypt",
                home.gpg.encrypt,
                document,
                [key.fingerprint],
                always_trust=True,
                armor=True,
            )
            assert result.ok
            t3 = time.perf_counter()
        finally:
            home.__exit__(None, None, None)
        t4 = time.perf_counter()
        steps["home+probe"].append(t1 - t0)
        steps["import"].append(t2 - t1)
        steps["encrypt"].append(t3 - t2)
        steps["cleanup"].append(t4 - t3)
    return {name: bench.summary(values) for name, values in steps.items()}


def rss_probe(var_dir, key, document):
    """Run this script again as `--rss-probe` in a child process; its report."""
    probe_dir = Path(var_dir) / "rss-probe"
    probe_dir.mkdir()
    (probe_dir / "document").write_bytes(document)
    gpg_log = probe_dir / "gpg-maxrss-kib"
    wrapper = probe_dir / "gpg"
    time_binary = shutil.which("time", path="/usr/bin:/bin")
    gpg_binary = shutil.which("gpg")
    env = {**os.environ}
    if time_binary and gpg_binary:
        wrapper.write_text(
            f'#!/bin/sh\nexec {time_binary} -f %M -a -o {gpg_log} {gpg_binary} "$@"\n'
        )
        wrapper.chmod(0o755)
        env["GPG_BINARY"] = str(wrapper)
    done = subprocess.run(
        # Through a shell that forks (not execs) the child: a process forked
        # straight from this big one would start with this one's high-water
        # mark in its ru_maxrss.
        ["/bin/sh", "-c", '"$@"; exit $?', "sh"]
        + [sys.executable, __file__, "--rss-probe", str(var_dir), str(key.pk)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if gpg_log.exists():
        sizes = [int(line) for line in gpg_log.read_text().split() if line.isdigit()]
        report["largest_gpg_process"] = max(sizes) / 1024 if sizes else None
    return report


def rss_probe_child(var_dir, key_id):
    """In a fresh process: peak RSS around encrypting the 10 MB document."""
    bench.setup_django("encrypt", var_dir=var_dir)
    from customers import openpgp
    from customers.models import PublicKey

    key = PublicKey.objects.get(pk=key_id)
    report = {"django_loaded": bench.max_rss_mib()}
    document = (Path(var_dir) / "rss-probe" / "document").read_bytes()
    report["document_read"] = bench.max_rss_mib()
    ciphertext = openpgp.encrypt(document, key.armored, key.fingerprint)
    report["after_1_encrypt"] = bench.max_rss_mib()
    for _ in range(4):
        del ciphertext
        ciphertext = openpgp.encrypt(document, key.armored, key.fingerprint)
    report["after_5_encrypts"] = bench.max_rss_mib()
    report["vmhwm"] = bench.proc_status_mib(os.getpid())["VmHWM"]
    report["document_mib"] = len(document) / 1024 / 1024
    report["ciphertext_mib"] = len(ciphertext) / 1024 / 1024
    print(json.dumps(report))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--rss-probe":
        return rss_probe_child(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="few runs, for a smoke test")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    runs = QUICK_RUNS if args.quick else RUNS

    var_dir = bench.setup_django("encrypt")
    from customers import openpgp

    print(f"var dir {var_dir}; making {args.customers} customers and keys ...", flush=True)
    keys = bench.Keys(var_dir)
    try:
        started = time.perf_counter()
        keypairs = keys.make(args.customers)
        customers = [bench.make_customer(i, kp) for i, kp in enumerate(keypairs)]
        stored = [c.active_key() for c in customers]
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)

        one = stored[0]
        results = {"machine": bench.machine(), "customers": args.customers, "sizes": []}
        for size in SIZES:
            document = bench.document_of_size(size)
            n = runs[size]
            for _ in range(WARMUP):
                openpgp.encrypt(document, one.armored, one.fingerprint)
            # Correctness once per size: the merchant's secret key opens it.
            check_key = stored[-1]
            assert (
                keys.decrypt(openpgp.encrypt(document, check_key.armored, check_key.fingerprint))
                == document
            ), "ciphertext does not decrypt to the document"

            single, many = [], []
            ciphertext_len = 0
            with bench.Clock() as clock:
                for i in range(n):
                    t0 = time.perf_counter()
                    ciphertext = openpgp.encrypt(document, one.armored, one.fingerprint)
                    t1 = time.perf_counter()
                    key = stored[i % len(stored)]
                    openpgp.encrypt(document, key.armored, key.fingerprint)
                    t2 = time.perf_counter()
                    single.append(t1 - t0)
                    many.append(t2 - t1)
                    ciphertext_len = len(ciphertext)
            row = {
                "size": size,
                "document_bytes": len(document),
                "ciphertext_bytes": ciphertext_len,
                "runs_each": n,
                "one_customer": bench.summary(single),
                "many_customers": bench.summary(many),
                "distinct_keys_used": min(n, len(stored)),
                "cpu_self_s_per_call": clock.cpu_self / (2 * n),
                "cpu_gpg_s_per_call": clock.cpu_children / (2 * n),
            }
            results["sizes"].append(row)
            a, b = row["one_customer"], row["many_customers"]
            print(
                f"{bench.human_size(size):>7}: 1 customer median {a['median_ms']:.1f} ms"
                f" p95 {a['p95_ms']:.1f} ms | {args.customers} customers median"
                f" {b['median_ms']:.1f} ms p95 {b['p95_ms']:.1f} ms",
                flush=True,
            )
        results["peak_rss_mib"] = rss_probe(var_dir, one, bench.document_of_size(SIZES[-1]))
        results["breakdown_1kb"] = step_breakdown(
            openpgp, one, bench.document_of_size(1024), 40 if args.quick else 200
        )
    finally:
        keys.close()

    print_markdown(results)
    bench.write_json(args.json, results)


def print_markdown(results):
    many = results["customers"]
    print()
    print(
        "| document | ciphertext | runs each | 1 customer median / p95 (ms) "
        f"| {many} customers median / p95 (ms) | process CPU / gpg CPU per call (ms) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for row in results["sizes"]:
        a, b = row["one_customer"], row["many_customers"]
        print(
            f"| {bench.human_size(row['size'])} | {row['ciphertext_bytes'] / 1024:,.0f} KiB "
            f"| {row['runs_each']} | {a['median_ms']:.1f} / {a['p95_ms']:.1f} "
            f"| {b['median_ms']:.1f} / {b['p95_ms']:.1f} "
            f"| {row['cpu_self_s_per_call'] * 1000:.1f} / {row['cpu_gpg_s_per_call'] * 1000:.1f} |"
        )
    rss = results["peak_rss_mib"]
    gpg = rss.get("largest_gpg_process")
    print()
    print("| peak RSS, 10 MB case, fresh process (getrusage ru_maxrss) | MiB |")
    print("|---|---:|")
    print(f"| Django loaded | {rss['django_loaded']:.1f} |")
    print(f"| + 10 MB document read | {rss['document_read']:.1f} |")
    print(f"| after 1 encrypt | {rss['after_1_encrypt']:.1f} |")
    print(f"| after 5 encrypts | {rss['after_5_encrypts']:.1f} |")
    print(f"| (same, /proc VmHWM) | {rss['vmhwm']:.1f} |")
    print(f"| largest gpg process (/usr/bin/time %M) | {gpg:.1f} |" if gpg else "| gpg | n/a |")
    print()
    print("| step of one 1 KB encrypt | median (ms) | p95 (ms) |")
    print("|---|---:|---:|")
    for name, stats in results["breakdown_1kb"].items():
        print(f"| {name} | {stats['median_ms']:.2f} | {stats['p95_ms']:.2f} |")


if __name__ == "__main__":
    main()
