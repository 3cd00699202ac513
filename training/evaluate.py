"""Metrics on gold sentences: per-type span P/R/F1 (exact match) and theme micro/macro F1."""
from __future__ import annotations

import numpy as np
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2
from sklearn.metrics import f1_score, precision_recall_fscore_support

from model.analyzer import Analyzer
from model.labels import QUANTITY_TYPES, SPAN_TYPES, THEMES

from .annotations import Example


def char_bio(length: int, spans) -> list[str]:
    tags = ["O"] * length
    for start, end, label in spans:
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def span_scores(gold: list[list], predicted: list[list], lengths: list[int]) -> dict:
    """Exact-match span scores per type plus micro avg, through seqeval (strict IOB2 over characters)."""
    y_true = [char_bio(n, g) for n, g in zip(lengths, gold)]
    y_pred = [char_bio(n, p) for n, p in zip(lengths, predicted)]
    report = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    out = {}
    for label in list(SPAN_TYPES) + ["micro avg", "macro avg"]:
        if label in report:
            r = report[label]
            out[label] = {"precision": float(r["precision"]), "recall": float(r["recall"]),
                          "f1": float(r["f1-score"]), "support": int(r["support"])}
    return out


def theme_scores(gold: np.ndarray, predicted: np.ndarray) -> dict:
    """Micro/macro F1 over the 19 themes (macro over themes with gold support) and per-theme figures."""
    p, r, f, s = precision_recall_fscore_support(gold, predicted, average=None, zero_division=0)
    supported = s > 0
    return {
        "micro_f1": float(f1_score(gold, predicted, average="micro", zero_division=0)),
        "macro_f1": float(f[supported].mean()) if supported.any() else 0.0,
        "per_theme": {t: {"precision": float(p[k]), "recall": float(r[k]), "f1": float(f[k]), "support": int(s[k])}
                      for k, t in enumerate(THEMES)},
    }


def tune_thresholds(gold: np.ndarray, probs: np.ndarray, default: float = 0.5) -> dict[str, float]:
    """Per-theme threshold maximising F1 on dev; themes without dev positives keep the default."""
    grid = np.arange(0.05, 0.96, 0.05)
    thresholds = {}
    for k, theme in enumerate(THEMES):
        if gold[:, k].sum() == 0:
            thresholds[theme] = default
            continue
        f1s = [f1_score(gold[:, k], probs[:, k] >= t, zero_division=0) for t in grid]
        thresholds[theme] = round(float(grid[int(np.argmax(f1s))]), 2)
    return thresholds


def predict(analyzer: Analyzer, examples: list[Example]):
    """Spans per example and the [examples, themes] probability matrix (all thresholds at zero)."""
    saved = analyzer.thresholds
    analyzer.thresholds = np.zeros_like(saved)
    try:
        docs = analyzer.analyze_batch([e.text for e in examples])
    finally:
        analyzer.thresholds = saved
    spans = [[(s.start, s.end, s.type) for s in d.spans] for d in docs]
    probs = np.zeros((len(examples), len(THEMES)), dtype=np.float32)
    index = {t: k for k, t in enumerate(THEMES)}
    for i, doc in enumerate(docs):
        for sentence in doc.sentences:
            for theme in sentence.themes:
                probs[i, index[theme.label]] = max(probs[i, index[theme.label]], theme.score)
    return spans, probs


def theme_matrix(examples: list[Example]) -> np.ndarray:
    index = {t: k for k, t in enumerate(THEMES)}
    gold = np.zeros((len(examples), len(THEMES)), dtype=np.int64)
    for i, e in enumerate(examples):
        for t in e.themes or []:
            gold[i, index[t]] = 1
    return gold


def evaluate(analyzer: Analyzer, examples: list[Example], thresholds: dict[str, float] | None = None) -> dict:
    """All metrics for a gold set. Themes are scored only on examples that carry theme labels."""
    spans, probs = predict(analyzer, examples)
    lengths = [len(e.text) for e in examples]
    result = {"sentences": len(examples), "spans": span_scores([e.spans for e in examples], spans, lengths)}
    # TARGET and STAT together: "micro avg" of this is the quantity-span F1
    result["quantity_spans"] = span_scores([[s for s in e.spans if s[2] in QUANTITY_TYPES] for e in examples],
                                           [[s for s in p if s[2] in QUANTITY_TYPES] for p in spans], lengths)
    themed = [i for i, e in enumerate(examples) if e.themes is not None]
    if themed:
        thresholds = thresholds or dict(zip(analyzer.meta.themes, analyzer.thresholds.tolist()))
        cut = np.array([thresholds[t] for t in THEMES])
        result["themes"] = theme_scores(theme_matrix([examples[i] for i in themed]), probs[themed] >= cut)
    return result
