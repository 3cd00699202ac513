"""Rules that FIND quantity spans (ANNOTATION.md "Quantities"): the metric, the verb of change, the number,
its unit and qualifier as one contiguous span, without the time, place, actor and goal verbs in front.

    地区生产总值增长6%左右 · 新开工项目80个 · 城镇新增就业60万人以上 · 研发投入强度提高到3%以上

A number becomes a candidate when a unit, %, or a bound follows it; dates, years, ranks, durations,
numbers in names (5G, “十四五”, 1号线) and list counts (三大任务, 两个确立) are skipped. The candidate is
kept only when model/quantities.py (the parser the analyser runs on predicted spans) finds its value.
Whether a span is a TARGET or a STAT is decided in sections.py.
"""
from __future__ import annotations

import re

from model.quantities import UNITS, parse_quantity

_CN = "零〇一二两三四五六七八九十百千万亿"
_UNIT = "|".join(map(re.escape, UNITS))
_NUMBER = (rf"(?:\d+(?:[.,]\d+)*|[{_CN}]+(?:点[{_CN}]+)?|百分之[{_CN}点\d.]+|[{_CN}\d]+分之[{_CN}点\d.]+)")
_SCALE = r"(?:万亿|千亿|百亿|亿|千万|百万|十万|万|千)"
_BOUND = r"(?:左右|以上|以内|以下|之内|上下)"
# number, scale, 多/余, range end, unit (a measure word, %, ‰, points) and a bound
QUANTITY_CORE = re.compile(
    rf"(?P<number>{_NUMBER}(?:多|余)?{_SCALE}?(?:多|余)?(?:%|％)?(?:\s*(?:-|—|–|～|~|至|到)\s*{_NUMBER}{_SCALE}?)?)"
    rf"(?P<unit>%|％|‰|个百分点|百分点|(?:{_UNIT}))?(?P<more>多|余)?(?P<bound>{_BOUND})?")
WORD_QUANTITY = re.compile(r"翻(?:了)?[一两二三四]番|翻番|翻倍|两位数(?:增长)?|零增长|“?\d+连增”?|零(?:发生|事故|死亡|伤亡|感染|新增)")

TIME_UNITS = {"年", "个月", "月", "天", "日", "小时", "个小时", "分钟", "秒", "周岁", "岁", "个工作日", "工作日"}
_TIME_CHANGE = re.compile(r"缩短|压缩|延长|减少|提高|降低|提前|节省|节约|寿命|用时|时长|平均|时间")
# counts of this kind structure a list or a slogan when the number is small and written in words
LIST_UNITS = {"个", "项", "条", "批", "类", "种", "件", "次", "位", "名", "家", "所", "场", "张", "门", "部", "篇", "期", "本"}
# sessions and terms (二十届三中全会, 十四届) are ordinals, not amounts
NOT_UNITS = {"届"}
_SMALL_CN = re.compile(r"^[一二两三四五六七八九十]$")

# clause delimiters: a span never crosses them (nor 、, except in a 分别 list)
_CLAUSE = re.compile(r"[，,；;。！？：:]")
# words in front of the metric that are time, place, actor, list markers or goal/carry-out verbs
_LEADING = re.compile(
    r"(?:[（(][一二三四五六七八九十\d]+[）)]|[①②③④⑤⑥⑦⑧⑨⑩]|其中|同时|此外|另外|并且|并|和|及|以及|而|且|使|让|推动|带动"
    r"|促进|[一二三四五六七八九十]是"
    r"|今年|去年|明年|全年|上年|当年|年内|年底前|年底|年末|本年|上半年|下半年|前三季度|一季度|二季度|三季度|四季度|第[一二三四]季度"
    r"|1-\d+月|\d+-\d+月|前\d+个?月|\d{4}年(?:底|末|前|初|以来)?|到\d{4}年(?:底|末)?|至\d{4}年(?:底|末)?|截至\S{0,8}?(?:底|末)|过去一年"
    r"|过去五年|五年来|\d+年来|[一二三四五六七八九十]+年来|近年来|近\d+年|“十[一二三四五六七八九]五”(?:期间|时期|末)?|期间|目前|当前|现在|今后"
    r"|全省|全市|全区|全县|全州|全国|全球|全世界|我省|我市|我区|我县|我国|本市|本省|各地|各市|各县|全省上下"
    r"|力争|确保|预计|预期|计划|完成了|完成|实现了|实现|实施|开展|推进|推动|举办|办好|面向|围绕|支持|已经|已|将|要|能够|可以|可|共计|合计"
    r"|总计|进一步|持续|继续|全面|深入|加快|积极|大力|着力|认真|有序|扎实|稳步|高质量|累计完成|共有|共)+")


def _clause_start(text: str, position: int) -> int:
    starts = [m.end() for m in _CLAUSE.finditer(text, 0, position)]
    return starts[-1] if starts else 0


def _clause_end(text: str, position: int) -> int:
    m = _CLAUSE.search(text, position)
    return m.start() if m else len(text)


def _is_number_in_name(text: str, start: int, end: int, unit: str | None) -> bool:
    before, after = text[max(0, start - 1):start], text[end:end + 2]
    if re.match(r"[A-Za-z]", before) or re.match(r"[A-Za-z]", after) and unit is None:
        return True  # PM2.5, G331, 5G
    if before in ("第", "前", "号") or re.match(r"[月日号强届]|期[工项]|[人年]制|周年|级", after) and unit not in ("%",):
        return True  # 第3, 前10, 1号线, 500强, 建交70周年
    quoted = [(m.start(), m.end()) for m in re.finditer(r"“[^”]*”|《[^》]*》", text)]
    return any(s < start < e for s, e in quoted)


def _counts_listed_items(text: str, start: int, number: str) -> bool:
    """等N个 after a list of exactly N items only counts the list (docs/annotation.md): not a quantity."""
    if not text[:start].endswith("等"):
        return False
    clause = text[_clause_start(text, start):start - 1]
    items = clause.count("、") + 1
    try:
        value = int(number) if number.isdigit() else int(parse_quantity(number + "个").value or -1)
    except (TypeError, ValueError):
        return False
    return value == items


def _candidate_cores(text: str):
    """(start, end, unit) of each number + unit + bound that can be a quantity."""
    for m in QUANTITY_CORE.finditer(text):
        number, unit = m["number"], m["unit"]
        start, end = m.start(), m.end()
        if not re.search(r"[\d一二两三四五六七八九十百千万亿零〇]", number):
            continue
        has_percent = "%" in number or "％" in number or number.startswith("百分之") or "分之" in number
        if (unit is None and not has_percent) or unit in NOT_UNITS:
            continue
        if re.match(r"[^，。；、]{0,8}?(?:中|之中|里)[，。；]|中(?![国心])", text[end:end + 10]) and unit in LIST_UNITS:
            continue  # 41个工业大类行业中: a group, not an amount
        if unit in TIME_UNITS:
            if re.fullmatch(r"(19|20)\d\d", number) or unit in ("月", "日"):
                continue  # dates
            if not _TIME_CHANGE.search(text[_clause_start(text, start):start]):
                continue  # durations and ages: 历时10年, 时隔5年
        written_in_words = re.fullmatch(rf"[{_CN}]+", number) is not None
        if written_in_words:
            if number in ("万", "亿", "千", "百", "十") and not re.search(r"[超破近逾达过]$", text[:start]):
                continue  # 万企转型, 千万工程 (a bare scale word is a number only after 超/破 …)
            if _SMALL_CN.match(number) and unit in LIST_UNITS:
                continue  # 三个务必, 两项任务
        if _is_number_in_name(text, start, end, unit):
            continue
        marker = re.match(r"\d+[.．](?=\d)", number)
        if marker and start == 0 and unit in LIST_UNITS:
            start += marker.end()  # "8.6个重大科技专项" opening a numbered note is item 8: 6个
        if _counts_listed_items(text, start, number):
            continue
        yield start, end, unit


_ENUMERATION = re.compile("、|等(?=[\\d一二两三四五六七八九十])")


def _left_edge(text: str, core_start: int, floor: int) -> int:
    """Start of the metric: the clause start, then past the leading time/place/goal words."""
    start = max(_clause_start(text, core_start), floor)
    if "分别" not in text[start:core_start]:  # 、 separates items, except in a 分别 list of metrics
        start = max([start] + [m.end() for m in _ENUMERATION.finditer(text, start, core_start)])
    while start < core_start and text[start].isspace():
        start += 1
    lead = _LEADING.match(text, start, core_start)
    return lead.end() if lead else start


# verbs that create or measure the counted thing stay in the span (docs/annotation.md "Verbs inside
# quantities"); other verbs in front of a bare count are left out (壮大40个集群 → 40个集群)
KEEP_VERBS = re.compile(r"^(?:新增|新建|建成|建设|引进|改造|新开工|开工|打通|增加|新培育|选派|聘请|聘任|招聘|发展|治理|整治|提质改造"
                        r"|新改建|新改造|新设|新认定|培养认定|筹措|筹集|新建改造|惠及|服务|带动|降低|减少|节约)")
_CHANGE_VERB = re.compile(r"^(?:增长|下降|提高|降低|减少|增加|上涨|上升|回落|扩大|缩小|压减|削减|带动)")
_VERBAL = {"v", "vd", "ad", "d", "p", "c", "u", "m", "q", "xc", "r", "f", "TIME"}
_NAME_TAGS = {"LOC", "ORG", "PER", "TIME"}
# what may follow a bare count as the thing counted: nouns, names, adjectives, numbers, quotes
_COUNTED = {"n", "nz", "vn", "an", "a", "LOC", "ORG", "PER", "m", "q", "f", "s", "nw"}


# without LAC words (tests, quick use): a metric made only of such verbs counts what follows the number
_VERB_ONLY = re.compile(r"^(?:新增|新建|新开工|新培育|新认定|新引进|引进|建成|建设|打造|培育|创建|新设|设立|开工|落地|招引|签约|实施|完成|改造"
                        r"|新改建|新改造|提升|整治|治理|累计|达到|达|超|超过|突破|共|有|新|启动|新启动|打通|增加|设置|优化|选派|培养|认定"
                        r"|遴选|举办|开展|推出|发布|出台|组织|带动|吸引|帮助|服务|覆盖|惠及|救助|资助|培训|命名|认证|收储|供应|筹集|筹措"
                        r"|竣工|交付|投用|投运|开通|建立|组建|成立|布局|部署|安排|下达|争取|储备|谋划|壮大|支持|争创|推动|聘请|首批)*$")


def _trim_front(tokens, start: int, core_start: int) -> int:
    """Leave places, bodies, times and 在/为 in front of the metric out (上海16个 → 16个)."""
    for t in tokens:
        if t.end <= start:
            continue
        if t.start >= core_start or t.start != start:
            break
        if t.tag in _NAME_TAGS or t.tag == "p" or t.text in ("首批", "第一批", "一批", "新一批", "其中"):
            start = t.end
        else:
            break
    return start


def _extend_counted(text: str, tokens, end: int) -> int:
    """Over the thing a bare count counts (建成39个大型居住社区配套设施), up to the first verb or clause end."""
    stop, seen_noun = _clause_end(text, end), False
    for t in tokens:
        if t.end <= end:
            continue
        if t.start >= stop:
            break
        if t.tag in _COUNTED or t.text in ("“", "”") or (t.tag == "u" and t.text == "的" and not seen_noun):
            seen_noun = seen_noun or t.tag in ("n", "nz", "vn", "LOC", "ORG")
            if seen_noun:
                end = max(end, min(t.end, stop))
        else:
            break
    return end


def find_quantities(text: str, protected: list[tuple[int, int]] = (), tokens=None) -> list[tuple[int, int]]:
    """``[start, end)`` of the quantity spans of one sentence, in order, not overlapping.

    ``protected`` spans (names in quotes, 《》 documents) are never cut by a quantity's left edge;
    ``tokens`` (LAC words, ner.lac_tokens) let the rules see verbs, names and nouns.
    """
    spans: list[tuple[int, int]] = []
    cores = list(_candidate_cores(text))
    for m in WORD_QUANTITY.finditer(text):
        cores.append((m.start(), m.end(), "word"))
    cores.sort()
    for core_start, core_end, unit in cores:
        floor = spans[-1][1] if spans else 0
        if core_start < floor:
            continue
        start = _left_edge(text, core_start, floor)
        if tokens:
            start = _trim_front(tokens, start, core_start)
        end = core_end
        per = re.match(r"/(?:日|年|月|天|人|户|亩|平方米|吨|千瓦时|小时)", text[end:])  # 30万吨/日
        if per and unit not in (None, "word"):
            end += per.end()
        clause = text[_clause_start(text, core_start):core_start]
        # 分别 with several values: one span over the whole list (分别增长12.5%、13.1%)
        if "分别" in clause or "分别" in text[start:core_start]:
            tail = re.match(rf"(?:(?:、|和|及|与)(?:{QUANTITY_CORE.pattern}))+", text[end:])
            if tail:
                end += tail.end()
        metric = text[start:core_start]
        metric_tokens = [t for t in tokens or () if start <= t.start < core_start]
        verbal = not metric.strip() or (metric_tokens and all(t.tag in _VERBAL for t in metric_tokens)) \
            or (not tokens and _VERB_ONLY.match(metric))
        if verbal and unit not in ("word", "%", "‰", "个百分点", "百分点", None):
            # 新增22家国家级5G工厂: what is counted follows the number; a verb that does not create
            # the counted thing is left out (壮大40个省级集群 → 40个省级集群)
            if tokens:
                counted_end = _extend_counted(text, tokens, end)
                if counted_end > end and not KEEP_VERBS.match(metric) and not _CHANGE_VERB.match(metric):
                    start = core_start
                end = counted_end
            else:
                if not KEEP_VERBS.match(metric):
                    start = core_start
                tail = text[end:_clause_end(text, end)]
                cut = re.search(r"[、和及与](?=[\d一二两三四五六七八九十])", tail)
                tail = tail[:cut.start()] if cut else tail
                if len(tail) <= 25:
                    end += len(tail.rstrip())
        else:
            bracket = re.match(r"（[^（）]{1,4}）", text[end:])  # 7.2万套（间）, 9个州（市）
            if bracket and unit not in (None, "%", "word"):
                end += bracket.end()
        if start >= end or any(s < end and start < e for s, e in protected if not (s >= start and e <= end)):
            start = core_start
        piece = text[start:end]
        if unit != "word" and parse_quantity(piece).value is None:
            continue
        while start < end and text[start] in "、和及与 ":
            start += 1
        spans.append((start, end))
    return spans
