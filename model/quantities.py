"""A TARGET/STAT span as data: metric, value, unit, comparator and kind of change.

    parse_quantity("地区生产总值增长5.5%左右")
    → Quantity(metric="地区生产总值", value=5.5, unit="%", comparator="about", change="growth_rate")

Chinese numerals (三千亿元, 百分之五点五) are turned into digits by cn2an first; the scale words
万/亿 are folded into the value (1.8亿美元 → 180000000, unit 美元).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .attribution import attribute
from .labels import QUANTITY_TYPES

SCALES = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "亿": 1e8, "千万": 1e7, "百万": 1e6, "十万": 1e5, "万": 1e4, "千": 1e3}
_NUMBER = r"\d+(?:\.\d+)?"
_SCALE = "|".join(sorted(SCALES, key=len, reverse=True))
_RANGE = r"(?:-|—|–|～|~|至|到)"
# value, optional range end, optional scale, then the unit (percent, points, or a run of letters)
_VALUE = re.compile(
    rf"(?P<a>{_NUMBER})(?:(?P<a_scale>{_SCALE}))?(?:%(?=\s*{_RANGE}))?"
    rf"(?:\s*{_RANGE}\s*(?P<b>{_NUMBER})(?:(?P<b_scale>{_SCALE}))?)?"
    rf"\s*(?P<unit>%|‰|个百分点|百分点|倍|[A-Za-z\u4e00-\u9fff/²³]*)"
)
# Measure words and units, longest first, so 千瓦时 wins over 千瓦 and 人次 over 人.
UNITS = sorted("""个百分点 百分点 千瓦时 千瓦 兆瓦 吨标准煤 吨标煤 标准箱 标箱 平方公里 平方米 立方米 公里 千米 公顷 美元
欧元 港元 元 人次 人 个 家 项 户 所 座 条 台 辆 套 件 亩 吨 米 倍 场 次 批 名 位 处 张 部 只 头 种 类 颗 架 艘 列 趟 间 栋
床 年 岁 周岁 天 小时 分钟 篇 届 期 宗 笔 单 份 元/吨 GW MW kW""".split(), key=len, reverse=True)
_UNIT_STOP = re.compile(r"(左右|以上|以下|以内|之内|上下|多|余|大关|台阶|水平|目标|规模|以来|的|和|、|，).*$")

# In priority order: negated forms first (不低于 is at_least although it contains 低于).
COMPARATORS = (
    (re.compile(r"不低于|不少于"), "at_least"),
    (re.compile(r"不超过|不高于|不多于"), "at_most"),
    (re.compile(r"左右|上下|约|大约|近|接近"), "about"),
    (re.compile(r"以内|之内|以下|低于|控制在|少于"), "at_most"),
    (re.compile(r"以上|超过|超|突破|至少|多|余|逾|高于"), "at_least"),
)
_METRIC_TAIL = re.compile(r"(不超过|不低于|不少于|不高于|超过|超|突破|达到|达|约|近|逾|为|在|保持|控制|同比|分别|年均)$")
# carry-out and goal verbs are not part of the metric (ANNOTATION.md: 力争, 确保, 完成, 实现 …)
_METRIC_HEAD = re.compile(r"^(力争|确保|完成|实现|实施|开展|推进|预计)")

GROWTH = re.compile(r"增长|增速|增幅|上涨|涨幅|提高|上升|提升|增加|扩大")
DECREASE = re.compile(r"下降|减少|降低|压减|缩小|回落")
LEVEL = re.compile(r"不超过|不低于|不少于|不高于|达到|达|提高到|提升到|增加到|增至|提高至|上升到|突破|超过|为|保持在|控制在|稳定在|站上|过")
# verbs that create or bring in the counted thing: they stay part of the metric (新开工项目)
NEW = re.compile(r"新增|新建|新开工|新开|引进|建成|新设|培育|打造|开工|改造|新改建|落地|招引|签约")


PERCENT_UNITS = ("%", "‰", "个百分点", "百分点")


@dataclass
class Quantity:
    metric: str
    value: float | list[float] | None
    unit: str | None
    comparator: str  # about | at_least | at_most | range | exact
    change: str      # level | growth_rate | increase | decrease | multiple
    period: str | None = None  # "2024", "2024-Q1", "2021-2025" … (see attribution.py)
    region: str | None = None  # short name of the region it belongs to (sentence, else document)


_CN_RUN = re.compile(r"[百千]分之[零〇一二两三四五六七八九十百点]+|[零〇一二两三四五六七八九十百千万亿点]+")
_CN_DIGIT = re.compile(r"[〇一二两三四五六七八九十]")


def _to_digits(text: str) -> str:
    """Chinese numerals → digits, only where they are numbers: 三千亿元, 百分之五点五, 十二个, not 一般/零售."""
    import cn2an

    def convert(match: re.Match) -> str:
        run = match.group()
        if run[1:3] == "分之":  # 百分之五 → 5%, 千分之五 → 5‰
            try:
                return f"{cn2an.cn2an(run[3:], 'smart'):g}" + ("%" if run[0] == "百" else "‰")
            except ValueError:
                return run
        following = text[match.end():match.end() + 3]
        is_count = len(run) >= 2 or any(following.startswith(u) for u in UNITS + ["%"])
        if not _CN_DIGIT.search(run) or not is_count:
            return run
        core = run.rstrip("万亿千")  # keep a trailing scale word for the scale logic: 三千亿 → 3000亿
        scale = run[len(core):]
        try:
            value = cn2an.cn2an(core, "smart") if core else None
        except ValueError:
            return run
        return f"{value:g}{scale}" if value is not None else run

    return _CN_RUN.sub(convert, text)


def _scaled(number: str, scale: str | None) -> float:
    value = float(number) * SCALES.get(scale or "", 1.0)
    return int(value) if value.is_integer() else round(value, 6)


def parse_quantity(text: str) -> Quantity:
    """Best-effort structure of one quantity span; ``value`` is None when no number is found."""
    if "翻一番" in text or "翻番" in text or "翻两番" in text:
        factor = 4 if "翻两番" in text else 2
        metric = re.split(r"实现|翻", text)[0]
        return Quantity(metric=metric.strip(), value=factor, unit="倍", comparator="exact", change="multiple")
    if "零增长" in text:
        return Quantity(metric=text.split("零增长")[0], value=0, unit="%", comparator="exact", change="growth_rate")
    if "两位数" in text:
        return Quantity(metric=re.split(r"保持|实现|两位数", text)[0], value=10, unit="%",
                        comparator="at_least", change="growth_rate")
    normal = _to_digits(text)
    # the value is the last number: earlier ones belong to names (PM2.5) or to a from-value (由118公里增至2486公里)
    matches = list(_VALUE.finditer(normal))
    match = matches[-1] if matches else None
    if match is None:
        return Quantity(metric=normal, value=None, unit=None, comparator="exact", change="level")
    unit, counted = _split_unit(match["unit"])
    before, after = normal[:match.start()], normal[match.end():]
    if match["b"]:
        value = [_scaled(match["a"], match["a_scale"] or match["b_scale"]), _scaled(match["b"], match["b_scale"])]
        comparator = "range"
    else:
        value = _scaled(match["a"], match["a_scale"])
        context = before[-4:] + "|" + (match["unit"] or "") + after[:6]
        comparator = next((name for pattern, name in COMPARATORS if pattern.search(context)), "exact")
    change, metric = _change_and_metric(before, unit)
    if not metric and counted:  # 1.02万家企业启动数字化改造: the counted thing follows the unit
        metric = counted
    return Quantity(metric=metric, value=value, unit=unit, comparator=comparator, change=change)


def _split_unit(letters: str) -> tuple[str | None, str]:
    """(unit, what follows it) from the letters after a number: a known unit if one starts there."""
    if not letters:
        return None, ""
    for unit in UNITS:
        if letters.startswith(unit):
            return unit, _UNIT_STOP.sub("", letters[len(unit):])
    return _UNIT_STOP.sub("", letters) or None, ""


def _change_and_metric(before: str, unit: str | None) -> tuple[str, str]:
    """What kind of change the words before the number describe, and the metric they name.

    A level/growth/decrease verb ends the metric (地区生产总值 | 增长); a creating verb belongs to
    it (新开工项目, 城镇新增就业) and makes the value an increase.
    """
    verb, kind = None, "level"
    for pattern, name in ((LEVEL, "level"), (DECREASE, "decrease"), (GROWTH, "growth_rate")):
        found = list(pattern.finditer(before))
        if found and (verb is None or found[-1].start() > verb.start()):
            verb, kind = found[-1], name
    if verb is None:
        metric = before
    else:  # 地区生产总值增长… → before the verb; 增加就业… (verb first) → after it
        metric = before[:verb.start()] if verb.start() > 0 else before[verb.end():]
    if NEW.search(before) and (verb is None or kind == "growth_rate"):
        kind = "increase"  # 新开工项目120个, 新增…增长: a count of new things
    if kind == "growth_rate" and unit not in PERCENT_UNITS:
        kind = "increase"  # 增加20万人: an absolute increase, not a rate
    if unit == "倍":
        kind = "multiple"
    metric = re.sub(r"[的，、：\s]+$", "", metric).strip()
    while _METRIC_TAIL.search(metric):
        metric = _METRIC_TAIL.sub("", metric)
    return kind, _METRIC_HEAD.sub("", metric)


def attach_quantities(doc) -> None:
    """Give every TARGET/STAT span of a Document its parsed Quantity, then its period and region."""
    for span in doc.spans:
        if span.type in QUANTITY_TYPES:
            span.quantity = parse_quantity(span.text)
    attribute(doc)
