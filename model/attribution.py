"""Which period and region a quantity belongs to: from its sentence, else from its document.

Periods come out normalised so a spreadsheet can sort and pivot on them:
"2024", "2024-Q1", "2024-H1", "2024-Q1-Q3", "2024-M01-M10", "2021-2025".
Regions come out as short names (内蒙古自治区 → 内蒙古), "全国" for the whole country.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import cn2an

from .labels import QUANTITY_TYPES

_CN = "〇零一二两三四五六七八九十"
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
_YEAR = rf"(?:19|20)\d\d|[{_CN}]{{4}}"
_QUARTER = rf"(?:第)?([一二三四1-4])季度"
_MONTHS = rf"(\d{{1,2}})\s*[-—–~～至到]\s*(\d{{1,2}})月(?!\d*[日号])|前([{_CN}\d]{{1,3}})个月|(\d{{1,2}})月份"
_PART = rf"{_QUARTER}|上半年|下半年|前三季度|{_MONTHS}"
_FIVE_YEAR_PLANS = {"十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030)}
_PHRASE = re.compile(
    rf"(?P<span>(?P<y1>{_YEAR})\s*[-—–~～至到]\s*(?P<y2>{_YEAR})年)"
    rf"|(?P<plan>十三五|十四五|十五五)[”\"’]?(?P<plan_end>末|期末)?"
    rf"|(?P<past>过去|近|最近)(?P<n>[一二三四五六七八九十\d]{{1,2}})年"
    rf"|(?:(?P<year>{_YEAR})年|(?P<rel>今年|本年|去年|上年|上一年|明年))?\s*(?:全年)?\s*(?P<part>{_PART})?"
)
_RELATIVE = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "上一年": -1, "明年": 1}
_REGION_SUFFIX = re.compile(r"(维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|市)$")
_NATIONAL = re.compile(r"全国|我国|全中国")


META_FIELDS = ("region", "year", "genre")


def check_meta(meta: dict | None) -> dict:
    """The document metadata the analyser uses ({"region": str, "year": int, "genre": str}, all optional),
    validated; other keys are dropped. Raises ValueError naming the bad field."""
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise ValueError(f"document metadata must be an object like {{'region': '浙江', 'year': 2025}}, got {type(meta).__name__}")
    out = {}
    for key in META_FIELDS:
        value = meta.get(key)
        if value is None:
            continue
        if key == "year":
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
                raise ValueError(f"'year' must be a year such as 2025, got {value!r}")
        elif not isinstance(value, str):
            raise ValueError(f"'{key}' must be a string, got {type(value).__name__}")
        out[key] = value
    return out


def short_region(name: str | None) -> str | None:
    """内蒙古自治区 → 内蒙古, 上海市 → 上海; 中国/全国/我国 → 全国."""
    if not name:
        return None
    name = name.strip()
    if name in ("中国", "我国", "全国", "中华人民共和国"):
        return "全国"
    short = _REGION_SUFFIX.sub("", name)
    return short if len(short) >= 2 else name


def _year(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    digits = [_CN_DIGITS.get(c) for c in text]
    return int("".join(map(str, digits))) if None not in digits else None


def _number(text: str) -> int | None:
    try:
        return int(text) if text.isdigit() else int(cn2an.cn2an(text, "smart"))
    except ValueError:
        return None


@dataclass
class Period:
    """A period phrase found in text: a year (or a year offset relative to the document) and a part."""
    year: int | None = None
    relative: int | None = None
    part: str | None = None     # "-Q1", "-H1", "-Q1-Q3", "-M01-M10" …
    full: str | None = None     # a multi-year period, already complete: "2021-2025"

    def resolve(self, fallback_year: int | None, doc_year: int | None) -> str | None:
        if self.full:
            return self.full
        year = self.year
        if year is None and self.relative is not None:
            year = doc_year + self.relative if doc_year else None
        if year is None:
            year = fallback_year
        if year is None:
            return None
        return f"{year}{self.part or ''}"


def _part(match: re.Match) -> str | None:
    part = match["part"]
    if not part:
        return None
    if part == "上半年":
        return "-H1"
    if part == "下半年":
        return "-H2"
    if part == "前三季度":
        return "-Q1-Q3"
    if "季度" in part:
        q = re.search(r"[一二三四1-4]", part).group()
        return f"-Q{'一二三四'.index(q) + 1 if not q.isdigit() else q}"
    months = re.fullmatch(_MONTHS, part)
    if months:
        a, b, first_n, single = months.groups()
        if a and b:
            return f"-M{int(a):02d}-M{int(b):02d}"
        if first_n:
            n = _number(first_n)
            return f"-M01-M{n:02d}" if n and 1 <= n <= 12 else None
        if single and 1 <= int(single) <= 12:
            return f"-M{int(single):02d}"
    return None


def find_periods(text: str, doc_year: int | None = None) -> list[Period]:
    """Every period phrase in ``text``, in order (relative years need ``doc_year`` for 过去五年)."""
    found = []
    for match in _PHRASE.finditer(text):
        if not match.group().strip():
            continue
        if match["span"]:
            y1, y2 = _year(match["y1"]), _year(match["y2"])
            if y1 and y2:
                found.append(Period(full=f"{y1}-{y2}"))
        elif match["plan"]:
            first, last = _FIVE_YEAR_PLANS[match["plan"]]
            found.append(Period(year=last) if match["plan_end"] else Period(full=f"{first}-{last}"))
        elif match["past"]:
            n = _number(match["n"])
            if n and doc_year:
                found.append(Period(year=doc_year - 1) if n == 1 else Period(full=f"{doc_year - n}-{doc_year - 1}"))
        else:
            year = _year(match["year"]) if match["year"] else None
            relative = _RELATIVE.get(match["rel"]) if match["rel"] else None
            part = _part(match)
            if year or relative is not None or part:
                found.append(Period(year=year, relative=relative, part=part))
    return found


@dataclass
class DocumentContext:
    """What a document says about all its quantities: its region, its year, whether it is a work report."""
    region: str | None = None
    year: int | None = None
    work_report: bool = False

    @classmethod
    def of(cls, doc) -> "DocumentContext":
        """From the document's metadata (region, year, genre) where given, else from its first line."""
        meta = doc.meta or {}
        head = doc.text[:200].split("\n", 1)[0]
        region = meta.get("region")
        if region is None and doc.sentences:
            first = doc.sentences[0]
            regions = [s for s in doc.spans if s.type == "REGION" and s.end <= first.end]
            region = regions[0].text if regions else None
        year = meta.get("year")
        if year is None:
            years = re.findall(r"((?:19|20)\d\d)年", head)
            year = int(years[0]) if years else None
        genre = meta.get("genre")
        work_report = genre == "government_work_report" if genre else "政府工作报告" in head
        return cls(short_region(region), int(year) if year else None, work_report)

    def default_year(self, quantity_type: str) -> int | None:
        """A work report of year Y reviews Y-1 (STAT) and plans Y (TARGET); other texts speak of their own year."""
        if self.year is None:
            return None
        return self.year - 1 if self.work_report and quantity_type == "STAT" else self.year


def attribute(doc, context: DocumentContext | None = None) -> None:
    """Set ``period`` and ``region`` of every parsed quantity of ``doc``.

    Period: the last period phrase of the sentence up to the end of the quantity; a part of a year
    without its year (前三季度) takes the year from earlier in the sentence or from the document.
    Region: see ``_region``.
    """
    context = context or DocumentContext.of(doc)
    for sentence, spans in zip(doc.sentences, doc.spans_by_sentence()):
        regions = [s for s in spans if s.type == "REGION"]
        for span in spans:
            if span.type not in QUANTITY_TYPES or span.quantity is None:
                continue
            fallback = context.default_year(span.type)
            periods = find_periods(doc.text[sentence.start:span.end], context.year)
            period = None
            if periods:
                last = periods[-1]
                if last.year is None and last.relative is None and last.full is None:
                    framed = [p for p in periods[:-1] if p.year or p.relative is not None]
                    if framed:
                        last.year = framed[-1].year
                        last.relative = framed[-1].relative
                period = last.resolve(fallback, context.year)
            span.quantity.period = period or (str(fallback) if fallback else None)
            span.quantity.region = _region(doc.text, sentence.start, span, regions, context.region)


_CLAUSE_BREAK = re.compile(r"[，；：。！？;:,]")


def _region(text: str, sentence_start: int, span, regions: list, doc_region: str | None) -> str | None:
    """The region a quantity belongs to.

    In a document about a known region, a place named earlier in the same clause is the subject
    (宁波市地区生产总值增长…); places in other clauses are mostly where something happened (在深圳、
    香港举办推介会，签约项目…), so the quantity stays with the document's region. A document with no
    region of its own takes the nearest place before the quantity in the sentence, or 全国 when the
    sentence speaks of the whole country.
    """
    before = text[sentence_start:span.start]
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(before)]
    clause_start = sentence_start + (breaks[-1] if breaks else 0)
    earlier = [r for r in regions if r.end <= span.start]
    in_clause = [r for r in earlier if r.start >= clause_start]
    if in_clause:
        return short_region(in_clause[-1].text)
    if doc_region:
        return doc_region
    if earlier:
        return short_region(earlier[-1].text)
    return "全国" if _NATIONAL.search(before) else None
