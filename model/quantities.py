"""A TARGET/STAT span as data: metric, value, unit, comparator and kind of change.

    parse_quantity("地区生产总值增长5.5%左右")
    → Quantity(metric="地区生产总值", value=5.5, unit="%", comparator="about", change="growth_rate")

Conventions (work/qgold/BRIEF.md, "Fields"): Chinese numerals become digits (三千亿元, 百分之五点五,
八成 = 80%, 三分之一 = 33.33%); the scale words 万/亿/万亿/千万 are folded into the value for every unit (1.8亿美元 →
180000000, unit 美元); a range is [a, b]; 分别 with several values gives the list of them; 百分点 is
written 个百分点; 翻一番 is 2 倍 and 两位数 is 10, at least.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import cn2an

from .attribution import attribute
from .labels import QUANTITY_TYPES

SCALES = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "亿": 1e8, "千万": 1e7, "百万": 1e6, "十万": 1e5, "万": 1e4, "千": 1e3}
_NUMBER = r"\d+(?:\.\d+)?"
_SCALE = "|".join(sorted(SCALES, key=len, reverse=True))
_RANGE = r"(?:-|—|–|～|~|至|到)"
# value and scale, optional range end and scale, then an order-of-magnitude 级 (only after a scale:
# 千亿级) and the unit (percent, points, or a run of letters). An approximate 多/余 may stand before
# the scale (1200多万人, 4万多亿元 = 4万亿+) or after it (3万余户, 400多平方米).
_VALUE = re.compile(
    rf"(?P<a>{_NUMBER})(?P<approx>多|余)?(?P<a_scale>{_SCALE})?(?:(?P<approx2>多|余)(?P<more_scale>亿)?)?"
    rf"(?:%(?=\s*{_RANGE}))?(?:\s*{_RANGE}\s*(?P<b>{_NUMBER})(?P<b_scale>{_SCALE})?)?"
    rf"(?P<order>(?<=[万亿])级)?"
    rf"\s*(?P<unit>%|‰|个百分点|百分点|倍|[A-Za-z\u4e00-\u9fff/²³]*)"
)
# Measure words and units, longest first, so 千瓦时 wins over 千瓦 and 人次 over 人.
UNITS = sorted("""个百分点 百分点 千瓦时 千瓦 兆瓦 瓦 吨标准煤 吨标煤 标准箱 标箱 平方公里 平方千米 平方米 平米 立方米
公里 千米 米 毫米 厘米 微米 纳米 公顷 亩 吨 公斤 千克 克 斤 升 微克 毫克 倍 美元 欧元 港元 日元 英镑 元 块 毛 角
人次 人 户次 户 辆次 架次 艘次 车次 班次 航次 场次 批次 个 家 项 所 座 条 台套 台 辆 套 件组 件 头只 头 只 匹 株 棵
本 册 场 次 批 名 位 处 张 部 种 类 颗 架 艘 枚 门 款 粒 列 趟 间 栋 床 篇 届 期 宗 笔 单 份
周岁 岁 年 个月 月 个工作日 工作日 天 个小时 小时 分钟 秒
GWh kWh GW MW kW TEU EFLOPS PFLOPS TFLOPS Tbps Gbps Mbps TB PB EB P""".split(), key=len, reverse=True)
LATIN_UNITS = tuple(u for u in UNITS if u.isascii())
MONEY_UNITS = ("元", "美元", "欧元", "港元", "日元", "英镑", "块", "毛", "角")
# nouns that begin with a measure word: 13亿多人口, 站上100万亿台阶, 10万人才 (what is counted, no unit)
_NOUN_NOT_UNIT = re.compile(r"台阶|人口|人民|人才|人员|项目|家庭")
_UNIT_STOP = re.compile(r"(左右|以上|以下|以内|之内|上下|多|余|大关|新?台阶|水平|目标|规模|以来|的|和|、|，).*$")
_BOUND_OF = re.compile(r"^(?:左右|以上|以下|以内|之内|上下)?的?")  # 50%以上的县: the counted thing is 县

# Comparator words written after the number and its unit (5.5%左右, 60万人以上) …
_AFTER = (
    (re.compile(r"^(左右|上下)"), "about"),
    (re.compile(r"^(以内|之内|以下)"), "at_most"),
    # 增长了3倍多, 迈上5万亿元新台阶, 突破万亿元大关
    (re.compile(r"^(以上|多|余)|^[^，、。；]{0,6}?(台阶|大关)"), "at_least"),
)
# … and those written right before it (超1500亿元, 不到4%). They bind only when adjacent: in
# 高于全国12.4个百分点 the number is a gap of exactly 12.4, in 1万亿元超长期国债 超 is no comparator.
# Negated forms first: 不低于 is at_least although it contains 低于.
_BEFORE = tuple((re.compile(rf"(?:{words})(?:占[^，、\d]*)?(?:为|达|在|是|了|于)?$"), name) for words, name in (
    ("不低于|不少于", "at_least"),
    ("不超过|不高于|不多于|不到|不足|低于|少于|控制在", "at_most"),
    ("约|大约|(?<![最附])近|接近|将近", "about"),
    # 至少 bounds the number even across a verb: 至少建成3个
    ("超过|超出|超|突破|破|至少[^，。、\\d]*|逾|高于|多于|跨过|跨越|跨上|迈上|迈过|站上", "at_least"),
))
# a comparison with a named reference states a gap: 高于全国12.4个百分点, 比全国快1.2个百分点
# (exact; the metric is above or below the reference by that much)
_GAP = re.compile(r"(?<!不)(?:(?P<up>高于|快于|多于|优于|好于)|(?P<down>低于|慢于|少于))[^\d\s]+$"
                  r"|(?P<up_by>高出|多出|比\S+(?<![提增])[高快多])$|(?P<down_by>低出|比\S+(?<![降减])[低慢少])$")

_METRIC_TAIL = re.compile(r"(不超过|不低于|不少于|不高于|不到|不足|超过|超|突破|破|至少|达到|达|大约|约|接近|将近|近|逾|为|在|保持"
                          r"|高于|低于|多于|少于|控制|同比|(?<!平)均|年均|力争|确保|预计|(?<=.)新增)$")
# carry-out and goal verbs are not part of the metric (ANNOTATION.md: 力争, 确保, 完成, 实现 …)
_METRIC_HEAD = re.compile(r"^(了|力争|确保|至少|完成|实现|实施|开展|推进|预计)")

# 增加值 is a noun (工业增加值), 增/涨 alone a verb only right before the number (同比增5.3%)
# (nor 新增收入, nor the 提升 of 改造提升, which is renovation)
GROWTH = re.compile(r"增长|增速|增幅|上涨|涨幅|提高|上升|(?<!改造)提升(?!改造)|增加(?!值)|扩大|(?<!新)增收|(?<!新)增$|涨$")
# 降 alone (再降16.86%) but not 降水/降雨 or the noun 降费; 改善 of a concentration or consumption is a fall
DECREASE = re.compile(r"下降|减少|降低|压减|压降|削减|缩减|压缩|精简|减排|缩小|缩短|回落|降(?![水雨雪费本碳])"
                      r"|(?<=浓度|排放|能耗)改善")
# a growth that the metric ends with keeps a level verb's % a growth rate: 涨幅不高于3%, 增速保持在6%,
# 经济增长预期目标为5% (not 增长率, 增长面, the names of level indicators, nor 经济增长的贡献率)
GROWTH_NAMED = re.compile(r"(增速|增幅|涨幅|增长)(预期|目标|预期目标)?[均将也都]?$")
# a verb with 到/至 gives the level reached (提高到3%, 提升至77.4%, 缩短至46分钟)
# (达产, 达标, 下达 and 过境 are no such verbs; 过 is one right before the number: 过万亿)
LEVEL = re.compile(r"不超过|不低于|不少于|不高于|达到|(?<![下传表])达(?![产标])|(?:提高|提升|上升|增加|增长|扩大|下降|降低"
                   r"|减少|压缩|压减|缩减|缩短|缩小|回落|扩展|拓展|延长|调整|增|升|降)[到至]"
                   r"|突破|超过|为|保持在|控制在|稳定在|站上|跨过|跨越|跨上|迈上|迈过|过$|完成")
# tax and fee relief is a fall in what enterprises pay (减免社保费1.7万亿元), whatever the verb
RELIEF = re.compile(r"减税|降费|减负|减免|减轻|让利")
# a count of new things: 新增就业, 新开工项目, 引进外资 (anywhere in the span) …
_ADDING = r"新增|新(?:建|开工|开|设|创建|认证|认定|培育|引进|引入|导入|招引|签约|登记|注册)|引进|引资|招引"
# … or a creating verb that opens the span (建设10个食品产业园; not 开发区, not the attributive 落地的)
_CREATING = r"建成|建设|打造|培育|创建|修建|开发|开工|组建|设立|落地"
ADDED = re.compile(_ADDING)
CREATED = re.compile(rf"^(?:{_CREATING})(?![的区]|用地)")
# a metric that is only such verbs names its object after the number: 新增22家国家级5G工厂
_VERBS_ONLY = re.compile(rf"(?:{_ADDING}|{_CREATING})+")
# renovation counts work done, not new stock (新建改造农村公路5000公里 is a level), unless 新增 says so
RENOVATED = re.compile(r"改造|改建|修缮|翻新")

RATE_UNITS = ("%", "‰")


@dataclass
class Quantity:
    metric: str
    value: float | list[float] | None
    unit: str | None
    comparator: str  # about | at_least | at_most | range | exact
    change: str      # level | growth_rate | increase | decrease | multiple
    period: str | None = None  # "2024", "2024-Q1", "2021-2025" … (see attribution.py)
    region: str | None = None  # short name of the region it belongs to (sentence, else document)


# full-width digits, letters and the signs of a number (５．５％, 38微克／立方米); not ，：（） which stay text
_FULLWIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if chr(c) not in "，：；（）！？"})
_CN_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
_CN_RUN = re.compile(rf"[{_CN_NUMERAL}点]+")
_CN_DIGITS = "〇一二两三四五六七八九十"  # the characters of a numeral that are no bare scale word
_FRACTION = re.compile(rf"([{_CN_NUMERAL}\d]+)分之([{_CN_NUMERAL}点\d.]+)")
_DIGIT_FRACTION = re.compile(r"(?<![\d./])(\d+)/(\d+)(?![\d./])")  # 1/3以上
# 八成以上, 近七成: 成 is tenths only beside a bound or a 的, not in 建成, 一成不变
_TENTHS = re.compile(r"(?:(?<=[近超约逾占达过])|(?=[一二两三四五六七八九十\d]成(?:以上|以下|左右|多|余|的|$|[，、。])))"
                     r"([一二两三四五六七八九十]|\d)成")
_SOME_MORE = re.compile(r"([一二两三四五六七八九]?十)几")  # 十几分钟 = 10多分钟
# 数十家, 几百名, 上万人: some tens/hundreds… (at least the round number); not 人数十万, 总数十个, 以上千家
_SEVERAL = re.compile(r"(?<![人总次户件指位函份个以])[数几上]([十百千万亿]+)")
_PRICE = re.compile(r"([一二两三四五六七八九十\d]+)块([一二三四五六七八九\d])毛?")  # 两块八 = 2.8块
_PER_MEASURE = re.compile(r"[每一](斤|公斤|千克|吨|升|亩|平方米)")  # 两块八一斤: the price is per 斤
# a bare scale word is a number only where a comparator precedes it or a bound follows (破万亿, 超百亿元,
# 近万种, 千余件组, 千亿级, 百万户以上, 跨越千亿元台阶), never in names (千万工程, 万村升级) or
# denominators (每万人口)
_BARE_SCALE_BEFORE = re.compile(r"(超|破|近|逾|达|过)$")
_BARE_SCALE_AFTER = re.compile(rf"[余多级]|(?:{'|'.join(map(re.escape, UNITS))})?(?:以上|台阶|大关)")
# 零 + an event (零发生, 零事故) says the count is 0; 零售, 零部件, 零碳 are no numbers
_ZERO_EVENTS = re.compile(r"零(?:发生|事故|死亡|伤亡|感染|新增|投诉|事件)")
_QUOTED = re.compile(r"“[^”]*”|‘[^’]*’|《[^》]*》|「[^」]*」|\"[^\"]*\"")


def _cn_number(run: str) -> float:
    """cn2an on a numeral that may start with a bare unit word (百 → 一百, 千万 → 一千万)."""
    run = run.replace("万万", "亿")  # old usage (几万万农民): cn2an rejects 一万万
    return cn2an.cn2an(("一" + run) if run[0] in "百千万亿" else run, "smart")


def _digits(value: float) -> str:
    """A number as plain digits, never in exponent notation (3000亿 stays 300000000000)."""
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def _to_digits(text: str) -> str:
    """Chinese numerals → digits, only where they are numbers: 三千亿元, 百分之五点五, 十二个, not 一般/零售,
    and not inside quotes, which name things (“十四五”, “高效办成一件事”)."""
    parts = re.split(f"({_QUOTED.pattern})", text)
    return "".join(part if index % 2 else _numerals_to_digits(part) for index, part in enumerate(parts))


def _numerals_to_digits(text: str) -> str:
    text = _FRACTION.sub(_fraction, text.replace("一半", "二分之一"))
    text = _DIGIT_FRACTION.sub(lambda m: _digits(round(100 * int(m[1]) / int(m[2]), 2)) + "%", text)
    text = _TENTHS.sub(lambda m: _digits(_cn_number(m[1]) * 10) + "%", text)
    text = _SOME_MORE.sub(lambda m: _digits(_cn_number(m[1])) + "多", text)
    text = _SEVERAL.sub(lambda m: _digits(_cn_number(m[1])) + "多", text)
    text = _PRICE.sub(lambda m: _digits(_cn_number(m[1])) + "." + _digits(_cn_number(m[2])) + "块", text)
    return _CN_RUN.sub(lambda m: _numeral(m, text), text)


def _fraction(match: re.Match) -> str:
    """百分之五 → 5%, 千分之五 → 5‰, 三分之一 → 33.33% (a share is a percentage, like 八成 = 80%)."""
    whole, part = match.groups()
    try:
        numerator = float(part) if re.fullmatch(r"[\d.]+", part) else _cn_number(part)
        if whole in ("百", "千"):
            return _digits(numerator) + ("%" if whole == "百" else "‰")
        denominator = float(whole) if whole.isdigit() else _cn_number(whole)
    except ValueError:
        return match.group()
    return _digits(round(100 * numerator / denominator, 2)) + "%"


def _counts_something(following: str) -> bool:
    """Does a unit, %, 余/多 or the end of a range follow? (三批, 两到三年; not 一次性, an adjective)"""
    return any(following.startswith(u) and following[len(u):len(u) + 1] != "性" for u in UNITS) or bool(
        re.match(rf"[%余多]|{_RANGE}[{_CN_NUMERAL}\d]", following))


def _numeral(match: re.Match, text: str) -> str:
    """One run of numeral characters in digits, or as it was where it is no number."""
    run, before, following = match.group(), text[:match.start()], text[match.end():]
    before_unit = _counts_something(following)
    pair = re.fullmatch(r"([一二两三四五六七八九])([二三四五六七八九])([十百千万亿]*)", run)
    if pair and _cn_number(pair[2]) == _cn_number(pair[1]) + 1 and (pair[3] or before_unit):
        return "-".join(_digits(_cn_number(digit + pair[3])) for digit in pair.group(1, 2))  # 三四个, 两三百
    if not any(c in _CN_DIGITS for c in run):
        if before[-1:].isdigit() or before.endswith("每") or not (
                _BARE_SCALE_BEFORE.search(before) or _BARE_SCALE_AFTER.match(following)):
            return run
    elif len(run) < 2 or not re.search("[十百千万亿]", run):
        # digits alone are a number only before a unit: 三批, 一件, but not 一般, 一二线, 五四运动
        if not before_unit:
            return run
    # keep a trailing 万/亿 as the scale word of the whole numeral (三千亿 → 3000亿, 千亿级 → 1000亿级)
    core = run.rstrip("万亿")
    scale = run[len(core):]
    if "万" in core or "亿" in core:  # 一亿二千万: the scale words are inside the numeral
        core, scale = run, ""
    try:
        return (_digits(_cn_number(core)) if core else "1") + scale
    except ValueError:
        return run


def _scale(match: re.Match) -> str | None:
    """The scale word of the first number; 万多亿 is 万亿 (4万多亿元), 千多亿 is 千亿."""
    joined = (match["a_scale"] or "") + (match["more_scale"] or "")
    return joined if joined in SCALES else match["a_scale"]


def _scaled(number: str, scale: str | None) -> float:
    # Decimal keeps 4248.4亿 at 424840000000 exactly (in floats it is 424839999999.99994)
    value = Decimal(number) * Decimal(int(SCALES.get(scale or "", 1)))
    return int(value) if value == value.to_integral_value() else float(value)


def parse_quantity(text: str) -> Quantity:
    """Best-effort structure of one quantity span; ``value`` is None when no number is found."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text.translate(_FULLWIDTH))  # 1,200亿元
    special = _word_quantity(text)
    if special:
        return special
    measure = _PER_MEASURE.search(text) if any(m in text for m in ("元", "块", "毛", "角")) else None
    if measure:
        text = text[:measure.start()] + text[measure.end():]
    normal = _to_digits(text)
    matches = _value_matches(normal)
    if not matches:
        return Quantity(metric=normal, value=None, unit=None, comparator="exact", change="level")
    listed = _listed_values(matches, normal)
    match = listed[0] if listed else matches[-1]
    last = listed[-1] if listed else match
    unit, tail = _split_unit(last["unit"])
    after = tail + normal[last.end():]
    if measure and unit in MONEY_UNITS:
        unit = f"{unit}/{measure[1]}"
    before = normal[:match.start()]
    if listed:
        # a bare item shares the scale of the last one: 分别为1.2、1.5万亿元
        value = [_scaled(m["a"], _scale(m) or (None if m["unit"] else _scale(last))) for m in listed]
        comparator = "exact"
    elif match["b"]:
        value = [_scaled(match["a"], _scale(match) or match["b_scale"]), _scaled(match["b"], match["b_scale"])]
        comparator = "range"
    else:
        value = _scaled(match["a"], _scale(match))
        comparator = _comparator(before, match, after)
    change, metric = _change_and_metric(before, unit)
    counted = _UNIT_STOP.sub("", _BOUND_OF.sub("", after))
    if not metric or _VERBS_ONLY.fullmatch(metric):  # 1.02万家企业启动数字化改造: what is counted follows
        metric += counted
    return Quantity(metric=metric, value=value, unit=unit, comparator=comparator, change=change)


def _word_quantity(text: str) -> Quantity | None:
    """Quantities written as words: 翻一番/翻倍 (a multiple), 两位数 (at least 10%), 零增长."""
    doubled = re.search(r"翻(?:了)?([一两二三四])番|翻番|翻倍", text)
    if doubled:
        factor = 2 ** int(_cn_number(doubled[1])) if doubled[1] else 2
        metric = re.split(r"实现|翻", text)[0]
        return Quantity(metric=metric.strip(), value=factor, unit="倍", comparator="exact", change="multiple")
    if "零增长" in text:
        return Quantity(metric=text.split("零增长")[0], value=0, unit="%", comparator="exact", change="growth_rate")
    if "两位数" in text:
        return Quantity(metric=re.split(r"保持|实现|两位数", text)[0], value=10, unit="%",
                        comparator="at_least", change="growth_rate")
    zero = _ZERO_EVENTS.search(text)
    if zero and not re.search(r"\d", text):  # 安全生产零事故: the count is 0
        return Quantity(metric=re.sub(r"(实现|保持)$", "", text[:zero.start()]), value=0, unit=None,
                        comparator="exact", change="level")
    return None


def _value_matches(normal: str) -> list[re.Match]:
    """The numbers of the text that are values: not names (PM2.5, 5G, “一件事”, 1号线, 500强, 3人制,
    一期工程), dates, years or ranks (第3, 前10), nor a count that sums up the list before it
    (5万亿美元、6万亿美元两个台阶), nor a number that describes what another one counts."""
    quoted = [m.span() for m in _QUOTED.finditer(normal)]
    matches = []
    for match in _VALUE.finditer(normal):
        before, letters = normal[:match.start()], match["unit"]
        if any(start < match.start() < end for start, end in quoted):
            continue
        if (re.search(r"[A-Za-z]$", before) and not match["a_scale"]) or _is_latin_name(letters):
            continue
        if re.search(r"[第前]$", before) or re.match(r"[月日号强]|[人年]制|期[工项]", letters) or (
                letters.startswith("年") and re.fullmatch(r"(19|20)\d\d", match["a"])):
            continue
        matches.append(match)
    if len(matches) >= 2 and _counts_the_list(matches, normal):
        matches.pop()
    counted = [m for m in matches if not _is_attribute(m, normal)]
    return counted or matches


def _latin_unit(letters: str) -> str | None:
    """The Latin unit the letters start with, in any case as written (8400P, 200GW, 55Eflops)."""
    unit = next((u for u in LATIN_UNITS if letters.lower().startswith(u.lower())), None)
    return letters[:len(unit)] if unit and not re.match(r"[A-Za-z]", letters[len(unit):]) else None


def _is_latin_name(letters: str) -> bool:
    """5G基站, 4K, 3D: Latin letters right after a number make a name unless they are a unit."""
    return re.match(r"[A-Za-z]", letters) is not None and _latin_unit(letters) is None


def _counts_the_list(matches: list[re.Match], normal: str) -> bool:
    """Does the last number follow the one before it directly and equal the number of items listed?"""
    last, previous = matches[-1], matches[-2]
    if last.start() != previous.end() or last["b"]:
        return False
    items, index = 1, len(matches) - 2
    while index > 0 and normal[matches[index - 1].end():matches[index].start()] in ("、", "和", "及"):
        items, index = items + 1, index - 1
    return items >= 2 and float(last["a"]) == items


def _is_attribute(match: re.Match, normal: str) -> bool:
    """Does the number describe what is counted rather than count it? An order of magnitude (3个千亿级
    产业集群), an age (2.5万名65岁及以上老年人), a number before 的 (2个产值过百亿的园区) or a bound
    before a noun (260个亿元以上产业项目)."""
    unit, after = _split_unit(match["unit"])
    after += normal[match.end():]
    return bool(match["order"] or unit in ("岁", "周岁")
                or re.match(r"(以上|以下|左右)?的|(以上|以下)[^，、。；]", after))


def _listed_values(matches: list[re.Match], normal: str) -> list[re.Match]:
    """With 分别 the span gives one value per item (分别增长12.5%、13.1%): the numbers after it."""
    at = normal.find("分别")
    if at < 0:
        return []
    to = [verb.end() for verb in LEVEL.finditer(normal, at)]  # 分别从202元、270元提高到209元、280元
    listed = [m for m in matches if m.start() >= max([at] + to)]
    return listed if len(listed) >= 2 else []


def _comparator(before: str, match: re.Match, after: str) -> str:
    """The bound the words around the number put on it; words after the number win (控制在5%左右)."""
    if match["approx"] or match["approx2"] or match["order"]:
        return "at_least"
    for pattern, name in _AFTER:
        if pattern.search(after):
            return name
    before = before.rstrip()
    return next((name for pattern, name in _BEFORE if pattern.search(before)), "exact")


def _split_unit(letters: str) -> tuple[str | None, str]:
    """(unit, the letters after it) from the letters after a number.

    A known unit may be followed by /unit (元/吨, 微克/立方米). Unknown letters are a unit when they are
    one character (9乡) or a rate with /; a longer word is what is counted (16万各类量子计算任务).
    """
    if _NOUN_NOT_UNIT.match(letters):
        return None, letters
    unit = _latin_unit(letters) or next((u for u in UNITS if letters.startswith(u)), None)
    if unit:
        per = re.match(r"/([\u4e00-\u9fffA-Za-z²³]+)", letters[len(unit):])
        per_unit = per and next((u for u in UNITS + ["日"] if per[1].startswith(u)), None)
        if per_unit:  # 30万吨/日
            unit += "/" + per_unit
        return ("个百分点" if unit == "百分点" else unit), letters[len(unit):]
    word = _UNIT_STOP.sub("", letters)
    if len(word) == 1 or "/" in word:
        return word, letters[len(word):]
    return None, letters


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
    gap = _GAP.search(before)
    if gap and (verb is None or gap.start() >= verb.start()):
        verb, kind = gap, "increase" if gap["up"] or gap["up_by"] else "decrease"
        metric = before[:gap.start()] or before
    elif verb is None:
        metric = before
    else:  # 地区生产总值增长… → before the verb; 增加就业… (verb first) → after it
        metric = before[:verb.start()] if verb.start() > 0 else before[verb.end():]
    if verb is None:
        kind = _count_kind(before, unit)
    if kind == "level" and verb is not None and unit in RATE_UNITS and GROWTH_NAMED.search(metric):
        kind, metric = "growth_rate", re.sub(r"(增速|增幅|涨幅)$", "", metric)
    if kind == "growth_rate" and unit not in RATE_UNITS:
        kind = "increase"  # 增加20万人, 提高1.2个百分点: an absolute change (of a share, in points), not a rate
    if kind in ("level", "increase") and RELIEF.search(before):
        kind = "decrease"
    if unit == "倍":
        kind = "multiple"
    metric = re.sub(r"分别.*$", "", metric)  # what follows 分别 belongs to each item
    metric = re.sub(r"[的，、：\s]+$", "", metric).strip()
    while _METRIC_TAIL.search(metric):
        metric = _METRIC_TAIL.sub("", metric)
    return kind, _METRIC_HEAD.sub("", metric)


def _count_kind(before: str, unit: str | None) -> str:
    """With no verb of change: a count of new things is an increase, renovation work, stock and shares
    (新增财力80%以上用于民生) a level."""
    if unit in RATE_UNITS or (RENOVATED.search(before) and not re.search(r"新增|增加", before)):
        return "level"
    if ADDED.search(before) or CREATED.match(_METRIC_HEAD.sub("", before)):
        return "increase"
    return "level"


def attach_quantities(doc) -> None:
    """Give every TARGET/STAT span of a Document its parsed Quantity, then its period and region."""
    for span in doc.spans:
        if span.type in QUANTITY_TYPES:
            try:
                span.quantity = parse_quantity(span.text)
            except ValueError:  # a numeral cn2an cannot read: the span stays, unnormalised, not the batch dies
                span.quantity = None
    attribute(doc)
