"""Inter-annotator agreement between two stand-off files over the same sentences.

    python scripts/agreement.py FIRST.jsonl SECOND.jsonl [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.agreement import span_agreement, theme_agreement  # noqa: E402


def read(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("first")
    ap.add_argument("second")
    ap.add_argument("--json")
    args = ap.parse_args()
    first, second = read(args.first), read(args.second)
    result = {"spans": span_agreement(first, second), "themes": theme_agreement(first, second)}
    print(f"{'type':10} {'F1':>6} {'first':>6} {'second':>6}")
    for t, r in result["spans"].items():
        f1 = f"{r['f1']:.3f}" if r["f1"] is not None else "  -  "
        print(f"{t:10} {f1:>6} {r['first']:>6} {r['second']:>6}")
    th = result["themes"]
    print(f"themes: {th['sentences']} sentences, micro F1 {th['micro_f1']:.3f}, identical sets {th['exact_set_match']:.3f}")
    for t, r in sorted(th["per_theme"].items(), key=lambda x: -x[1]["first"]):
        print(f"  {t:22} kappa {r['kappa']:.3f}  ({r['first']} / {r['second']})")
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
