"""Requests per second and latency of POST /f/<domain>/<slug>/ against gunicorn.

    .venv/bin/python bench/intake_throughput.py [--small 2000] [--large 100]
        [--threads 4] [--workers 2] [--json FILE]

It makes a var/ of its own under /tmp (SQLite, the filesystem broker), one
customer with a key and a log form, then starts gunicorn on a free port of
127.0.0.1 with 2 sync workers (as the Procfile does) and posts to it from
client threads with urllib: first small urlencoded forms, then 1 MiB multipart
uploads. The view only reads, seals and stores the post and drops the task id
into the broker's folder; no Celery worker runs. Gunicorn is stopped at the
end, and the count of stored submissions is checked against the 202s.

The per-address rate limit (INTAKE_RATE_LIMIT_PER_MINUTE, 60 by default) is
turned off for the server, since every request comes from 127.0.0.1. The form
accepts up to 2 MiB so that a 1 MiB file plus its multipart envelope fits (the
default max_bytes is exactly 1 MiB). Client and server share the machine's
cores, so these are the numbers of one box doing both.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bench  # noqa: E402

WORKERS = 2  # as in the Procfile
LARGE_FILE_BYTES = 1024 * 1024
FORM_MAX_BYTES = 2 * 1024 * 1024
WARMUP = 20
SERVER_ENV = {"INTAKE_RATE_LIMIT_PER_MINUTE": "0"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def small_body():
    fields = [
        ("name", "Zoë Example"),
        ("email", "zoe@example.org"),
        ("item", "tea"),
        ("item", "cake"),
        ("message", "Please deliver to the side door after five. " * 4),
    ]
    return urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"


def large_body():
    boundary = "----capepanel-bench-boundary-7d1f2a"
    file_bytes = os.urandom(LARGE_FILE_BYTES)
    parts = [
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="name"\r\n\r\n'
        "Zoë Example\r\n".encode(),
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="attachment"; filename="scan.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode(),
        file_bytes,
        f"\r\n--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post(url, body, content_type):
    """(HTTP status, seconds) of one post on a new connection."""
    request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 server
        url,
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        status = f"error: {type(error).__name__}"
    return status, time.perf_counter() - started


def run_load(url, body, content_type, total, threads):
    """Post `total` times from `threads` threads; statuses, latencies, wall time."""
    counter = iter(range(total))
    lock = threading.Lock()
    statuses, latencies = {}, []

    def client():
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            status, seconds = post(url, body, content_type)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 202:
                    latencies.append(seconds)

    pool = [threading.Thread(target=client) for _ in range(threads)]
    with bench.Clock() as clock:
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(timeout=900)
    return statuses, latencies, clock.wall


def worker_pids(master_pid):
    with open(f"/proc/{master_pid}/task/{master_pid}/children") as handle:
        return [int(pid) for pid in handle.read().split()]


def workers_cpu_seconds(master_pid):
    """User + system CPU of the web workers so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in worker_pids(master_pid):
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def workers_memory(master_pid):
    return {pid: bench.proc_status_mib(pid) for pid in worker_pids(master_pid)}


def start_gunicorn(var_dir, port, workers):
    env = {**os.environ, **SERVER_ENV}
    log = open(Path(var_dir) / "gunicorn.log", "w")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "capepanel.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=bench.REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/f/thanks/"
    for _ in range(200):  # up to 20 s
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200 and len(worker_pids(server.pid)) == workers:
                    return server, log
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    stop_gunicorn(server, log)
    raise SystemExit("gunicorn did not answer within 20 s")


def stop_gunicorn(server, log):
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=100)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers")
    parser.add_argument("--json")
    args = parser.parse_args()

    var_dir = bench.setup_django("intake")
    from intake.endpoints import create_endpoint
    from intake.models import Submission

    keys = bench.Keys(var_dir)
    try:
        customer = bench.make_customer(0, keys.make(1)[0])
    finally:
        keys.close()
    endpoint = create_endpoint(
        customer,
        domain=customer.domains.get(),
        slug="contact",
        delivery="log",
        max_bytes=FORM_MAX_BYTES,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}{endpoint.path}"
    results = {"machine": bench.machine(), "workers": args.workers, "threads": args.threads}

    server, log = start_gunicorn(var_dir, port, args.workers)
    print(f"gunicorn pid {server.pid} on {url}, var dir {var_dir}", flush=True)
    try:
        small, small_type = small_body()
        large, large_type = large_body()
        results["memory_after_start"] = workers_memory(server.pid)
        for name, body, content_type, total in (
            ("small", small, small_type, args.small),
            ("large", large, large_type, args.large),
        ):
            for _ in range(WARMUP):
                post(url, body, content_type)
            server_cpu = workers_cpu_seconds(server.pid)
            with bench.Clock() as client_clock:
                statuses, latencies, wall = run_load(url, body, content_type, total, args.threads)
            server_cpu = workers_cpu_seconds(server.pid) - server_cpu
            results[name] = {
                "body_bytes": len(body),
                "requests": total,
                "statuses": {str(k): v for k, v in statuses.items()},
                "wall_s": wall,
                "requests_per_s": total / wall,
                "accepted_per_s": statuses.get(202, 0) / wall,
                "latency": bench.summary(latencies) if latencies else None,
                "load_average_after": bench.load_average(),
                "server_cpu_ms_per_request": server_cpu / total * 1000,
                "client_cpu_ms_per_request": client_clock.cpu_self / total * 1000,
            }
            results[f"memory_after_{name}"] = workers_memory(server.pid)
            print(
                f"{name}: {total} posts of {len(body):,} bytes in {wall:.1f} s,"
                f" {total / wall:.1f}/s, statuses {statuses}",
                flush=True,
            )
    finally:
        stop_gunicorn(server, log)

    stored = Submission.objects.count()
    accepted = (
        sum(results[name]["statuses"].get("202", 0) for name in ("small", "large")) + 2 * WARMUP
    )  # the warm-up posts of each kind
    results["stored_submissions"] = stored
    results["accepted_including_warmup"] = accepted
    results["broker_messages"] = len(list((Path(var_dir) / "broker" / "queue").iterdir()))
    print_markdown(results)
    bench.write_json(args.json, results)
    if stored != accepted:
        raise SystemExit(f"stored {stored} submissions but {accepted} posts were accepted")


def print_markdown(results):
    print()
    print(
        "| post | body | requests | client threads | req/s | median | p90 | p95 | p99 | max "
        "| statuses |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, label in (("small", "urlencoded form"), ("large", "multipart, 1 MiB file")):
        row = results[name]
        lat = row["latency"]
        latency = (
            f"{lat['median_ms']:.1f} ms | {lat['p90_ms']:.1f} ms | "
            f"{lat['p95_ms']:.1f} ms | {lat['p99_ms']:.1f} ms | {lat['max_ms']:.1f} ms"
            if lat
            else "– | – | – | – | –"
        )
        statuses = ", ".join(f"{k}×{v}" for k, v in row["statuses"].items())
        print(
            f"| {label} | {row['body_bytes']:,} B | {row['requests']} | {results['threads']} "
            f"| {row['requests_per_s']:.1f} | {latency} | {statuses} |"
        )
    print()
    print("| post | web workers' CPU per request | client's CPU per request |")
    print("|---|---:|---:|")
    for name in ("small", "large"):
        row = results[name]
        print(
            f"| {name} | {row['server_cpu_ms_per_request']:.1f} ms "
            f"| {row['client_cpu_ms_per_request']:.1f} ms |"
        )
    print()
    print("| web workers' memory (/proc, MiB) | VmRSS | VmHWM (peak) |")
    print("|---|---|---|")
    for stage in ("after_start", "after_small", "after_large"):
        memory = results[f"memory_{stage}"]
        rss = " / ".join(f"{m['VmRSS']:.0f}" for m in memory.values())
        peak = " / ".join(f"{m['VmHWM']:.0f}" for m in memory.values())
        print(f"| {stage.replace('_', ' ')} | {rss} | {peak} |")
    print()
    print(
        f"Stored submissions {results['stored_submissions']} "
        f"(accepted posts incl. warm-up: {results['accepted_including_warmup']}); "
        f"broker messages waiting: {results['broker_messages']}."
    )


if __name__ == "__main__":
    main()
