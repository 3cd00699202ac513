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


def _quantity_section(q: dict) -> list[str]:
    e, g = q["end_to_end"], q["on_gold_spans"]
    rows = ["| field | quantities the model found (exact span) | gold spans, parser only |", "|---|---|---|"]
    for name in ("value", "unit", "comparator", "value_unit_comparator", "change", "period", "region"):
        rows.append(f"| {name} | {e[name]:.3f} | {g[name]:.3f} |")
    return [f"Quantities ({q.get('gold_file')}): {e['gold_quantities']} hand-normalised gold quantities, "
            f"{e['scored']} found by the model with exact boundaries; share with each field right "
            "(the parser's rules were written against the dev gold, so dev figures flatter it; test is held out):",
            "", *rows, ""]


def _speed_section(speed: dict, runtime: str) -> list[str]:
    m = speed.get("machine", {})
    rows = ["| runtime | sentences/s | × PyTorch | latency p50 / p95 ms | import + load s | peak RSS MB "
            "| span F1 | quantity F1 | theme F1 |", "|---|---|---|---|---|---|---|---|---|"]
    for name, r in speed.get("variants", {}).items():
        if "error" in r:
            rows.append(f"| {name} | failed: {r['error']} | | | | | | | |")
            continue
        rows.append(f"| {name}{' (default)' if name == runtime else ''} | {r['sentences_per_second']:.0f} | "
                    f"{r.get('speedup', 1.0):.2f} | {r['latency_ms']['p50']:.0f} / {r['latency_ms']['p95']:.0f} | "
                    f"{r['import_seconds']:.1f} + {r['load_seconds']:.1f} | {r['peak_rss_mb']} | {r['span_f1']:.3f} | "
                    f"{r['quantity_f1']:.3f} | {r['theme_f1']:.3f} |")
    out = [f"## Speed ({m.get('physical_cores')} cores, {m.get('cpu')}; `python benchmarks/speed.py`)", "",
           f"Default runtime: `{runtime}` — the fastest whose dev F1 is within 1 point of PyTorch fp32 on "
           "spans, quantities and themes.", "", *rows, ""]
    s = speed.get("scaling", {})
    if "x1" in s:
        out += [f"Cost against length: one {s['unit_chars']}-character document {s['x1']} s, 10× as long "
                f"{s['x10']} s, 100× as long {s['x100']} s.", ""]
    return out


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
        if name == "speed":
            parts += _speed_section(metrics, meta.runtime)
            continue
        parts += [f"## Metrics: {name} split ({metrics.get('sentences')} sentences)", "", _span_table(metrics["spans"]), ""]
        if "themes" in metrics:
            th = metrics["themes"]
            parts += [f"Themes: micro F1 {th['micro_f1']:.3f}, macro F1 {th['macro_f1']:.3f} "
                      "(macro over themes with support; thresholds tuned on dev).", ""]
        if "quantities" in metrics:
            parts += _quantity_section(metrics["quantities"])
    parts += ["## Theme thresholds", "", ", ".join(f"{k} {v}" for k, v in meta.theme_thresholds.items()), ""]
    return "\n".join(parts)


def record_metrics(folder, split_name: str, metrics: dict) -> None:
    """Store held-out metrics in a saved model's policytagger.json and rewrite its card."""
    meta = read_meta(folder)
    meta.metrics[split_name] = metrics
    write_meta(folder, meta)
    (Path(folder) / "README.md").write_text(model_card(meta), encoding="utf-8")
