"""Period and region of a quantity: from its sentence, else from its document."""
import pytest

from model.attribution import DocumentContext, check_meta, find_periods, short_region
from model.quantities import attach_quantities
from model.schema import Document, Sentence, Span

PERIODS = [
    # (phrase, document year, normalised period of the last phrase)
    ("2024年地区生产总值增长5%", 2025, "2024"),
    ("二〇二四年上半年", 2025, "2024-H1"),
    ("2024年一季度", 2025, "2024-Q1"),
    ("第三季度", 2025, "2025-Q3"),
    ("今年前三季度", 2023, "2023-Q1-Q3"),
    ("去年", 2025, "2024"),
    ("上年", 2025, "2024"),
    ("明年", 2025, "2026"),
    ("2023年1—10月", 2025, "2023-M01-M10"),
    ("1-10月份", 2025, "2025-M01-M10"),
    ("前两个月", 2024, "2024-M01-M02"),
    ("前10个月", 2024, "2024-M01-M10"),
    ("过去五年", 2023, "2018-2022"),
    ("过去一年", 2025, "2024"),
    ("十四五时期", 2022, "2021-2025"),
    ("“十四五”末", 2022, "2025"),
    ("2021—2025年", 2022, "2021-2025"),
    ("到2027年", 2025, "2027"),
    ("2035年前", 2025, "2035"),
]


@pytest.mark.parametrize("text,doc_year,expected", PERIODS)
def test_period_phrases_are_normalised(text, doc_year, expected):
    periods = find_periods(text, doc_year)
    assert periods[-1].resolve(doc_year, doc_year) == expected


@pytest.mark.parametrize("text", ["10月1日起施行", "连续12年", "全年", "第一", "10个百分点"])
def test_text_without_a_period(text):
    assert [p.resolve(None, 2025) for p in find_periods(text, 2025)] in ([], [None])


@pytest.mark.parametrize("name,short", [("内蒙古自治区", "内蒙古"), ("广西壮族自治区", "广西"), ("宁波市", "宁波"),
                                        ("四川省", "四川"), ("中国", "全国"), ("浦东新区", "浦东新区"), ("长三角", "长三角")])
def test_region_short_names(name, short):
    assert short_region(name) == short


def _doc(text, labelled, meta=None):
    """A Document with one sentence per 。 and the given (substring, type) spans."""
    sentences, start = [], 0
    for i, ch in enumerate(text):
        if ch == "。":
            sentences.append(Sentence(start, i + 1))
            start = i + 1
    spans = []
    for piece, label in labelled:
        at = text.index(piece)
        spans.append(Span(at, at + len(piece), label, piece, 0.9))
    return Document(text=text, sentences=sentences, spans=spans, meta=meta or {})


def _attributed(doc):
    attach_quantities(doc)
    return [(s.quantity.period, s.quantity.region) for s in doc.spans if s.quantity]


def test_sentence_period_and_region_win():
    doc = _doc("2025年宁波市地区生产总值增长5.5%左右。一季度新开工项目120个。",
               [("宁波市", "REGION"), ("地区生产总值增长5.5%左右", "TARGET"), ("新开工项目120个", "STAT")],
               meta={"region": "浙江", "year": 2025})
    # the first line names no 政府工作报告 and meta gives no genre: a STAT is about the document's year
    assert _attributed(doc) == [("2025", "宁波"), ("2025-Q1", "浙江")]
    row = doc.to_dict()["spans"]
    assert "quantity" not in row[0] and row[1]["quantity"]["comparator"] == "about"


def test_work_report_reviews_last_year_and_plans_this_year():
    doc = _doc("过去一年，全省地区生产总值增长5.4%。今年主要预期目标是：地区生产总值增长5%左右。",
               [("地区生产总值增长5.4%", "STAT"), ("地区生产总值增长5%左右", "TARGET")],
               meta={"region": "安徽", "year": 2025, "genre": "government_work_report"})
    assert _attributed(doc) == [("2024", "安徽"), ("2025", "安徽")]


def test_work_report_without_metadata_is_recognised_by_its_title():
    doc = _doc("2025年河南省政府工作报告。全省粮食产量1343.9亿斤。", [("河南省", "REGION"), ("粮食产量1343.9亿斤", "STAT")])
    assert _attributed(doc) == [("2024", "河南")]


def test_national_statements_and_unknown_documents():
    doc = _doc("全国规模以上工业增加值增长6.1%。新建5G基站42万个。",
               [("规模以上工业增加值增长6.1%", "STAT"), ("新建5G基站42万个", "STAT")])
    assert _attributed(doc) == [(None, "全国"), (None, None)]


def test_a_part_of_a_year_takes_the_year_named_earlier_in_the_sentence():
    doc = _doc("2023年，全市进出口总额增长8%，其中前三季度增长6%。",
               [("进出口总额增长8%", "STAT"), ("增长6%", "STAT")], meta={"year": 2024})
    assert _attributed(doc) == [("2023", None), ("2023-Q1-Q3", None)]


def test_document_context_from_metadata_or_first_line():
    ctx = DocumentContext.of(_doc("2025年上海市政府工作报告。", [("上海市", "REGION")]))
    assert (ctx.region, ctx.year, ctx.work_report) == ("上海", 2025, True)
    ctx = DocumentContext.of(_doc("新闻。", [], meta={"region": "浙江省", "year": 2023, "genre": "tv_news"}))
    assert (ctx.region, ctx.year, ctx.work_report) == ("浙江", 2023, False)


def test_metadata_is_validated_at_the_boundary():
    assert check_meta({"region": "浙江", "year": "2025", "title": "x"}) == {"region": "浙江", "year": 2025}
    assert check_meta(None) == {}
    with pytest.raises(ValueError, match="'year' must be a year"):
        check_meta({"year": "去年"})
    with pytest.raises(ValueError, match="'region' must be a string"):
        check_meta({"region": 3})
    with pytest.raises(ValueError, match="must be an object"):
        check_meta(["浙江"])
