"""Locust users for the policytagger HTTP service; run through benchmarks/load.py, or by hand:

    locust -f benchmarks/locustfile.py --headless -u 8 -r 8 -t 30s --host http://127.0.0.1:8000

Each user posts 1–4 documents per request, back to back (no think time), drawn from the project's
own examples: the records of examples/documents.jsonl and runs of consecutive lines of
examples/report-excerpt.txt (as 宁波 2025 documents). Requests are named by their document count
("POST /v1/analyze [3 docs]") so the stats give documents per second. A response counts as a
failure unless it is a 200 carrying each document back, in order, with sentences.

With POLICYTAGGER_LOAD_SUMMARY set, the final totals are written there as JSON when locust quits
(its --csv files are written on a timer and can miss the last second).
"""
from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

from locust import FastHttpUser, constant, events, task

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MAX_DOCS_PER_REQUEST = 4


def document_pool() -> list[dict]:
    docs = [json.loads(line) for line in (EXAMPLES / "documents.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    lines = [line for line in (EXAMPLES / "report-excerpt.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    for start in range(len(lines)):
        for end in range(start + 1, len(lines) + 1):
            docs.append({"id": f"excerpt-{start}-{end}", "text": "".join(lines[start:end]), "region": "宁波",
                         "year": 2025, "genre": "government_work_report"})
    return docs


POOL = document_pool()


class AnalyzeUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.rng = random.Random()

    @task
    def analyze(self):
        count = self.rng.randint(1, MAX_DOCS_PER_REQUEST)
        docs = self.rng.sample(POOL, count)
        with self.client.post("/v1/analyze", json={"documents": docs}, name=f"POST /v1/analyze [{count} docs]",
                              catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
                return
            got = response.json().get("documents", [])
            if [d.get("id") for d in got] != [d["id"] for d in docs] or any(not d.get("sentences") for d in got):
                response.failure("HTTP 200 with documents missing, out of order or without sentences")


@events.quitting.add_listener
def write_summary(environment, **_):
    path = os.environ.get("POLICYTAGGER_LOAD_SUMMARY")
    if not path:
        return
    stats = environment.stats
    total = stats.total
    documents = 0
    for entry in stats.entries.values():
        found = re.search(r"\[(\d+) docs\]", entry.name)
        if found:
            documents += int(found.group(1)) * (entry.num_requests - entry.num_failures)
    elapsed = max(total.last_request_timestamp - total.start_time, 1e-9) if total.num_requests else 0.0
    summary = {
        "requests": total.num_requests, "failures": total.num_failures,
        "server_5xx": sum(e.occurrences for e in stats.errors.values() if re.match(r"HTTP 5\d\d", str(e.error))),
        "requests_per_s": round(total.num_requests / elapsed, 2) if elapsed else 0.0,
        "documents": documents, "documents_per_s": round(documents / elapsed, 2) if elapsed else 0.0,
        "p50_ms": total.get_response_time_percentile(0.5) if total.num_requests else None,
        "p99_ms": total.get_response_time_percentile(0.99) if total.num_requests else None,
        "mean_ms": round(total.avg_response_time, 1), "max_ms": round(total.max_response_time or 0, 1),
        "elapsed_s": round(elapsed, 2),
        "errors": [{"request": e.name, "error": str(e.error), "occurrences": e.occurrences} for e in stats.errors.values()],
    }
    Path(path).write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
