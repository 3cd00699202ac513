"""How good are the silver labels? Run the silver engine on the gold sentences and score it like a model.

    python scripts/silver_eval.py                       # gold-v5 train and dev → table + runs/silver/eval.json
    python scripts/silver_eval.py --split dev --errors runs/silver/errors.dev.jsonl

Span scores are exact match per type (training/evaluate.py's span_scores, the same metric as a trained
model's), themes are per-theme P/R/F1 with micro and macro F1. The rules were developed looking at
train; dev is the honest figure. The test split is refused.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

from model.labels import SPAN_TYPES, THEMES  # noqa: E402
from training.annotations import read_jsonl, record_problems  # noqa: E402
from training.corpus import load_corpus  # noqa: E402
from training.evaluate import span_scores, theme_scores  # noqa: E402
from training.silver.engine import contexts_for, label_sentence  # noqa: E402
from training.silver.sections import SentenceContext  # noqa: E402

GOLD = {"train": "data/annotations/gold-v5.train.jsonl", "dev": "data/annotations/gold-v5.dev.jsonl"}


def silver_for_gold(path: str, corpus: dict) -> tuple[list[dict], list[dict], float]:
    """(gold records with their text, silver (spans, themes) for each, seconds spent labelling)."""
    records = []
    for number, record in read_jsonl(Path(path)):
        problems = record_problems(record, corpus) if isinstance(record, dict) else ["invalid JSON"]
        if problems:
            raise SystemExit(f"{path}:{number}: {'; '.join(problems)}")
        records.append(record)
    by_doc = defaultdict(list)
    for record in records:
        by_doc[record["doc_id"]].append(record)
    started = time.perf_counter()
    silver = {}
    for doc_id, doc_records in by_doc.items():
        doc = corpus[doc_id]
        sentences, contexts = contexts_for(doc)
        context_at = dict(zip(sentences, contexts))
        for record in doc_records:
            key = (record["sent_start"], record["sent_end"])
            # the gold sentence is one of the splitter's; otherwise take the one it starts in
            context = context_at.get(key) or next(
                (c for (s, e), c in context_at.items() if s <= key[0] < e), SentenceContext(genre=doc.get("genre")))
            text = doc["text"][key[0]:key[1]]
            record["text"] = text
            silver[id(record)] = label_sentence(text, context)
    seconds = time.perf_counter() - started
    return records, [{"spans": silver[id(r)][0], "themes": silver[id(r)][1]} for r in records], seconds


def score(records: list[dict], silver: list[dict]) -> dict:
    lengths = [len(r["text"]) for r in records]
    spans = span_scores([r["spans"] for r in records], [s["spans"] for s in silver], lengths)
    gold_themes = np.array([[t in r.get("themes", []) for t in THEMES] for r in records], dtype=int)
    silver_themes = np.array([[t in s["themes"] for t in THEMES] for s in silver], dtype=int)
    return {"sentences": len(records), "spans": spans, "themes": theme_scores(gold_themes, silver_themes)}


def table(name: str, result: dict) -> str:
    lines = [f"### silver vs gold-v5 {name} ({result['sentences']} sentences)", "",
             "| span type | precision | recall | F1 | gold spans |", "|---|---|---|---|---|"]
    for label in list(SPAN_TYPES) + ["micro avg", "macro avg"]:
        r = result["spans"].get(label, {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0})
        lines.append(f"| {label} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |")
    themes = result["themes"]
    lines += ["", "| theme | precision | recall | F1 | gold sentences |", "|---|---|---|---|---|"]
    for theme in THEMES:
        r = themes["per_theme"][theme]
        lines.append(f"| {theme} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |")
    lines.append(f"| **micro F1** | | | {themes['micro_f1']:.3f} | |")
    lines.append(f"| **macro F1** | | | {themes['macro_f1']:.3f} | |")
    return "\n".join(lines)


def errors(records: list[dict], silver: list[dict]) -> list[dict]:
    """Per sentence the silver spans that gold lacks and the gold spans silver missed (for rule work on train)."""
    rows = []
    for record, labels in zip(records, silver):
        text = record["text"]
        gold = {tuple(s) for s in record["spans"]}
        predicted = {tuple(s) for s in labels["spans"]}
        if gold != predicted or set(record.get("themes", [])) != set(labels["themes"]):
            rows.append({"text": text,
                         "false": [[text[s:e], t] for s, e, t in sorted(predicted - gold)],
                         "missed": [[text[s:e], t] for s, e, t in sorted(gold - predicted)],
                         "themes_gold": record.get("themes", []), "themes_silver": labels["themes"]})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["train", "dev", "both"], default="both")
    ap.add_argument("--out", default="runs/silver/eval.json")
    ap.add_argument("--errors", help="write the disagreements (with sentence text) to this JSONL (under runs/)")
    args = ap.parse_args()
    corpus = load_corpus()
    splits = ["train", "dev"] if args.split == "both" else [args.split]
    report = {}
    for split in splits:
        records, silver, seconds = silver_for_gold(GOLD[split], corpus)
        report[split] = score(records, silver)
        report[split]["seconds"] = round(seconds, 1)
        print(table(split, report[split]))
        print(f"\n({seconds:.1f} s, {len(records) / seconds:.0f} sentences/s)\n")
        if args.errors:
            path = Path(args.errors.replace("{split}", split)) if "{split}" in args.errors else Path(args.errors)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8") as f:
                for row in errors(records, silver):
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
