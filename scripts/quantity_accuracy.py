"""Parser and attribution accuracy on gold quantity spans (no model involved), with the misses.

    python scripts/quantity_accuracy.py data/annotations/quantities-v1.dev.jsonl data/annotations/gold-v3.dev.jsonl [--misses]

Develop against dev; the test split is for the figures reported once.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.corpus import load_corpus  # noqa: E402
from training.quantity_eval import gold_regions_by_sentence, load_quantity_gold, parser_accuracy  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("quantities")
    ap.add_argument("span_gold")
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    corpus = load_corpus()
    rows = load_quantity_gold(args.quantities, corpus)
    records = [json.loads(line) for line in open(args.span_gold, encoding="utf-8")]
    summary, misses = parser_accuracy(rows, gold_regions_by_sentence(records))
    if args.misses:
        for miss in misses:
            print(json.dumps(miss, ensure_ascii=False))
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
