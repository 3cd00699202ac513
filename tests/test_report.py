"""policytagger report: the HTML page (unit tests on render_report and the reader) and the page in a
real headless Chromium (highlights, tooltip, sorting, charts, no console errors, no network)."""
from __future__ import annotations

import json
import os
import re
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from model.labels import THEMES
from policytagger.cli import app
from policytagger.io import BadRecord
from policytagger.report import THEME_GLOSSES, read_analysis, render_report

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def span(text: str, part: str, type_: str, score: float = 0.9, quantity: dict | None = None, after: int = 0) -> dict:
    start = text.index(part, after)
    row = {"start": start, "end": start + len(part), "type": type_, "text": part, "score": score}
    if quantity is not None:
        row["quantity"] = quantity
    return row


def quantity(metric, value, unit, comparator="exact", change="level", period=None, region=None) -> dict:
    return {"metric": metric, "value": value, "unit": unit, "comparator": comparator, "change": change,
            "period": period, "region": region}


def sentences(text: str, *themes: list[str]) -> list[dict]:
    """Sentences split after each 。, with the given theme labels in order."""
    out, start = [], 0
    for k, end in enumerate(m.end() for m in re.finditer("。", text)):
        out.append({"start": start, "end": end, "themes": [{"label": t, "score": 0.8} for t in themes[k]]})
        start = end
    return out


T1 = "甲市今年地区生产总值增长5.5%左右。全年新开工项目120个，引进外资15亿美元。"
T2 = "去年乙省研发投入强度达到2.9%。新增就业20万人。"
T3 = "注意<script>window.__pwned = 1</script>不是代码。目标3%~5%。"


def sample_records() -> list[dict]:
    """Three documents with text (one of them hostile) and one analysed without --include-text."""
    return [
        {"id": "d1", "meta": {"region": "甲市", "year": 2025}, "text": T1, "sentences": sentences(T1, ["economy"], ["projects_investment", "opening_up"]),
         "spans": [span(T1, "甲市", "REGION"),
                   span(T1, "地区生产总值增长5.5%左右", "TARGET", 0.98,
                        quantity("地区生产总值", 5.5, "%", "about", "growth_rate", "2025", "甲市")),
                   span(T1, "新开工项目120个", "TARGET", 0.97, quantity("新开工项目", 120, "个", change="increase", period="2025", region="甲市")),
                   span(T1, "引进外资15亿美元", "TARGET", 0.71, quantity("引进外资", 1500000000, "美元", period="2025", region="甲市"))]},
        {"id": "d2", "text": T2, "sentences": sentences(T2, ["innovation"], ["livelihood"]),
         "spans": [span(T2, "乙省", "REGION"),
                   span(T2, "研发投入强度达到2.9%", "STAT", 0.95, quantity("研发投入强度", 2.9, "%", period="2024", region="乙省")),
                   span(T2, "新增就业20万人", "STAT", 0.99, quantity("新增就业", 200000, "人", change="increase", region="乙省"))]},
        {"id": "<img src=x onerror=alert(1)>", "meta": {"note": "\"><b>bold</b>"}, "text": T3,
         "sentences": sentences(T3, [], ["economy"]),
         "spans": [span(T3, "<script>", "POLICY"),
                   span(T3, "3%~5%", "TARGET", 0.9, quantity("<i>m</i>", [3, 5], "%", "range"))]},
        {"id": "no-text", "sentences": [{"start": 0, "end": 10, "themes": [{"label": "economy", "score": 0.9}]}],
         "spans": [{"start": 2, "end": 9, "type": "STAT", "text": "增长9%", "score": 0.9,
                    "quantity": quantity("增长", 9, "%", change="growth_rate")},
                   {"start": 0, "end": 2, "type": "ORG", "text": "省委", "score": 0.8}]},
    ]


def quantity_data(html: str) -> list[list]:
    return json.loads(re.search(r'<script type="application/json" id="qdata">(.*?)</script>', html, re.S).group(1))


def stat(html: str, name: str) -> int:
    return int(re.search(rf'data-stat="{name}"><div class="num">([\d,]+)<', html).group(1).replace(",", ""))


# ---------------------------------------------------------------- render_report

def test_untrusted_text_is_escaped_everywhere():
    html = render_report(sample_records(), title="<script>alert('title')</script>")
    # the page's own two scripts (the JSON block and the code), nothing from the documents or title
    assert len(re.findall(r"<script\b", html)) == 2
    assert "window.__pwned" in html and "<script>window.__pwned" not in html
    assert re.search(r'data-type="POLICY"[^>]*>&lt;script&gt;</mark>window.__pwned = 1&lt;/script&gt;', html)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>bold</b>" not in html and "<i>m</i>" not in html
    assert "<title>&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;</title>" in html
    # the table's JSON cannot end its <script> block, and still decodes to the original text
    rows = quantity_data(html)
    assert "</script>" not in re.search(r'id="qdata">(.*?)</script>', html, re.S).group(1)
    [ranged] = [r for r in rows if r[6] == "range"]
    assert ranged[3:5] == ["<i>m</i>", "3–5"]


def test_summary_counts_marks_and_quantity_rows():
    records = sample_records()
    html = render_report(records)
    assert stat(html, "documents") == 4
    assert stat(html, "sentences") == 2 + 2 + 2 + 1
    assert stat(html, "spans") == sum(len(r["spans"]) for r in records) == 11
    assert stat(html, "quantities") == 7
    assert html.count('<mark class="sp ') == 11  # every span highlighted once, text or not
    rows = quantity_data(html)
    assert len(rows) == 7
    by_text = {r[8]: r for r in rows}
    assert by_text["引进外资15亿美元"][:10] == ["甲市", "2025", "TARGET", "引进外资", "1,500,000,000", "美元", "exact",
                                               "level", "引进外资15亿美元", "d1"]
    assert by_text["引进外资15亿美元"][10] == 1500000000  # numeric sort key
    assert by_text["3%~5%"][10] == 3  # a range sorts by its lower end
    assert "TARGET 4 · STAT 3" in html


def test_tooltip_data_carries_the_normalised_quantity():
    html = render_report(sample_records())
    mark = re.search(r'<mark class="sp t-TARGET"[^>]*>新开工项目120个</mark>', html).group(0)
    data = json.loads(unescape(re.search(r'data-q="([^"]*)"', mark).group(1)))
    assert data == quantity("新开工项目", 120, "个", change="increase", period="2025", region="甲市")
    assert 'data-type="TARGET"' in mark and 'data-score="0.9700"' in mark


def test_document_without_text_lists_its_spans_with_a_note():
    html = render_report([sample_records()[3]])
    assert "--include-text" in html and 'class="span-list"' in html
    assert re.search(r'<mark class="sp t-STAT"[^>]*>增长9%</mark>', html)
    assert re.search(r'<mark class="sp t-ORG"[^>]*>省委</mark>', html)


def test_theme_charts_give_the_share_of_sentences():
    html = render_report(sample_records()[:1])
    batch = re.search(r'<svg class="chart batch-chart".*?</svg>', html, re.S).group(0)
    bars = dict(re.findall(r'data-theme="(\w+)" data-count="(\d+)"', batch))
    assert list(bars)[:3] == ["economy", "projects_investment", "opening_up"]  # by share, ties in schema order
    assert set(bars) == set(THEMES) and bars["economy"] == "1" and bars["talent"] == "0"
    assert "50% (1)" in batch and "经济运行" in batch
    doc_chart = re.search(r'<svg class="chart doc-chart".*?</svg>', html, re.S).group(0)
    assert re.findall(r'data-theme="(\w+)"', doc_chart) == ["economy", "projects_investment", "opening_up"]


def test_empty_input_gives_a_valid_page_with_zero_counts():
    html = render_report([])
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert stat(html, "documents") == stat(html, "spans") == stat(html, "quantities") == 0
    assert quantity_data(html) == []
    assert html.count('class="bar"') == len(THEMES)


def test_max_docs_limits_the_texts_but_not_the_tables():
    html = render_report(sample_records(), max_docs=1)
    assert html.count('<article class="doc') == 1
    assert "first 1 of 4 documents; 3 left out" in html
    rows = quantity_data(html)
    assert len(rows) == 7 and stat(html, "spans") == 11
    assert {r[9]: r[11] for r in rows} == {"d1": 0, "d2": -1, "<img src=x onerror=alert(1)>": -1, "no-text": -1}


def test_records_that_break_the_schema_are_listed_not_rendered():
    bad = {"id": "x", "text": "短文本", "sentences": [], "spans": [{"start": 0, "end": 9, "type": "ORG", "text": "短", "score": 1}]}
    html = render_report([sample_records()[1], bad])
    assert stat(html, "documents") == 1
    assert "1 record(s) skipped" in html and "record &#x27;x&#x27;: span 0: offsets 0-9 are out of range (text length 3)" in html


def test_reader_goes_on_past_bad_lines_and_names_them(tmp_path):
    good = sample_records()
    overlapping = dict(good[1], id="overlap", spans=[good[1]["spans"][1], good[1]["spans"][1]])
    wrong_text = dict(good[1], id="wrong", spans=[dict(good[1]["spans"][0], text="丙省")])
    nan = dict(good[1], id="nan", spans=[dict(good[1]["spans"][1], quantity={"value": float("nan")})])
    lines = [json.dumps(good[0], ensure_ascii=False), "not json", "[1, 2]", json.dumps({"id": "s", "spans": []}),
             json.dumps(overlapping, ensure_ascii=False), json.dumps(wrong_text, ensure_ascii=False), "",
             json.dumps(good[3], ensure_ascii=False), json.dumps(nan, ensure_ascii=False)]
    path = tmp_path / "analysis.jsonl"
    path.write_bytes("\n".join(lines).encode() + b"\n\xff{\n")
    items = list(read_analysis(path))
    assert [i["id"] for i in items if not isinstance(i, BadRecord)] == ["d1", "overlap", "no-text"]
    bad = [(b.line, b.reason) for b in items if isinstance(b, BadRecord)]
    assert [line for line, _ in bad] == [2, 3, 4, 6, 9, 10]
    assert [b.id for b in items if isinstance(b, BadRecord)] == [None, None, "s", "wrong", "nan", None]
    reasons = dict(bad)
    assert reasons[2].startswith("invalid JSON")
    assert reasons[3] == "record: expected a JSON object with 'sentences' and 'spans'"
    assert reasons[4] == "record 's': missing or non-list 'sentences' field"
    assert "span 0: its text does not match the document text at 2-4" in reasons[6]
    assert reasons[9] == "record 'nan': span 0: 'quantity' holds NaN or Infinity"
    assert reasons[10].startswith("not valid UTF-8")


def test_overlapping_spans_are_all_shown():
    """The analyser can emit a span that starts inside the one before it: both stay visible."""
    text = "建设杭甬高速复线三期工程。"
    record = {"id": "o", "text": text, "sentences": sentences(text, []),
              "spans": [span(text, "杭甬高速复线", "PROJECT"), span(text, "复线三期工程", "PROJECT"),
                        span(text, "高速", "ORG")]}
    html = render_report([record])
    assert html.count('<mark class="sp ') == 3
    assert re.search(r'<mark class="sp t-PROJECT clipped"[^>]*data-overlap="复线三期工程"[^>]*>三期工程</mark>', html)
    assert "Spans that lie inside other spans" in html and re.search(r'<mark class="sp t-ORG"[^>]*>高速</mark>', html)
    text_div = re.search(r'<div class="text">(.*?)</div>', html).group(1)
    assert unescape(re.sub(r"<[^>]+>", "", text_div)) == text  # the text itself is intact


def test_theme_glosses_are_those_of_the_annotation_guide():
    guide = ROOT.parent / "shared" / "ANNOTATION.md"
    if not guide.exists():
        pytest.skip(f"needs {guide} to compare the glosses with (not available on this machine)")
    table = dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", guide.read_text(encoding="utf-8"), re.M))
    assert {label: table[label] for label in THEMES} == THEME_GLOSSES


def test_cli_report_writes_the_page_and_reports_bad_lines(tmp_path):
    src, out = tmp_path / "analysis.jsonl", tmp_path / "report.html"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in sample_records()) + "\n{oops\n",
                   encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(src), "-o", str(out), "--title", "批次", "--max-docs", "2"])
    assert result.exit_code == 1, result.output  # like analyze: bad records make the exit non-zero
    assert f"{src}:5" in result.output and "invalid JSON" in result.output
    html = out.read_text(encoding="utf-8")
    assert "<title>批次</title>" in html and stat(html, "documents") == 4
    assert html.count('<article class="doc') == 2 and "1 record(s) skipped" in html

    piped = CliRunner().invoke(app, ["report", "-", "-o", str(out), "-q"],
                               input=json.dumps(sample_records()[0], ensure_ascii=False) + "\n")
    assert piped.exit_code == 0, piped.output
    assert stat(out.read_text(encoding="utf-8"), "quantities") == 3

    missing = CliRunner().invoke(app, ["report", str(tmp_path / "nope.jsonl"), "-o", str(out)])
    assert missing.exit_code == 2 and "does not exist" in missing.output


# ---------------------------------------------------------------- in a real browser

@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium, or set $CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the browser tests need Playwright for Python (pip install playwright)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class OpenPage:
    """A report opened from a file, recording console errors, page errors and every request."""

    def __init__(self, browser, path: Path):
        self.errors, self.requests = [], []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.errors.append(f"dialog: {d.message}"), d.dismiss()))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)

    def network(self) -> list[str]:
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]


def column(page, name: str) -> list[str]:
    k = ["region", "period", "type", "metric", "value", "unit", "comparator", "change", "text", "document"].index(name)
    return page.locator(f"#qtable tbody tr td:nth-child({k + 1})").all_inner_texts()


def test_report_in_the_browser(browser, tmp_path):
    from playwright.sync_api import expect  # here: Playwright may be missing (the fixture then skips)

    records = sample_records()
    path = tmp_path / "report.html"
    path.write_text(render_report(records), encoding="utf-8")
    opened = OpenPage(browser, path)
    page = opened.page

    # every span is highlighted once; the hostile document's <script> is text and never ran
    assert page.locator("mark.sp").count() == sum(len(r["spans"]) for r in records)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#doc-2 .text").inner_text().startswith("注意<script>window.__pwned = 1</script>")

    # hovering a quantity shows the tooltip with its type and normalised value, leaving hides it
    tip = page.locator("#tip")
    assert not tip.is_visible()
    page.locator("mark.sp", has_text="引进外资15亿美元").hover()
    assert tip.is_visible()
    assert tip.locator(".tip-type").inner_text() == "TARGET · score 0.7100"
    fields = dict(zip(tip.locator("dt").all_inner_texts(), tip.locator("dd").all_inner_texts()))
    assert fields == {"metric": "引进外资", "value": "1500000000", "unit": "美元", "comparator": "exact",
                      "change": "level", "period": "2025", "region": "甲市"}
    box, mark_box = tip.bounding_box(), page.locator("mark.sp", has_text="引进外资15亿美元").bounding_box()
    assert box["width"] > 100 and box["height"] > 100 and 0 <= box["x"] and box["x"] + box["width"] <= 1280
    # beside the span, not over it: wholly below or wholly above
    assert box["y"] >= mark_box["y"] + mark_box["height"] or box["y"] + box["height"] <= mark_box["y"]
    page.mouse.move(5, 5)
    assert not tip.is_visible()
    page.locator("mark.sp", has_text="乙省").focus()  # keyboard users get it too
    assert tip.is_visible() and tip.inner_text().strip() == "REGION · score 0.9000"

    # the table: all quantities, sorted by region first; the value header sorts by number
    assert page.locator("#qtable tbody tr").count() == 7
    assert column(page, "region")[:5] == ["甲市"] * 3 + ["乙省"] * 2  # pinyin order: jia < yi; empty last
    value_header = page.locator('#qtable th[data-col="4"]')
    value_header.click()
    assert value_header.get_attribute("aria-sort") == "ascending"
    assert column(page, "value") == ["2.9", "3–5", "5.5", "9", "120", "200,000", "1,500,000,000"]
    value_header.click()
    assert value_header.get_attribute("aria-sort") == "descending"
    assert column(page, "value") == ["1,500,000,000", "200,000", "120", "9", "5.5", "3–5", "2.9"]
    page.locator("#qfilter").fill("乙省")
    expect(page.locator("#qcount")).to_have_text("2 of 7 quantities")  # the filter waits for typing to pause
    assert column(page, "text") == ["新增就业20万人", "研发投入强度达到2.9%"]
    page.locator("#qfilter").fill("")
    expect(page.locator("#qcount")).to_have_text("7 of 7 quantities")

    # the charts' bars: every theme across the batch, the themes present per document
    bars = page.locator("svg.batch-chart rect.bar")
    assert bars.count() == len(THEMES)
    assert page.locator('svg.batch-chart rect.bar[data-theme="economy"]').bounding_box()["width"] > \
        page.locator('svg.batch-chart rect.bar[data-theme="innovation"]').bounding_box()["width"] > 0
    assert page.locator("#doc-0 svg.doc-chart rect.bar").count() == 3

    # the legend switches a type's highlighting off
    target = page.locator("#doc-0 mark.t-TARGET").first
    on = target.evaluate("m => getComputedStyle(m).backgroundColor")
    page.locator('.legend .chip[data-css="TARGET"]').click()
    off = target.evaluate("m => getComputedStyle(m).backgroundColor")
    assert off == "rgba(0, 0, 0, 0)" and on != off

    # the no-text document shows its note, and Chinese text is laid out (not collapsed to nothing)
    assert "--include-text" in page.locator("#doc-3").inner_text()
    assert page.locator("#doc-0 .text").bounding_box()["height"] > 10

    assert opened.errors == []
    assert opened.network() == []
    page.close()


def test_analyze_then_report_on_the_examples(browser, tmp_path):
    """End to end with the shipped model: what analyze writes, report shows, span for span."""
    analysis, html = tmp_path / "analysis.jsonl", tmp_path / "report.html"
    runner = CliRunner()
    result = runner.invoke(app, ["analyze", str(ROOT / "examples" / "documents.jsonl"),
                                 str(ROOT / "examples" / "report-excerpt.txt"), "--include-text", "-q", "-o", str(analysis)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(analysis), "-o", str(html)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in analysis.read_text(encoding="utf-8").splitlines()]
    opened = OpenPage(browser, html)
    page = opened.page
    assert page.locator("#documents mark.sp").count() == sum(len(r["spans"]) for r in records) > 0
    quantities = [s for r in records for s in r["spans"] if s["type"] in ("TARGET", "STAT")]
    assert page.locator("#qtable tbody tr").count() == len(quantities) > 0
    first = next(s for r in records for s in r["spans"] if s["type"] == "TARGET")
    page.locator("#documents mark.t-TARGET").first.hover()
    assert page.locator("#tip").is_visible()
    assert page.locator("#tip .tip-type").inner_text().startswith("TARGET")
    assert page.locator("#tip dd.v-metric").inner_text() == first["quantity"]["metric"]
    assert float(page.locator("#tip dd.v-value").inner_text()) == first["quantity"]["value"]
    assert opened.errors == [] and opened.network() == []
    page.close()
