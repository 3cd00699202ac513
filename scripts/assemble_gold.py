"""Merge imported stand-off batches into data/annotations/<name>.{train,dev,test}.jsonl by document split.

    python scripts/assemble_gold.py gold-v1 work/imported/gold1-*.jsonl
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.splits import split_of  # noqa: E402


def main():
    name, files = sys.argv[1], sys.argv[2:]
    by_split = {"train": [], "dev": [], "test": []}
    for path in files:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                by_split[split_of(record["doc_id"])].append(record)
    out_dir = Path("data/annotations")
    out_dir.mkdir(parents=True, exist_ok=True)
    for split, records in by_split.items():
        records.sort(key=lambda r: (r["doc_id"], r["sent_start"]))
        with (out_dir / f"{name}.{split}.jsonl").open("w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        spans = Counter(s[2] for r in records for s in r["spans"])
        print(split, len(records), "sentences", dict(spans))


if __name__ == "__main__":
    main()
