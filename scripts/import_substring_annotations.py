"""Check and convert an annotator's substring file into stand-off records.

    python scripts/import_substring_annotations.py BATCH.jsonl BATCH.ann.jsonl [--out data/annotations/X.jsonl]

BATCH.jsonl is what make_annotation_batches.py wrote (with text); BATCH.ann.jsonl has one line per
sentence: {"key", "spans": [[substring, TYPE], ...] in reading order, "themes": [...]}.
Without --out it only checks and prints every problem (exit 1 if any).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.annotations import AnnotationError, record_problems, spans_from_substrings  # noqa: E402
from training.corpus import load_corpus  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("batch")
    ap.add_argument("annotations")
    ap.add_argument("--out")
    args = ap.parse_args()
    corpus = load_corpus()
    rows = [json.loads(line) for line in open(args.batch, encoding="utf-8") if line.strip()]
    sentences = {row["key"]: row for row in rows}
    records, problems, seen = [], [], set()
    for number, line in enumerate(open(args.annotations, encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            ann = json.loads(line)
            sent = sentences[ann["key"]]
            if ann["key"] in seen:
                raise AnnotationError("duplicate key")
            seen.add(ann["key"])
            spans = spans_from_substrings(sent["text"], ann.get("spans", []))
            record = {"doc_id": sent["doc_id"], "sha256": corpus[sent["doc_id"]]["sha256"],
                      "sent_start": sent["sent_start"], "sent_end": sent["sent_end"],
                      "spans": spans, "themes": ann.get("themes", [])}
            bad = record_problems(record, corpus)
            if bad:
                raise AnnotationError("; ".join(bad))
            records.append(record)
        except (AnnotationError, KeyError, json.JSONDecodeError, TypeError, IndexError) as err:
            problems.append(f"line {number}: {type(err).__name__}: {err}")
    missing = [k for k in sentences if k not in seen]
    if missing:
        problems.append(f"{len(missing)} sentence(s) not annotated, first: {missing[:3]}")
    for p in problems:
        print(p)
    print(f"{len(records)} valid records, {len(problems)} problem(s)")
    if args.out and not problems:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print("wrote", args.out)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
