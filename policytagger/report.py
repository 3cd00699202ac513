"""``policytagger report``: the JSON Lines of ``policytagger analyze`` as one self-contained HTML page.

The page needs nothing but a browser: CSS and JS are inline, charts are SVG drawn here, and a
Content-Security-Policy forbids every fetch. Documents are untrusted, so every piece of text goes
through ``html.escape`` (or, for the quantity table's data, a JSON block that cannot close its
``<script>``), and the page's script only ever writes text with ``textContent``.

    page = render_report(read_analysis(Path("analysis.jsonl")), title="…", max_docs=200)
    Path("report.html").write_text(page, encoding="utf-8")
"""
from __future__ import annotations

import json
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Iterable, Iterator

from model.labels import QUANTITY_TYPES, SPAN_TYPES, THEMES

from .io import BadRecord

DEFAULT_MAX_DOCS = 200

# The 中文 column of the theme table in ../shared/ANNOTATION.md v1.1 (tests/test_report.py checks the
# two agree when that file is present). Labels the table does not name get no gloss.
THEME_GLOSSES = {
    "economy": "经济运行", "innovation": "科技创新", "talent": "人才", "business_env": "营商环境",
    "investment_attraction": "招商引资", "projects_investment": "项目建设与有效投资", "industry": "产业发展",
    "private_economy": "民营经济与企业", "opening_up": "对外开放", "consumption": "消费与内需", "reform": "改革",
    "finance": "金融", "green": "绿色低碳与生态", "rural": "乡村振兴与农业", "urban_infra": "城市建设与基础设施",
    "livelihood": "民生与共同富裕", "safety": "安全与治理", "party_conduct": "党建与作风", "culture": "文化体育",
}


@dataclass(frozen=True)
class SpanStyle:
    background: str
    border: str  # CSS border-bottom: quantities get a solid (TARGET) or dashed (STAT) dark rule
    meaning: str


SPAN_STYLES = {
    "PER": SpanStyle("#fecdd3", "2px solid #fecdd3", "person"),
    "REGION": SpanStyle("#bbf7d0", "2px solid #bbf7d0", "region"),
    "ORG": SpanStyle("#ddd6fe", "2px solid #ddd6fe", "organisation"),
    "COMPANY": SpanStyle("#fef08a", "2px solid #fef08a", "company"),
    "PROJECT": SpanStyle("#a5f3fc", "2px solid #a5f3fc", "project"),
    "INDUSTRY": SpanStyle("#e7d4b5", "2px solid #e7d4b5", "industry"),
    "POLICY": SpanStyle("#d6d3d1", "2px solid #d6d3d1", "policy"),
    "TARGET": SpanStyle("#fdba74", "3px solid #c2410c", "target (goal)"),
    "STAT": SpanStyle("#93c5fd", "3px dashed #1d4ed8", "stat (reported result)"),
}
_OTHER_STYLE = SpanStyle("#e5e7eb", "2px dotted #6b7280", "type not in the schema")
QUANTITY_FIELDS = ("metric", "value", "unit", "comparator", "change", "period", "region")
TABLE_COLUMNS = ("region", "period", "type", "metric", "value", "unit", "comparator", "change", "text", "document")


# ---------------------------------------------------------------- reading and checking records

def check_record(record) -> dict:
    """The record if it has the shape ``analyze`` writes; ValueError naming the first problem otherwise."""
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object with 'sentences' and 'spans'")
    text = record.get("text")
    if text is not None and not isinstance(text, str):
        raise ValueError("'text' is not a string")
    if record.get("meta") is not None and not isinstance(record["meta"], dict):
        raise ValueError("'meta' is not an object")
    for key in ("sentences", "spans"):
        if not isinstance(record.get(key), list):
            raise ValueError(f"missing or non-list '{key}' field")
    for k, sentence in enumerate(record["sentences"]):
        where = f"sentence {k}"
        _check_offsets(sentence, where, text)
        themes = sentence.get("themes", [])
        if not isinstance(themes, list) or not all(
                isinstance(t, dict) and isinstance(t.get("label"), str) and _is_number(t.get("score")) for t in themes):
            raise ValueError(f"{where}: 'themes' must be a list of {{label, score}}")
    for k, span in enumerate(record["spans"]):
        where = f"span {k}"
        _check_offsets(span, where, text)
        if not isinstance(span.get("type"), str) or not isinstance(span.get("text"), str):
            raise ValueError(f"{where}: 'type' and 'text' must be strings")
        if not _is_number(span.get("score")):
            raise ValueError(f"{where}: 'score' must be a number")
        if span.get("quantity") is not None:
            if not isinstance(span["quantity"], dict):
                raise ValueError(f"{where}: 'quantity' is not an object")
            try:  # the tooltip reads it with JSON.parse, which knows no NaN or Infinity
                json.dumps(span["quantity"], allow_nan=False)
            except ValueError:
                raise ValueError(f"{where}: 'quantity' holds NaN or Infinity") from None
        if text is not None and text[span["start"]:span["end"]] != span["text"]:
            raise ValueError(f"{where}: its text does not match the document text at {span['start']}-{span['end']}")
    return record


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_offsets(item, where: str, text: str | None):
    if not isinstance(item, dict):
        raise ValueError(f"{where} is not an object")
    start, end = item.get("start"), item.get("end")
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
        raise ValueError(f"{where}: 'start' and 'end' must be integers")
    if not 0 <= start <= end or (text is not None and end > len(text)):
        limit = f" (text length {len(text)})" if text is not None else ""
        raise ValueError(f"{where}: offsets {start}-{end} are out of range{limit}")


def read_analysis(path: Path) -> Iterator[dict | BadRecord]:
    """Records of an ``analyze`` output (``-``: stdin), each checked; a bad line is yielded as a
    BadRecord with its line number and reason, and reading goes on."""
    source = "stdin" if str(path) == "-" else str(path)
    stream = sys.stdin.buffer if source == "stdin" else path.open("rb")
    try:
        for number, raw in enumerate(stream, 1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                yield BadRecord(source, number, f"not valid UTF-8 (byte {err.start} of the line)")
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                yield BadRecord(source, number, f"invalid JSON: {err.msg} at column {err.colno}")
                continue
            try:
                yield check_record(record)
            except ValueError as err:
                yield BadRecord(source, number, f"{_record_name(record)}: {err}", id=_record_id(record))
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _record_id(record) -> str | None:
    return str(record["id"]) if isinstance(record, dict) and record.get("id") is not None else None


def _record_name(record) -> str:
    name = _record_id(record)
    return f"record {name[:80]!r}" if name is not None else "record"


# ---------------------------------------------------------------- the page

def render_report(records: Iterable[dict | BadRecord], title: str = "policytagger report",
                  max_docs: int = DEFAULT_MAX_DOCS) -> str:
    """The whole page as a string, built in one pass over ``records``: ``analyze`` output objects, or
    what ``read_analysis`` yields. BadRecords, and records that fail ``check_record``, are listed at
    the top of the page instead of rendered. Only the first ``max_docs`` documents keep their text."""
    batch = BatchSummary(max_docs=max(0, max_docs))
    for k, record in enumerate(records, 1):
        if isinstance(record, BadRecord):
            batch.skipped.append(record)
            continue
        try:
            batch.add(check_record(record))
        except ValueError as err:
            batch.skipped.append(BadRecord("records", k, f"{_record_name(record)}: {err}", id=_record_id(record)))
    parts = [
        _skipped_note(batch.skipped),
        f'<div class="top"><div>{_header(title, batch)}{_legend(batch.span_types)}</div>'
        '<section class="panel" id="batch-themes"><h2>Themes across the batch</h2>'
        '<p class="hint">Share of all sentences that carry each theme (a sentence may carry several).</p>'
        f'{_theme_chart(batch.themes, batch.sentences, css_class="chart batch-chart")}</section></div>',
        _quantity_table(batch.quantity_rows),
        _documents(batch),
    ]
    return _PAGE.format(title=escape(title), css=_CSS + _type_css(), body="\n".join(p for p in parts if p), js=_JS)


@dataclass
class BatchSummary:
    """What the page shows of a batch, gathered record by record so that a large batch is never held
    whole: counts, theme counts, the quantity table's rows and the HTML of the documents shown."""
    max_docs: int
    documents: int = 0
    sentences: int = 0
    span_types: Counter = field(default_factory=Counter)
    themes: Counter = field(default_factory=Counter)
    quantity_rows: list[str] = field(default_factory=list)  # JSON arrays, see _quantity_row
    sections: list[str] = field(default_factory=list)
    skipped: list[BadRecord] = field(default_factory=list)

    def add(self, doc: dict):
        index, name = self.documents, _doc_name(doc, self.documents)
        shown = index < self.max_docs
        self.documents += 1
        self.sentences += len(doc["sentences"])
        self.themes.update(_theme_counts(doc["sentences"]))
        self.span_types.update(s["type"] for s in doc["spans"])
        self.quantity_rows += [_quantity_row(span, name, index if shown else -1)
                               for span in doc["spans"] if span["type"] in QUANTITY_TYPES]
        if shown:
            self.sections.append(_document(doc, name, index))


def _doc_name(doc: dict, index: int) -> str:
    return str(doc["id"]) if doc.get("id") is not None else f"document {index + 1}"


def _theme_counts(sentences: list[dict]) -> Counter:
    """Sentences per theme (a theme listed twice in one sentence counts once)."""
    return Counter(label for s in sentences for label in {t["label"] for t in s.get("themes", [])})


def _header(title: str, batch: BatchSummary) -> str:
    types = batch.span_types
    cards = [("documents", batch.documents), ("sentences", batch.sentences), ("spans", sum(types.values())),
             ("quantities", len(batch.quantity_rows))]
    card_html = "".join(f'<div class="card" data-stat="{name}"><div class="num">{n:,}</div><div>{name}</div></div>'
                        for name, n in cards)
    split = " · ".join(f"{t} {types.get(t, 0):,}" for t in QUANTITY_TYPES)
    return (f'<header><h1>{escape(title)}</h1><div class="cards">{card_html}</div>'
            f'<p class="hint">Quantities: {split}. Hover or focus a highlighted span for its type, score and, '
            f"for a quantity, the normalised value.</p></header>")


def _skipped_note(skipped: list[BadRecord]) -> str:
    if not skipped:
        return ""
    shown = skipped[:50]
    items = "".join(f"<li>{escape(b.source)}:{b.line if b.line is not None else '-'}: {escape(b.reason)}</li>"
                    for b in shown)
    more = f"<p>… and {len(skipped) - len(shown):,} more.</p>" if len(skipped) > len(shown) else ""
    return (f'<section class="panel warn" id="skipped"><h2>{len(skipped):,} record(s) skipped</h2>'
            f"<ul>{items}</ul>{more}</section>")


def _style(span_type: str) -> SpanStyle:
    return SPAN_STYLES.get(span_type, _OTHER_STYLE)


def _legend(counts: Counter) -> str:
    types = list(SPAN_TYPES) + sorted(t for t in counts if t not in SPAN_TYPES)
    chips = "".join(
        f'<button type="button" class="chip t-{_css_name(t)}" data-css="{_css_name(t)}" aria-pressed="true" '
        f'title="click to hide or show this type">{escape(t)} <small>{escape(_style(t).meaning)} · '
        f'<span class="count">{counts.get(t, 0):,}</span></small></button>'
        for t in types)
    return (f'<section class="panel legend" aria-label="span types"><h2>Span types</h2>{chips}'
            f'<p class="hint">Click a type to switch its highlighting off or on.</p></section>')


def _css_name(span_type: str) -> str:
    """A class-name-safe form of a type (types outside the schema come from untrusted input)."""
    return span_type if span_type in SPAN_STYLES else "other"


def _theme_chart(counts: Counter, sentences: int, css_class: str, compact: bool = False) -> str:
    """Horizontal bars, one per theme: the share of ``sentences`` that carry it. The batch chart lists
    every theme of the schema, sorted by share; a compact (per-document) chart only those present,
    each name above its bar so that it fits a narrow column."""
    labels = [t for t in THEMES if counts.get(t) or not compact]
    labels += sorted(t for t in counts if t not in THEMES)
    labels.sort(key=lambda t: -counts.get(t, 0))  # stable: ties keep schema order
    if not labels:
        return '<p class="hint">No sentence carries a theme.</p>'
    label_w, bar_w, row_h, bar_h = (0, 240, 36, 10) if compact else (250, 300, 22, 14)
    rows = []
    for k, label in enumerate(labels):
        n = counts.get(label, 0)
        share = n / sentences if sentences else 0.0
        gloss = THEME_GLOSSES.get(label)
        name = escape(label) + (f' <tspan class="gloss">{escape(gloss)}</tspan>' if gloss else "")
        y = k * row_h
        if compact:
            text_x, text_y, anchor, bar_y = 0, y + 13, "start", y + 19
        else:
            text_x, text_y, anchor, bar_y = label_w - 8, y + 15, "end", y + 4
        width = max(share * bar_w, 1.5 if n else 0)
        rows.append(
            f'<g class="row"><text x="{text_x}" y="{text_y}" text-anchor="{anchor}">{name}</text>'
            f'<rect class="track" x="{label_w}" y="{bar_y}" width="{bar_w}" height="{bar_h}"/>'
            f'<rect class="bar" data-theme="{escape(label)}" data-count="{n}" x="{label_w}" y="{bar_y}" '
            f'width="{width:.1f}" height="{bar_h}"><title>{escape(label)}: {n} of {sentences} sentences</title></rect>'
            f'<text class="value" x="{label_w + bar_w + 6}" y="{bar_y + bar_h - 2}">{share:.0%} ({n:,})</text></g>')
    width, height = label_w + bar_w + 80, len(labels) * row_h
    return (f'<svg class="{css_class}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="share of sentences per theme">{"".join(rows)}</svg>')


def _format_number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.10g}" if abs(value) >= 1000 else f"{value:.10g}"


def _format_value(value, comparator: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        sep = "–" if comparator == "range" else ", "
        return sep.join(_format_number(v) for v in value)
    return _format_number(value)


def _sort_value(value) -> float | None:
    """What the value column sorts by: the number, or a range's or list's first number."""
    if isinstance(value, list):
        value = value[0] if value else None
    return value if _is_number(value) else None


def _quantity_row(span: dict, doc_name: str, section: int) -> str:
    """A TARGET/STAT span's row of the table, as a JSON array: the table's columns, then the value's
    sort key and the index of the document's section (-1 when its text is not shown)."""
    q = span.get("quantity") or {}
    return _script_json([str(q.get("region") or ""), str(q.get("period") or ""), span["type"], str(q.get("metric") or ""),
                         _format_value(q.get("value"), q.get("comparator")), str(q.get("unit") or ""),
                         str(q.get("comparator") or ""), str(q.get("change") or ""), span["text"], doc_name,
                         _sort_value(q.get("value")), section])


def _script_json(data) -> str:
    """JSON that is safe inside <script type="application/json">: no '<', '>' or '&' can end it."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _quantity_table(rows: list[str]) -> str:
    headers = "".join(f'<th scope="col" data-col="{k}" data-kind="{"number" if c == "value" else "text"}" '
                      f'aria-sort="none" tabindex="0">{c}</th>' for k, c in enumerate(TABLE_COLUMNS))
    return (f'<section class="panel" id="quantities"><h2>Quantities by region ({len(rows):,})</h2>'
            '<p class="hint">Every TARGET and STAT with its normalised value. Click a header to sort (again to '
            'reverse); value sorts by number (a range by its lower end). Empty cells sort last.</p>'
            '<div class="tools"><input id="qfilter" type="search" placeholder="filter: region, metric, text…" '
            'aria-label="filter quantities"> <span id="qcount" class="hint"></span></div>'
            f'<div class="table-wrap"><table id="qtable"><thead><tr>{headers}</tr></thead><tbody></tbody></table></div>'
            '<button type="button" id="qmore" hidden>show more rows</button>'
            f'<script type="application/json" id="qdata">[{",".join(rows)}]</script></section>')


def _documents(batch: BatchSummary) -> str:
    shown, total = len(batch.sections), batch.documents
    note = ""
    if total > shown:
        note = (f'<p class="note" id="left-out">Full text shown for the first {shown:,} of {total:,} '
                f"documents; {total - shown:,} left out (raise --max-docs to show more). The summary, "
                "charts and quantity table above cover all documents.</p>")
    return f'<section id="documents"><h2>Documents</h2>{note}{"".join(batch.sections)}</section>'


def _document(doc: dict, name: str, index: int) -> str:
    meta = doc.get("meta") or {}
    badges = "".join(f'<span class="badge">{escape(str(k))}: {escape(str(v))}</span>' for k, v in meta.items())
    themes = _theme_counts(doc["sentences"])
    n_sent = len(doc["sentences"])
    n_quant = sum(1 for s in doc["spans"] if s["type"] in QUANTITY_TYPES)
    facts = " · ".join(_plural(n, noun) for n, noun in ((n_sent, "sentence"), (len(doc["spans"]), "span"),
                                                         (n_quant, "quantity")))
    if doc.get("text") is not None:
        marked, inside = _highlighted(doc["text"], doc["spans"])
        body = f'<div class="text">{marked}</div>'
        if inside:
            body += '<p class="hint">Spans that lie inside other spans:</p>' + _span_list(inside)
    else:
        body = ('<p class="note">This document was analysed without <code>--include-text</code>, so only its spans '
                "are listed. Re-run <code>policytagger analyze … --include-text</code> to see them in the text.</p>"
                + _span_list(doc["spans"]))
    chart = _theme_chart(themes, n_sent, css_class="chart doc-chart", compact=True)
    return (f'<article class="doc panel" id="doc-{index}"><h3>{escape(name)}</h3><div class="facts">{badges}'
            f'<span class="hint">{facts}</span></div><div class="doc-body"><div class="doc-main">{body}</div>'
            f'<aside><h4>Themes (share of sentences)</h4>{chart}</aside></div></article>')


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


def _mark(span: dict, shown: str | None = None, overlap: int = 0) -> str:
    """A span as a <mark> carrying what its tooltip shows. ``shown``: the part of its text to show,
    when the first ``overlap`` characters are already inside the span before it."""
    t = span["type"]
    quantity = span.get("quantity")
    q_attr = f' data-q="{escape(json.dumps(quantity, ensure_ascii=False))}"' if quantity is not None else ""
    if overlap:
        q_attr += f' data-overlap="{escape(span["text"])}"'
    return (f'<mark class="sp t-{_css_name(t)}{" clipped" if overlap else ""}" tabindex="0" data-type="{escape(t)}" '
            f'data-score="{span["score"]:.4f}"{q_attr}>{escape(span["text"] if shown is None else shown)}</mark>')


def _highlighted(text: str, spans: list[dict]) -> tuple[str, list[dict]]:
    """The text with each span wrapped in a <mark>, and the spans that could not be placed in it.
    A span that starts inside the one before it (the analyser can emit such pairs) is shown from where
    that one ends, its tooltip giving its whole text; one wholly inside another (or empty) is returned."""
    out, inside, pos = [], [], 0
    for span in sorted(spans, key=lambda s: (s["start"], -s["end"])):
        if span["end"] <= pos or span["start"] == span["end"]:
            inside.append(span)
            continue
        start = max(span["start"], pos)
        out.append(escape(text[pos:start]))
        out.append(_mark(span, text[start:span["end"]], overlap=start - span["start"]))
        pos = span["end"]
    out.append(escape(text[pos:]))
    return "".join(out), inside


def _span_list(spans: list[dict]) -> str:
    if not spans:
        return '<p class="hint">No spans.</p>'
    rows = "".join(f'<tr><td>{_mark(s)}</td><td>{escape(s["type"])}</td><td>{s["start"]}–{s["end"]}</td>'
                   f'<td>{s["score"]:.3f}</td></tr>' for s in spans)
    return (f'<table class="span-list"><thead><tr><th>span</th><th>type</th><th>offsets</th><th>score</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>")


def _type_css() -> str:
    rules = [f".t-{t}{{background:{s.background};border-bottom:{s.border}}}"
             f"body.hide-{t} mark.t-{t}{{background:none;border-bottom-color:transparent;font-weight:inherit}}"
             for t, s in list(SPAN_STYLES.items()) + [("other", _OTHER_STYLE)]]
    return "\n".join(rules)


_PAGE = """<!DOCTYPE html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
{body}
<div id="tip" role="tooltip" hidden></div>
<script>{js}</script>
</body>
</html>
"""

_CSS = """
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--panel:#fff;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;padding:20px 28px 60px;background:var(--bg);color:var(--ink);
 font:15px/1.6 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif}
h1{font-size:24px;margin:0 0 12px}h2{font-size:18px;margin:0 0 8px}h3{font-size:16px;margin:0 0 4px}
h4{font-size:13px;margin:0 0 6px;color:var(--muted);font-weight:600}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:0 0 16px}
.hint{color:var(--muted);font-size:13px;margin:4px 0}
.note{background:#fffbeb;border:1px solid #fde68a;border-radius:6px;padding:8px 12px;font-size:14px}
.warn{border-color:#fca5a5;background:#fef2f2}
.top{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,690px);gap:0 16px;align-items:start}
@media (max-width:1100px){.top{display:block}}
header{margin-bottom:16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:6px 14px;flex:1 1 0;min-width:104px;max-width:180px}
.card .num{font-size:24px;font-weight:700}
.chip{font:inherit;font-size:14px;cursor:pointer;margin:3px 6px 3px 0;padding:2px 10px;border:0;border-radius:4px;color:var(--ink)}
.chip small{color:#374151}
.chip[aria-pressed=false]{opacity:.35;text-decoration:line-through}
mark.sp{color:inherit;border-radius:3px;padding:1px 1px;margin:0 1px;cursor:help;-webkit-box-decoration-break:clone;box-decoration-break:clone}
mark.t-TARGET,mark.t-STAT,.chip.t-TARGET,.chip.t-STAT{font-weight:600}
mark.sp:focus{outline:2px solid #111827;outline-offset:1px}
.chart{max-width:100%;height:auto;font-size:12px;display:block}
.chart text{fill:var(--ink)}.chart .gloss{fill:var(--muted)}
.chart .track{fill:#f1f5f9}.chart .bar{fill:#0f766e}.chart .value{fill:var(--muted)}
.doc-chart .bar{fill:#64748b}
.tools{margin:6px 0}
#qfilter{font:inherit;padding:4px 8px;width:320px;max-width:100%;border:1px solid #cbd5e1;border-radius:6px}
.table-wrap{max-height:560px;overflow:auto;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
#qtable th{position:sticky;top:0;background:#f1f5f9;cursor:pointer;user-select:none;white-space:nowrap}
#qtable th[aria-sort=ascending]::after{content:" ▲"}#qtable th[aria-sort=descending]::after{content:" ▼"}
#qtable td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
#qtable .type{font-weight:600;padding:0 6px;border-radius:3px}
#qmore{margin-top:8px;font:inherit}
.doc .facts{margin-bottom:8px}
.badge{display:inline-block;font-size:12px;background:#eef2ff;color:#3730a3;border-radius:10px;padding:0 8px;margin-right:6px}
.doc-body{display:flex;gap:20px;align-items:flex-start}
.doc-main{flex:1;min-width:0}
.doc aside{flex:0 0 340px;max-width:340px}
.text{white-space:pre-wrap;overflow-wrap:anywhere;line-height:2;font-size:16px}
@media (max-width:900px){.doc-body{display:block}.doc aside{max-width:none}}
#tip{position:absolute;z-index:10;max-width:360px;background:#111827;color:#f9fafb;border-radius:6px;padding:8px 10px;
 font-size:13px;line-height:1.45;box-shadow:0 6px 18px rgba(0,0,0,.25);pointer-events:none}
#tip .tip-type{font-weight:700;margin-bottom:4px}#tip .tip-note{margin-top:4px;color:#fcd34d}
#tip dl{display:grid;grid-template-columns:auto 1fr;gap:1px 10px;margin:0}#tip dt{color:#9ca3af}#tip dd{margin:0}
"""

# Everything the script writes into the page goes through textContent: spans carry untrusted text.
_JS = r"""
(function () {
  'use strict';
  var tip = document.getElementById('tip');
  var FIELDS = ['metric', 'value', 'unit', 'comparator', 'change', 'period', 'region'];

  function show(value) { return value === null || value === undefined || value === '' ? '—' :
    Array.isArray(value) ? value.join(', ') : String(value); }
  function add(parent, tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined) el.textContent = text;
    parent.appendChild(el);
    return el;
  }
  function showTip(mark) {
    tip.textContent = '';
    add(tip, 'div', 'tip-type', mark.dataset.type + ' · score ' + mark.dataset.score);
    if (mark.dataset.q) {
      var q = JSON.parse(mark.dataset.q), dl = add(tip, 'dl');
      var keys = FIELDS.concat(Object.keys(q).filter(function (k) { return FIELDS.indexOf(k) < 0; }));
      keys.forEach(function (k) { add(dl, 'dt', 'k-' + k, k); add(dl, 'dd', 'v-' + k, show(q[k])); });
    }
    if (mark.dataset.overlap) {
      add(tip, 'div', 'tip-note', 'overlaps the span before it; whole span: ' + mark.dataset.overlap);
    }
    tip.hidden = false;
    var r = mark.getBoundingClientRect(), w = tip.offsetWidth, h = tip.offsetHeight;
    var left = Math.max(4, Math.min(r.left, document.documentElement.clientWidth - w - 4));
    var top = r.bottom + 6 + h > window.innerHeight && r.top > h + 6 ? r.top - h - 6 : r.bottom + 6;
    tip.style.left = (left + window.scrollX) + 'px';
    tip.style.top = (top + window.scrollY) + 'px';
  }
  function hideTip() { tip.hidden = true; }
  function markOf(node) { return node && node.closest ? node.closest('mark.sp') : null; }
  document.addEventListener('mouseover', function (e) { var m = markOf(e.target); if (m) showTip(m); });
  document.addEventListener('mouseout', function (e) {
    if (markOf(e.target) && markOf(e.relatedTarget) !== markOf(e.target)) hideTip(); });
  document.addEventListener('focusin', function (e) { var m = markOf(e.target); if (m) showTip(m); });
  document.addEventListener('focusout', hideTip);

  document.querySelectorAll('.legend .chip').forEach(function (chip) {
    chip.addEventListener('click', function () {
      var on = chip.getAttribute('aria-pressed') !== 'true';
      chip.setAttribute('aria-pressed', String(on));
      document.body.classList.toggle('hide-' + chip.dataset.css, !on);
    });
  });

  // The quantity table: rows come from the JSON block; at most PAGE more are drawn at a time so
  // that a batch with hundreds of thousands of quantities stays responsive.
  var PAGE = 500, VALUE_KEY = 10, DOC_INDEX = 11;
  var data = JSON.parse(document.getElementById('qdata').textContent);
  data.forEach(function (row, i) { row.push(i); });
  var ORDER = row => row[12];
  var tbody = document.querySelector('#qtable tbody'), more = document.getElementById('qmore');
  var filter = document.getElementById('qfilter'), count = document.getElementById('qcount');
  var view = data.slice(), drawn = 0, sortCol = 0, sortDir = 1;
  // one collator for all comparisons: Chinese by pinyin, digit runs by number (2024 < 2021-2025 < 2025)
  var collator = new Intl.Collator('zh-Hans-CN', {numeric: true});

  function cmp(a, b) {
    var kind = sortCol === 4 ? 'number' : 'text';
    var x = kind === 'number' ? a[VALUE_KEY] : a[sortCol], y = kind === 'number' ? b[VALUE_KEY] : b[sortCol];
    var xEmpty = x === null || x === '', yEmpty = y === null || y === '';
    if (xEmpty || yEmpty) return xEmpty === yEmpty ? ORDER(a) - ORDER(b) : (xEmpty ? 1 : -1);
    var c = kind === 'number' ? x - y : collator.compare(x, y);
    return c ? c * sortDir : ORDER(a) - ORDER(b);
  }
  function drawMore() {
    var end = Math.min(view.length, drawn + PAGE), frag = document.createDocumentFragment();
    for (; drawn < end; drawn++) {
      var row = view[drawn], tr = add(frag, 'tr');
      for (var c = 0; c < 10; c++) {
        var td = add(tr, 'td', c === 4 ? 'num' : '');
        if (c === 2) add(td, 'span', 'type t-' + row[c], row[c]);
        else if (c === 9 && row[DOC_INDEX] >= 0) add(td, 'a', '', row[c]).href = '#doc-' + row[DOC_INDEX];
        else td.textContent = row[c];
      }
    }
    tbody.appendChild(frag);
    more.hidden = drawn >= view.length;
    count.textContent = view.length + ' of ' + data.length + ' quantities' +
      (drawn < view.length ? ' (' + drawn + ' shown)' : '');
  }
  function redraw() {
    var words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    view = data.filter(function (row) {
      var hay = row.slice(0, 10).join(' ').toLowerCase();
      return words.every(function (w) { return hay.indexOf(w) >= 0; });
    });
    view.sort(cmp);
    tbody.textContent = '';
    drawn = 0;
    drawMore();
  }
  document.querySelectorAll('#qtable th').forEach(function (th) {
    function sortHere() {
      var col = Number(th.dataset.col);
      sortDir = col === sortCol ? -sortDir : 1;
      sortCol = col;
      document.querySelectorAll('#qtable th').forEach(function (o) { o.setAttribute('aria-sort', 'none'); });
      th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      redraw();
    }
    th.addEventListener('click', sortHere);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortHere(); } });
  });
  var typing = null;  // filter once typing pauses: a keystroke must not re-filter a huge table each time
  filter.addEventListener('input', function () { clearTimeout(typing); typing = setTimeout(redraw, 150); });
  more.addEventListener('click', drawMore);
  document.querySelector('#qtable th[data-col="0"]').setAttribute('aria-sort', 'ascending');
  redraw();
})();
"""
