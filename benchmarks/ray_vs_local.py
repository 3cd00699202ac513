"""The local engine against the Ray engine on the same input: documents per second and fixed overhead.

    python benchmarks/ray_vs_local.py [--docs 2000] [--long-docs 200] [--runtime auto] [--configs local-1,ray-2]

Each run is the command a user types (``policytagger analyze ... -o OUT``, a fresh process; the Ray
runs start their own local Ray), timed from start to exit. Inputs (written to a temporary folder):
``short``: --docs documents built from examples/documents.jsonl with unique ids (one to three of its
texts each); ``long``: --long-docs documents of twenty texts each; each also at half its size.

  overhead          the run on a tiny input (the two example documents): process start, model load
                    and, for Ray, ray.init, worker and actor start, pipeline start and shutdown
  docs/s            documents / wall time of the whole run
  marginal docs/s   (N - N/2) / (wall(N) - wall(N/2)): the rate once running, fixed costs cancelled

Threads: local-N splits the cores between N workers; a Ray actor uses --cpus-per-actor threads (1 by
default), so ray-1x2cpu is the Ray run with local-1's threads. Then, in this process, the Ray
overhead split: ray.init, and the tiny run's pipeline cold (new worker processes) and warm.

Prints a table; writes benchmarks/results/ray_vs_local.json. Reports, never asserts.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
EXAMPLES = [json.loads(line) for line in (REPO / "examples" / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
CONFIGS = {  # name → the engine's options
    "local-1": ["--workers", "1"],
    "local-2": ["--workers", "2"],
    "ray-1": ["--engine", "ray", "--actors", "1"],
    "ray-2": ["--engine", "ray", "--actors", "2"],
    "ray-1x2cpu": ["--engine", "ray", "--actors", "1", "--cpus-per-actor", "2"],  # local-1's threads: all cores
}


def documents(n: int, texts_per_doc: tuple[int, int], prefix: str) -> list[dict]:
    low, high = texts_per_doc
    out = []
    for i in range(n):
        count = low + i % (high - low + 1)
        text = "".join(EXAMPLES[(i + k) % len(EXAMPLES)]["text"] for k in range(count))
        out.append({k: v for k, v in EXAMPLES[i % len(EXAMPLES)].items() if k != "text"} | {"id": f"{prefix}-{i:05d}", "text": text})
    return out


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def run(config: str, source: Path, out: Path, runtime: str) -> float:
    command = [sys.executable, "-m", "policytagger.cli", "analyze", "-q", "--runtime", runtime, str(source),
               "-o", str(out), *CONFIGS[config]]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds


def count_output(out: Path) -> int:
    files = sorted(out.glob("part-*.jsonl")) if out.is_dir() else [out]
    return sum(f.read_bytes().count(b"\n") for f in files)


def ray_overhead(tiny: Path, out: Path, runtime: str) -> dict:
    """Where a Ray run's fixed cost goes: starting Ray, then the tiny run cold and warm."""
    import ray
    from policytagger.batch import EngineOptions
    from policytagger.ray_engine import RayOptions, analyze_on_ray, connect
    started = time.perf_counter()
    connect(RayOptions())
    result = {"ray_init_s": round(time.perf_counter() - started, 2)}
    try:
        for name in ("tiny_cold_s", "tiny_warm_s"):
            run = analyze_on_ray([tiny], out, engine=EngineOptions(runtime=runtime), options=RayOptions(actors=1, progress=False))
            result[name] = round(run.seconds, 2)
    finally:
        ray.shutdown()
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--long-docs", type=int, default=200)
    ap.add_argument("--runtime", default="auto")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "ray_vs_local.json")
    args = ap.parse_args()
    configs = args.configs.split(",")
    load_before = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="ray-vs-local-") as tmp:
        tmp = Path(tmp)
        short, long = documents(args.docs, (1, 3), "short"), documents(args.long_docs, (20, 20), "long")
        sizes = {"short": args.docs, "long": args.long_docs}
        inputs = {"tiny": write_jsonl(tmp / "tiny.jsonl", EXAMPLES),
                  "short": write_jsonl(tmp / "short.jsonl", short),
                  "short-half": write_jsonl(tmp / "short-half.jsonl", short[:args.docs // 2]),
                  "long": write_jsonl(tmp / "long.jsonl", long),
                  "long-half": write_jsonl(tmp / "long-half.jsonl", long[:args.long_docs // 2])}
        for config in configs:
            def out(name):  # Ray writes a folder of shards, the local engine a file
                return tmp / f"out-{config}-{name}{'' if config.startswith('ray') else '.jsonl'}"
            tiny = run(config, inputs["tiny"], out("tiny"), args.runtime)
            for name in ("short", "long"):
                docs, half = sizes[name], sizes[name] // 2
                half_seconds = run(config, inputs[f"{name}-half"], out(f"{name}-half"), args.runtime)
                seconds = run(config, inputs[name], out(name), args.runtime)
                written = count_output(out(name))
                assert written == docs, f"{config} {name}: wrote {written} of {docs} documents"
                row = {"config": config, "input": name, "documents": docs,
                       "characters": sum(len(r["text"]) for r in (short if name == "short" else long)),
                       "wall_s": round(seconds, 2), "half_wall_s": round(half_seconds, 2),
                       "docs_per_s": round(docs / seconds, 1), "overhead_s": round(tiny, 2),
                       "marginal_docs_per_s": round((docs - half) / (seconds - half_seconds), 1)
                       if seconds > half_seconds else None,
                       "load_avg_1m": round(os.getloadavg()[0], 2)}
                results.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
        overhead = ray_overhead(inputs["tiny"], tmp / "out-overhead", args.runtime) \
            if any(c.startswith("ray") for c in configs) else {}
    header = ["config", "input", "documents", "wall_s", "docs_per_s", "marginal_docs_per_s", "overhead_s", "load_avg_1m"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in results:
        print("| " + " | ".join(str(row[h]) for h in header) + " |")
    if overhead:
        print(f"Ray overhead in one process: ray.init {overhead['ray_init_s']} s, tiny run cold "
              f"{overhead['tiny_cold_s']} s, warm {overhead['tiny_warm_s']} s")
    import ray
    report = {"results": results, "ray_overhead": overhead, "runtime": args.runtime, "cpus": os.cpu_count(),
              "ray": ray.__version__, "python": platform.python_version(),
              "load_avg_before": [round(x, 2) for x in load_before],
              "load_avg_after": [round(x, 2) for x in os.getloadavg()],
              "command": " ".join(["python", "benchmarks/ray_vs_local.py", *sys.argv[1:]])}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"load average before {report['load_avg_before']}, after {report['load_avg_after']}; written to {args.json}")


if __name__ == "__main__":
    main()
