"""Load test of the HTTP service: starts `policytagger serve`, drives it with locust, stops both.

    python benchmarks/load.py [--users 8] [--duration 30] [--no-batching] [--model DIR] [--threads N]
                              [--out-dir benchmarks/results]

N locust users (benchmarks/locustfile.py) post 1–4 realistic documents per request, back to back,
for DURATION seconds. Reports requests/s, documents/s, p50/p99 latency, failures and 5xx answers,
plus what the server's batcher did (batches, documents per batch), as JSON in OUT_DIR and as a
table (locust's own CSV and log lie beside it). --no-batching serves with max_batch_docs=1 and max_wait_ms=0, the baseline to compare with.
Reports, never asserts; the figures depend on what else the machine is doing at the time.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 5.0) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process (all its threads) so far."""
    import psutil
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def wait_ready(url: str, server: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode} before it was ready")
        try:
            if get_json(url + "/readyz", 1.0)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server was not ready after {timeout} s")


def run(users: int, duration: int, batching: bool, out_dir: Path, model: str | None = None,
        threads: int | None = None, max_wait_ms: float | None = None, max_batch_docs: int | None = None) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    mode = "batching" if batching else "no-batching"
    name = f"load-{mode}-{users}u-{duration}s"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "policytagger.cli", "serve", "--port", str(port), "--no-access-log"]
    if not batching:
        command += ["--max-wait-ms", "0", "--max-batch-docs", "1"]
    else:
        if max_wait_ms is not None:
            command += ["--max-wait-ms", str(max_wait_ms)]
        if max_batch_docs is not None:
            command += ["--max-batch-docs", str(max_batch_docs)]
    if model:
        command += ["--model", model]
    if threads:
        command += ["--threads", str(threads)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    load_before = os.getloadavg()
    with open(out_dir / f"{name}.server.log", "w", encoding="utf-8") as server_log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT)
        try:
            wait_ready(url, server)
            _, model_info = get_json(url + "/v1/model")
            _, before = get_json(url + "/readyz")
            cpu_before = server_cpu_seconds(server.pid)
            prefix = out_dir / name
            summary_path = out_dir / f"{name}.locust.json"
            summary_path.unlink(missing_ok=True)
            locust = subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(users),
                 "-t", f"{duration}s", "--host", url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "30",
                 "--loglevel", "WARNING"],
                cwd=ROOT, env={**env, "POLICYTAGGER_LOAD_SUMMARY": str(summary_path)},
                capture_output=True, text=True, timeout=duration + 120)
            (out_dir / f"{name}.locust.log").write_text(locust.stdout + locust.stderr, encoding="utf-8")
            _, after = get_json(url + "/readyz")
            cpu_used = server_cpu_seconds(server.pid) - cpu_before
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server_exit = server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server_exit = "killed after 60 s"
    batches = after["batches"] - before["batches"]
    served_docs = after["documents"] - before["documents"]
    if not summary_path.exists():
        raise RuntimeError(f"locust wrote no summary (exit code {locust.returncode}): {locust.stderr[-2000:]}")
    result = {"mode": mode, "users": users, "duration_s": duration,
              **json.loads(summary_path.read_text(encoding="utf-8")),
              "server": {"batches": batches, "documents": served_docs,
                         "documents_per_batch": round(served_docs / batches, 2) if batches else None,
                         # CPU time is less at the mercy of other load on the machine than wall-clock rates
                         "cpu_seconds": round(cpu_used, 2),
                         "cpu_ms_per_document": round(1000 * cpu_used / served_docs, 2) if served_docs else None,
                         "runtime": model_info.get("runtime"), "batching": model_info.get("batching"),
                         "exit_code": server_exit},
              "locust_exit_code": locust.returncode,
              "machine": {"cpus": os.cpu_count(), "load_average_before": [round(x, 2) for x in load_before],
                          "load_average_after": [round(x, 2) for x in os.getloadavg()]}}
    (out_dir / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return result


def table(results: list[dict]) -> str:
    columns = [("mode", "mode"), ("users", "users"), ("req/s", "requests_per_s"), ("docs/s", "documents_per_s"),
               ("p50 ms", "p50_ms"), ("p99 ms", "p99_ms"), ("requests", "requests"), ("failures", "failures"),
               ("5xx", "server_5xx")]
    rows = [[str(r[key]) for _, key in columns] + [str(r["server"]["documents_per_batch"]),
                                                   str(r["server"]["cpu_ms_per_document"])] for r in results]
    header = [title for title, _ in columns] + ["docs/batch", "server CPU ms/doc"]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(header, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=8, help="concurrent locust users")
    ap.add_argument("--duration", type=int, default=30, help="seconds of load")
    ap.add_argument("--no-batching", action="store_true", help="serve with max_batch_docs=1, max_wait_ms=0")
    ap.add_argument("--max-wait-ms", type=float, default=None, help="the server's batching wait (default: its own)")
    ap.add_argument("--max-batch-docs", type=int, default=None, help="the server's batch size (default: its own)")
    ap.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    ap.add_argument("--threads", type=int, default=None, help="threads of the model runtime")
    ap.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()
    result = run(args.users, args.duration, not args.no_batching, args.out_dir, args.model, args.threads,
                 args.max_wait_ms, args.max_batch_docs)
    result["command"] = " ".join(["python benchmarks/load.py", *sys.argv[1:]])
    name = f"load-{result['mode']}-{args.users}u-{args.duration}s.json"
    (args.out_dir / name).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False))
    print(table([result]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
