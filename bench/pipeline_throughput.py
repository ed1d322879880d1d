"""Submissions per second through intake.pipeline.process in one process.

    .venv/bin/python bench/pipeline_throughput.py [--submissions 500] [--json FILE]

It makes a var/ of its own under /tmp (SQLite, local log storage), one
customer with an ed25519/cv25519 key and a log form, and stores the
submissions the way the web view does (intake.receiving.accept: build the
document, seal it, save; the task id goes to the filesystem broker, where no
worker reads it). Then it runs pipeline.process on each in turn, in this one
process, exactly what the Celery task does apart from Celery: lock the row,
unseal, encrypt with gpg, save the ciphertext, then write the log entry and
mark it delivered. pipeline.encrypt and pipeline.deliver (the two halves of
process) are timed apart. At the end every submission must be delivered with
its log file present, and one entry is decrypted with the merchant's secret key.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bench  # noqa: E402

WARMUP = 10


def small_fields(i):
    return {
        "name": [f"Visitor {i}"],
        "email": [f"visitor{i}@example.org"],
        "item": ["tea", "cake"],
        "message": ["Please deliver to the side door after five. " * 4],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--json")
    args = parser.parse_args()

    var_dir = bench.setup_django("pipeline")
    from intake import pipeline, receiving
    from intake.endpoints import create_endpoint
    from intake.models import Submission
    from intake.storage import intake_log

    keys = bench.Keys(var_dir)
    try:
        customer = bench.make_customer(0, keys.make(1)[0])
        endpoint = create_endpoint(
            customer, domain=customer.domains.get(), slug="contact", delivery="log"
        )
        endpoint = receiving.find_endpoint(endpoint.domain.name, endpoint.slug)

        total = args.submissions + WARMUP
        with bench.Clock() as intake_clock:
            ids = [
                receiving.accept(
                    endpoint, fields=small_fields(i), files=[], client_address="192.0.2.1"
                ).pk
                for i in range(total)
            ]
        document_bytes = Submission.objects.get(pk=ids[0]).size_bytes
        for submission_id in ids[:WARMUP]:
            pipeline.process(submission_id)
        measured = ids[WARMUP:]

        encrypt_s, deliver_s, total_s = [], [], []
        with bench.Clock() as clock:
            for submission_id in measured:
                t0 = time.perf_counter()
                status = pipeline.encrypt(submission_id)
                t1 = time.perf_counter()
                if status == Submission.Status.ENCRYPTED:
                    status = pipeline.deliver(submission_id)
                t2 = time.perf_counter()
                assert status == Submission.Status.DELIVERED, status
                encrypt_s.append(t1 - t0)
                deliver_s.append(t2 - t1)
                total_s.append(t2 - t0)

        delivered = Submission.objects.filter(pk__in=measured, status=Submission.Status.DELIVERED)
        storage = intake_log()
        missing = [s.pk for s in delivered if not storage.exists(s.log_name)]
        sample = delivered.first()
        with storage.open(sample.log_name) as handle:
            plaintext = keys.decrypt(handle.read())
        assert json.loads(plaintext)["submission"] == str(sample.pk)
    finally:
        keys.close()

    n = len(measured)
    results = {
        "machine": bench.machine(),
        "submissions": n,
        "document_bytes": document_bytes,
        "wall_s": clock.wall,
        "submissions_per_s": n / clock.wall,
        "process": bench.summary(total_s),
        "encrypt": bench.summary(encrypt_s),
        "deliver": bench.summary(deliver_s),
        "cpu_self_ms_per_submission": clock.cpu_self / n * 1000,
        "cpu_gpg_ms_per_submission": clock.cpu_children / n * 1000,
        "accept_ms_per_submission": intake_clock.wall / total * 1000,
        "delivered": delivered.count(),
        "log_files_missing": len(missing),
        "load_average_after": bench.load_average(),
    }
    print_markdown(results)
    bench.write_json(args.json, results)
    if results["delivered"] != n or missing:
        raise SystemExit(f"{n - results['delivered']} not delivered, {len(missing)} files missing")


def print_markdown(results):
    print(
        f"{results['submissions']} submissions of {results['document_bytes']} bytes in "
        f"{results['wall_s']:.2f} s: {results['submissions_per_s']:.1f} submissions/s"
    )
    print()
    print("| step | median | p95 | p99 | max |")
    print("|---|---:|---:|---:|---:|")
    for name in ("process", "encrypt", "deliver"):
        s = results[name]
        print(
            f"| pipeline.{name} | {s['median_ms']:.1f} ms | {s['p95_ms']:.1f} ms "
            f"| {s['p99_ms']:.1f} ms | {s['max_ms']:.1f} ms |"
        )
    print()
    print(
        f"CPU per submission: {results['cpu_self_ms_per_submission']:.1f} ms in this process, "
        f"{results['cpu_gpg_ms_per_submission']:.1f} ms in gpg. "
        f"(Storing each one with receiving.accept beforehand: "
        f"{results['accept_ms_per_submission']:.1f} ms.) "
        f"Delivered {results['delivered']}, log files missing {results['log_files_missing']}."
    )


if __name__ == "__main__":
    main()
