"""A gazetteer of place names for the silver engine: Chinese administrative regions from the
`cpca` package (its bundled adcode table: 34 provinces, 344 prefectures, 3,133 counties), their
usual short forms (浙江省 → 浙江, 宁波市 → 宁波, 浦东新区 → 浦东, 阿坝藏族羌族自治州 → 阿坝, 阿坝州), a
project-written list of countries and of named multi-province areas (ANNOTATION.md counts 中国, 美国,
长三角, 中东欧 as `REGION`).

`cpca` 0.5.5 cannot be imported where setuptools no longer provides pkg_resources (its __init__ builds
its matcher with it at import time), so its data file is read from the installed distribution
without importing the package.
"""
from __future__ import annotations

import csv
import importlib.metadata
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

# short forms that are also common words or that mostly stand for something else in these texts
# (和平 peace, 新华 the news agency, 城关/新城/江北 generic parts of a town, 东方 east …); their full
# forms (和平区, 新华区 …) still match
COMMON_WORD_SHORT_FORMS = frozenset("""
和平 新华 城关 新城 城中 城东 城西 城南 城北 城区 郊区 矿区 江南 江北 河东 河西 东方 光明 友谊 向阳 红旗 胜利 前进 长安 资源
复兴 振兴 友好 解放 惠民 互助 富裕 和顺 灯塔 公安 大关 南部 古城 天河 西江 江山 长寿 阳光 吉利 安居 民乐 龙湖 南岸 文化 团结
东风 东区 西区 南区 北区 新区 开发 高新 经济 白云 青山 铁东 铁西 新兴 兴业 安宁 富民 大方 丰富 通道 合作 安全 大通 新市 平安
建设 发展 市中 桥西 桥东 山城 江城 共青 五大 海港 港口 双桥 新建 城厢 江海 同心 安定 中方 会同 延长 宏伟 裕民 南港
""".split())

# Names that need no lookup: countries and areas as the texts name them (project-written list).
COUNTRIES = """
中国 中华人民共和国 美国 美利坚合众国 俄罗斯 俄罗斯联邦 日本 韩国 大韩民国 朝鲜 蒙古国 越南 老挝 柬埔寨 泰国 缅甸 马来西亚
新加坡 印度尼西亚 印尼 菲律宾 文莱 东帝汶 印度 巴基斯坦 孟加拉国 斯里兰卡 尼泊尔 不丹 马尔代夫 阿富汗 伊朗 伊拉克 叙利亚
约旦 黎巴嫩 以色列 巴勒斯坦 沙特阿拉伯 沙特 阿联酋 阿拉伯联合酋长国 卡塔尔 科威特 巴林 阿曼 也门 土耳其 塞浦路斯 格鲁吉亚
亚美尼亚 阿塞拜疆 哈萨克斯坦 吉尔吉斯斯坦 塔吉克斯坦 乌兹别克斯坦 土库曼斯坦 英国 法国 德国 意大利 西班牙 葡萄牙 荷兰 比利时
卢森堡 瑞士 奥地利 爱尔兰 冰岛 挪威 瑞典 芬兰 丹麦 波兰 捷克 斯洛伐克 匈牙利 罗马尼亚 保加利亚 希腊 塞尔维亚 克罗地亚
斯洛文尼亚 波黑 黑山 北马其顿 阿尔巴尼亚 摩尔多瓦 乌克兰 白俄罗斯 立陶宛 拉脱维亚 爱沙尼亚 马耳他 摩纳哥 梵蒂冈 圣马力诺
加拿大 墨西哥 古巴 危地马拉 洪都拉斯 萨尔瓦多 尼加拉瓜 哥斯达黎加 巴拿马 牙买加 海地 多米尼加 巴哈马 巴巴多斯
特立尼达和多巴哥 巴西 阿根廷 智利 秘鲁 哥伦比亚 委内瑞拉 厄瓜多尔 玻利维亚 巴拉圭 乌拉圭 圭亚那 苏里南 澳大利亚 新西兰
巴布亚新几内亚 斐济 萨摩亚 汤加 瓦努阿图 所罗门群岛 基里巴斯 密克罗尼西亚 埃及 利比亚 突尼斯 阿尔及利亚 摩洛哥 苏丹 南苏丹
埃塞俄比亚 厄立特里亚 吉布提 索马里 肯尼亚 坦桑尼亚 乌干达 卢旺达 布隆迪 刚果（金） 刚果（布） 刚果民主共和国 刚果 加蓬
喀麦隆 中非 乍得 尼日利亚 尼日尔 加纳 科特迪瓦 塞内加尔 马里 布基纳法索 几内亚 几内亚比绍 塞拉利昂 利比里亚 多哥 贝宁
毛里塔尼亚 冈比亚 佛得角 赤道几内亚 圣多美和普林西比 安哥拉 赞比亚 津巴布韦 马拉维 莫桑比克 纳米比亚 博茨瓦纳 南非 莱索托
斯威士兰 马达加斯加 毛里求斯 塞舌尔 科摩罗
""".split()
AREAS = """
长三角 长江三角洲 珠三角 京津冀 粤港澳大湾区 大湾区 长江经济带 黄河流域 成渝地区双城经济圈 成渝 东北地区 东北 中西部
西部地区 中部地区 东部地区 南疆 北疆 欧洲 亚洲 非洲 美洲 北美 南美 拉美 拉丁美洲 大洋洲 东南亚 南亚 中亚
西亚 东亚 东北亚 中东 中东欧 欧亚 亚太 加沙地带 加沙 台湾地区 港澳 苏北 苏南 浙南 浙北 闽东 粤东 粤西 粤北
""".split()
# single-character province abbreviations: a place only right after a verb of being or going (在京, 驻沪);
# 新/宁/青/云/黑/吉/台 are left out (在新时代, 在青年中), 华 only in 在华 (访华 is not tagged)
PROVINCE_ABBREVIATIONS = "京沪津渝冀晋辽苏浙皖闽赣鲁豫鄂湘粤桂琼川蜀黔滇藏陕甘陇港澳"
ABBREVIATION_CONTEXT = re.compile(rf"(?<=[在驻来赴抵离返进援落])[{PROVINCE_ABBREVIATIONS}](?![剧东城腔])|(?<=在)华")
# one-character country names as the subject of news (俄称, 乌称, 美财长, 令美经济 …); 中美/中方 pair forms are not places
COUNTRY_ABBREVIATION = re.compile(r"(?:(?<=^)|(?<=[\s，。；：、“（对令向与和在]))[美俄乌以英法德日韩伊朝]"
                                  r"(?=称|将|总统|财长|外长|防长|总理|政府|经济|防空|方面|国内|媒|官员|议会|对|与|境内)")

_ETHNIC = ("汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
           "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
           "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺").split()
_AUTONOMOUS = re.compile(rf"(?:(?:{'|'.join(sorted(_ETHNIC, key=len, reverse=True))})族)+自治(州|县|旗)$")
_PROVINCE_SPECIAL = {"内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏", "新疆维吾尔自治区": "新疆",
                     "宁夏回族自治区": "宁夏", "香港特别行政区": "香港", "澳门特别行政区": "澳门"}


@dataclass(frozen=True)
class Gazetteer:
    names: frozenset[str]
    admin: frozenset[str]  # Chinese administrative names only (these join: 徐州市鼓楼区)
    max_length: int
    source: str  # where the administrative names came from, with version
    lengths_by_first: dict = field(default_factory=dict, compare=False)  # first char → name lengths, longest first

    def __contains__(self, name: str) -> bool:
        return name in self.names


def short_forms(name: str) -> list[str]:
    """Usual short forms of one official name (without the official name itself)."""
    if name in _PROVINCE_SPECIAL:
        return [_PROVINCE_SPECIAL[name]]
    forms = []
    autonomous = _AUTONOMOUS.search(name)
    if autonomous:  # 阿坝藏族羌族自治州 → 阿坝, 阿坝州; 长阳土家族自治县 → 长阳
        base = name[:autonomous.start()]
        forms = [base, base + autonomous.group(1)] if len(base) >= 2 else [base + autonomous.group(1)]
    else:
        for suffix in ("新区", "地区", "林区", "省", "市", "区", "县", "盟", "旗"):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                forms.append(name[:-len(suffix)])
                break
    return [f for f in forms if len(f) >= 2 and f not in COMMON_WORD_SHORT_FORMS]


def _adcode_names() -> tuple[list[str], str]:
    distribution = importlib.metadata.distribution("cpca")
    path = distribution.locate_file("cpca/resources/adcodes.csv")
    with open(path, encoding="utf-8") as f:
        names = [row["name"] for row in csv.DictReader(f) if "行政区划" not in row["name"]]
    return names, f"cpca {distribution.version} adcodes.csv ({len(names)} areas)"


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """All names, built once per process (a few milliseconds)."""
    official, source = _adcode_names()
    names = set(official)
    admin = set(official)
    for name in official:
        names.update(short_forms(name))
        admin.update(short_forms(name))
    names.difference_update(COMMON_WORD_SHORT_FORMS)
    names.update(COUNTRIES)
    names.update(AREAS)
    lengths = defaultdict(set)
    for name in names:
        lengths[name[0]].add(len(name))
    return Gazetteer(frozenset(names), frozenset(admin - COMMON_WORD_SHORT_FORMS), max(map(len, names)), source,
                     {first: sorted(ls, reverse=True) for first, ls in lengths.items()})


def find_places(text: str, gazetteer: Gazetteer | None = None, boundaries: set[int] | None = None
                ) -> list[tuple[int, int]]:
    """``[start, end)`` of the places in ``text``: leftmost, then longest match; adjacent places are
    joined into one (徐州市鼓楼区, 南通海门: ANNOTATION.md "Joined place names are one REGION").

    ``boundaries``, when given, are the word boundaries of a segmenter: a match must start and end on
    one, so 江西 is not found in 浙江西部 (浙江|西部) nor 海门 in 上海门户.
    """
    gazetteer = gazetteer or load_gazetteer()
    found, i = [], 0
    while i < len(text):
        match = None
        for length in gazetteer.lengths_by_first.get(text[i], ()):
            end = i + length
            if length < 2 or end > len(text):
                continue
            if text[i:end] in gazetteer.names and (boundaries is None or (i in boundaries and end in boundaries)):
                match = (i, end)
                break
        if match:
            if found and found[-1][1] == match[0] and text[match[0]:match[1]] in gazetteer.admin \
                    and text[found[-1][0]:found[-1][1]] not in COUNTRIES:
                found[-1] = (found[-1][0], match[1])
            else:
                found.append(match)
            i = match[1]
        else:
            i += 1
    for m in [*ABBREVIATION_CONTEXT.finditer(text), *COUNTRY_ABBREVIATION.finditer(text)]:
        if not any(s <= m.start() < e for s, e in found):
            found.append((m.start(), m.end()))
    return sorted(found)
