"""The model card: what a saved model was trained on, how, and how well it does on held-out data."""
from __future__ import annotations

import yaml

from pathlib import Path

from model.folder import ModelMeta, read_meta, write_meta
from model.labels import SPAN_TYPES


def _span_table(spans: dict) -> str:
    rows = ["| type | P | R | F1 | support |", "|---|---|---|---|---|"]
    for label in list(SPAN_TYPES) + ["micro avg", "macro avg"]:
        if label in spans:
            r = spans[label]
            rows.append(f"| {label} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |")
    return "\n".join(rows)


def model_card(meta: ModelMeta) -> str:
    t = meta.training
    parts = [
        "# policytagger model", "",
        f"Encoder: `{meta.encoder}`; {len(meta.tags)} BIO tags over {len(SPAN_TYPES)} span types, "
        f"{len(meta.themes)} themes (labels as in ANNOTATION.md v1.1). One encoder pass feeds both heads.", "",
        "## Training", "",
        f"- data: {t.get('data')}",
        f"- best epoch: {t.get('best_epoch')} of {len(t.get('history', []))}; training time {t.get('train_seconds')} s",
        f"- commit: {t.get('commit')}; torch {t.get('torch')}",
        f"- alignment: {t.get('alignment')}", "",
        "Config:", "", "```yaml", yaml.safe_dump(t.get("config", {}), allow_unicode=True, sort_keys=False).strip(), "```", "",
    ]
    for name, metrics in meta.metrics.items():
        if not metrics:
            continue
        if name == "cluener_dev_spans":
            parts += ["## CLUENER2020 dev (mapped to our types)", "", _span_table(metrics), ""]
            continue
        parts += [f"## Metrics: {name} split ({metrics.get('sentences')} sentences)", "", _span_table(metrics["spans"]), ""]
        if "themes" in metrics:
            th = metrics["themes"]
            parts += [f"Themes: micro F1 {th['micro_f1']:.3f}, macro F1 {th['macro_f1']:.3f} "
                      "(macro over themes with support; thresholds tuned on dev).", ""]
    parts += ["## Theme thresholds", "", ", ".join(f"{k} {v}" for k, v in meta.theme_thresholds.items()), ""]
    return "\n".join(parts)


def record_metrics(folder, split_name: str, metrics: dict) -> None:
    """Store held-out metrics in a saved model's policytagger.json and rewrite its card."""
    meta = read_meta(folder)
    meta.metrics[split_name] = metrics
    write_meta(folder, meta)
    (Path(folder) / "README.md").write_text(model_card(meta), encoding="utf-8")
