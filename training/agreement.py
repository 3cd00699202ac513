"""Agreement between two independent annotation passes over the same sentences."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score

from model.labels import SPAN_TYPES, THEMES


def _key(record: dict) -> tuple:
    return (record["doc_id"], record["sent_start"]) if "doc_id" in record else (record["text"],)


def span_agreement(first: list[dict], second: list[dict]) -> dict:
    """Exact-match span F1 of pass B against pass A, per type and overall (symmetric for F1)."""
    b_by_key = {_key(r): r for r in second}
    counts = {t: [0, 0, 0] for t in SPAN_TYPES}  # matched, in A, in B
    for a in first:
        b = b_by_key.get(_key(a))
        if b is None:
            continue
        spans_a = {tuple(s) for s in a["spans"]}
        spans_b = {tuple(s) for s in b["spans"]}
        for s in spans_a:
            counts[s[2]][1] += 1
            counts[s[2]][0] += s in spans_b
        for s in spans_b:
            counts[s[2]][2] += 1
    out = {}
    for t, (m, na, nb) in counts.items():
        out[t] = {"f1": 2 * m / (na + nb) if na + nb else None, "first": na, "second": nb, "matched": m}
    m, na, nb = (sum(c[i] for c in counts.values()) for i in range(3))
    out["all"] = {"f1": 2 * m / (na + nb) if na + nb else None, "first": na, "second": nb, "matched": m}
    return out


def theme_agreement(first: list[dict], second: list[dict]) -> dict:
    """Micro F1 between the passes' theme sets and Cohen's kappa per theme."""
    b_by_key = {_key(r): r for r in second}
    pairs = [(a, b_by_key[_key(a)]) for a in first if _key(a) in b_by_key]
    index = {t: k for k, t in enumerate(THEMES)}
    ya = np.zeros((len(pairs), len(THEMES)), dtype=int)
    yb = np.zeros_like(ya)
    for i, (a, b) in enumerate(pairs):
        for t in a.get("themes", []):
            ya[i, index[t]] = 1
        for t in b.get("themes", []):
            yb[i, index[t]] = 1
    per_theme = {}
    for t, k in index.items():
        if ya[:, k].any() or yb[:, k].any():
            per_theme[t] = {"kappa": float(cohen_kappa_score(ya[:, k], yb[:, k])), "first": int(ya[:, k].sum()),
                            "second": int(yb[:, k].sum())}
    exact = float(np.mean([(ya[i] == yb[i]).all() for i in range(len(pairs))])) if pairs else 0.0
    return {"sentences": len(pairs), "micro_f1": float(f1_score(ya, yb, average="micro", zero_division=0)),
            "exact_set_match": exact, "per_theme": per_theme}
