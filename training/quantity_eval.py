"""How right the structured quantities are, against hand-normalised gold quantities.

Gold records (data/annotations/quantities-*.jsonl) are stand-off like the span gold:
    {"doc_id", "sha256", "sent_start", "sent_end", "start", "end", "type",
     "value", "unit", "comparator", "change", "period", "region"}
Two measurements:
- ``parser_accuracy``: the parser and attribution on the gold spans themselves (no model involved);
- ``predicted_accuracy``: the analyser end to end; among gold quantities whose span the model
  predicted with exact boundaries, the share whose value, unit and comparator are all right,
  and how often period and region are right.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

from model.attribution import short_region
from model.quantities import attach_quantities
from model.schema import Document, Sentence, Span

FIELDS = ("value", "unit", "comparator", "change", "period", "region")
_UNIT_ALIASES = {"百分点": "个百分点"}


def load_quantity_gold(path: str | Path, corpus: dict) -> list[dict]:
    """Gold quantity records with their sentence and span text; refuses a document whose text changed."""
    rows = []
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        doc = corpus.get(row["doc_id"])
        if doc is None or doc["sha256"] != row["sha256"]:
            raise ValueError(f"{path}:{number}: document {row['doc_id']} missing or changed (sha256 differs)")
        row["sentence"] = doc["text"][row["sent_start"]:row["sent_end"]]
        row["span"] = doc["text"][row["start"]:row["end"]]
        row["meta"] = {k: doc.get(k) for k in ("region", "year", "genre")}
        rows.append(row)
    return rows


def _same_number(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        a = a if isinstance(a, list) else [a]
        b = b if isinstance(b, list) else [b]
        return len(a) == len(b) and all(_same_number(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)


def field_matches(quantity, gold: dict) -> dict[str, bool]:
    """Per field: does the parsed quantity say what the gold says?"""
    unit = _UNIT_ALIASES.get(quantity.unit, quantity.unit)
    gold_unit = _UNIT_ALIASES.get(gold["unit"], gold["unit"])
    return {
        "value": _same_number(quantity.value, gold["value"]),
        "unit": unit == gold_unit,
        "comparator": quantity.comparator == gold["comparator"],
        "change": quantity.change == gold["change"],
        "period": quantity.period == gold["period"],
        "region": short_region(quantity.region) == short_region(gold["region"]),
    }


def summarise(matches: list[dict[str, bool]], total_gold: int) -> dict:
    n = len(matches)
    out = {"gold_quantities": total_gold, "scored": n}
    for name in FIELDS:
        out[name] = sum(m[name] for m in matches) / n if n else 0.0
    out["value_unit_comparator"] = sum(m["value"] and m["unit"] and m["comparator"] for m in matches) / n if n else 0.0
    out["all_fields"] = sum(all(m.values()) for m in matches) / n if n else 0.0
    return out


def parser_accuracy(rows: list[dict], gold_regions: dict | None = None) -> tuple[dict, list[dict]]:
    """Parse and attribute each gold span inside its gold sentence; returns the summary and the misses.

    ``gold_regions`` maps (doc_id, sent_start) to the gold REGION spans of that sentence (absolute
    offsets), so region attribution sees what a perfect tagger would give it.
    """
    matches, misses = [], []
    for row in rows:
        doc = _sentence_doc(row, [(row["start"], row["end"], row["type"])] + (gold_regions or {}).get(
            (row["doc_id"], row["sent_start"]), []))
        attach_quantities(doc)
        quantity = next(s.quantity for s in doc.spans if s.type == row["type"] and s.quantity)
        found = field_matches(quantity, row)
        matches.append(found)
        if not all(found.values()):
            misses.append({"span": row["span"], "wrong": [k for k, ok in found.items() if not ok],
                           "parsed": quantity.__dict__, "gold": {k: row[k] for k in FIELDS}})
    return summarise(matches, len(rows)), misses


def _sentence_doc(row: dict, spans: list[tuple[int, int, str]]) -> Document:
    """The gold sentence as a one-sentence Document (offsets relative to it), with the document's metadata."""
    base, text = row["sent_start"], row["sentence"]
    doc = Document(text=text, sentences=[Sentence(0, len(text))], meta={k: v for k, v in row["meta"].items() if v})
    for start, end, kind in sorted(spans):
        doc.spans.append(Span(start - base, end - base, kind, text[start - base:end - base], 1.0))
    return doc


def predicted_accuracy(analyzer, rows: list[dict]) -> tuple[dict, Counter]:
    """Run the analyser on each gold sentence (with its document's metadata) and score the quantities
    of the gold spans it found with exact boundaries. Also returns how many gold spans were found."""
    sentences = {}
    for row in rows:
        sentences.setdefault((row["doc_id"], row["sent_start"]), row)
    keys = list(sentences)
    docs = analyzer.analyze_batch([sentences[k]["sentence"] for k in keys], ids=[f"{d}:{s}" for d, s in keys],
                                  metas=[{k: v for k, v in sentences[key]["meta"].items() if v} for key in keys])
    predicted = {}
    for (doc_id, base), doc in zip(keys, docs):
        for span in doc.spans:
            if span.quantity is not None:
                predicted[(doc_id, base + span.start, base + span.end)] = span.quantity
    matches, counts = [], Counter()
    for row in rows:
        quantity = predicted.get((row["doc_id"], row["start"], row["end"]))
        counts["found" if quantity else "missed"] += 1
        if quantity:
            matches.append(field_matches(quantity, row))
    return summarise(matches, len(rows)), counts


def gold_regions_by_sentence(records: list[dict]) -> dict:
    """(doc_id, sent_start) → the gold REGION spans of that sentence, in absolute offsets."""
    out = {}
    for r in records:
        out[(r["doc_id"], r["sent_start"])] = [(r["sent_start"] + s, r["sent_start"] + e, t)
                                               for s, e, t in r["spans"] if t == "REGION"]
    return out

