"""Check an annotator's normalised quantities and store them as stand-off gold.

    python scripts/import_quantity_gold.py work/qgold/test.jsonl work/qgold/test.ann.jsonl \
        data/annotations/gold-v3.test.jsonl --out data/annotations/quantities-v1.test.jsonl

The first file is what make_quantity_batches.py wrote, the second the annotator's lines
({"key", "value", "unit", "comparator", "change", "period", "region"}), the third the span gold the
spans came from (for sentence bounds). Without --out it only checks.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.corpus import load_corpus  # noqa: E402

COMPARATORS = {"about", "at_least", "at_most", "range", "exact"}
CHANGES = {"level", "growth_rate", "increase", "decrease", "multiple"}
PERIOD = re.compile(r"^(19|20)\d\d(-Q[1-4]|-H[12]|-Q1-Q3|-M\d\d(-M\d\d)?|-(19|20)\d\d)?$")


def problems_of(row: dict) -> list[str]:
    found = []
    value = row.get("value")
    numbers = value if isinstance(value, list) else [value]
    if value is not None and not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
        found.append(f"value {value!r} is not a number or a list of numbers")
    if row.get("comparator") not in COMPARATORS:
        found.append(f"comparator {row.get('comparator')!r} not one of {sorted(COMPARATORS)}")
    if row.get("change") not in CHANGES:
        found.append(f"change {row.get('change')!r} not one of {sorted(CHANGES)}")
    if row.get("period") is not None and not PERIOD.match(str(row["period"])):
        found.append(f"period {row['period']!r} not in the normalised format")
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("batch")
    ap.add_argument("annotations")
    ap.add_argument("span_gold")
    ap.add_argument("--out")
    args = ap.parse_args()
    corpus = load_corpus()
    sentences = {}
    for line in open(args.span_gold, encoding="utf-8"):
        r = json.loads(line)
        sentences.setdefault(r["doc_id"], []).append((r["sent_start"], r["sent_end"]))
    inputs = [json.loads(line) for line in open(args.batch, encoding="utf-8") if line.strip()]
    answers = {}
    for line in open(args.annotations, encoding="utf-8"):
        if line.strip():
            row = json.loads(line)
            answers[row["key"]] = row
    problems, records = [], []
    for item in inputs:
        row = answers.get(item["key"])
        if row is None:
            problems.append(f"{item['key']}: no annotation")
            continue
        problems += [f"{item['key']}: {p}" for p in problems_of(row)]
        doc_id, start, end = item["key"].rsplit(":", 2)
        start, end = int(start), int(end)
        doc = corpus[doc_id]
        if doc["text"][start:end] != item["span"]:
            problems.append(f"{item['key']}: span text differs from the corpus")
            continue
        bounds = next((b for b in sentences.get(doc_id, []) if b[0] <= start and end <= b[1]), None)
        records.append({"doc_id": doc_id, "sha256": doc["sha256"], "sent_start": bounds[0], "sent_end": bounds[1],
                        "start": start, "end": end, "type": item["type"],
                        **{k: row.get(k) for k in ("value", "unit", "comparator", "change", "period", "region")}})
    for p in problems:
        print(p)
    print(f"{len(records)} records, {len(problems)} problems")
    if args.out and not problems:
        Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        print("written", args.out)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
