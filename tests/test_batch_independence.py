"""A document's answer must not depend on which other documents share its batch.

The server, ``policytagger analyze`` with workers and the Ray/Spark engines batch documents however
they arrive, so the same document has to give the same spans, themes and quantities alone and inside
any batch. The analyser pads a batch to its longest segment, so neighbours of different lengths
change the padding; a runtime that quantises activations per batch (dynamic int8) also changes
its numbers with the neighbours' values. Checked for every runtime the shipped folder has.
"""
import pytest

from model.analyzer import DEFAULT_MODEL_DIR, Analyzer
from model.runtime import available_runtimes

# Project-written documents of very different lengths (one short line to a multi-paragraph report),
# so that alone and together they are padded differently.
DOCUMENTS = [
    "新开工项目80个。",
    "各位代表：",
    "过去一年，全市地区生产总值增长6.2%，新增城镇就业12.5万人。今年力争新开工项目120个。",
    "省委书记在杭州强调，要大力发展集成电路和人工智能产业，加快杭甬高速复线三期建设。",
    "今年经济社会发展的主要预期目标是：地区生产总值增长5.5%左右，城镇调查失业率5.5%以内，"
    "居民人均可支配收入增长与经济增长同步，研发投入强度提高到3%以上，单位GDP能耗下降3%左右。",
    "宁波市市长在会上表示，要深入实施“八八战略”，加快建设宁波东方理工大学。\n"
    "持续优化营商环境，深化“最多跑一次”改革，为民营企业减负200亿元以上。\n"
    "大力发展新能源汽车、集成电路和生物医药产业，支持华为、中国石化等企业在甬布局。",
    "去年全市规上工业增加值增长7.8%，社会消费品零售总额增长4.5%，外贸进出口总额达到1.3万亿元，"
    "其中出口8000亿元，实际使用外资30亿美元，一般公共预算收入增长5%，城乡居民收入比缩小到1.7。",
    "推进乡村全面振兴，新建高标准农田5万亩，粮食播种面积稳定在150万亩以上。"
    "加强生态环境保护，细颗粒物平均浓度控制在25微克/立方米以下，地表水省控断面达标率保持100%。"
    "扎实推进共同富裕，新建保障性租赁住房2万套，新增托位3000个，城乡居民基本养老保险基础养老金提高到每月300元。",
]

# Scores in to_dict() are rounded to 4 decimals. With fixed activation scales the network's numbers
# for a segment are the same alone and batched up to float rounding (the matrix kernels block the
# work differently for different batch shapes), which can move a rounded score by one unit in the
# last place: so scores may differ by at most 1e-4, while every label, offset, text, theme and
# quantity must be exactly equal.
SCORE_TOLERANCE = 1e-4

RUNTIMES = available_runtimes(DEFAULT_MODEL_DIR)


def split_scores(value, path="doc"):
    """(the value with every "score" replaced by None, {path: score}) for comparing with a tolerance."""
    scores = {}
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "score" and isinstance(item, float):
                out[key], scores[f"{path}.score"] = None, item
            else:
                out[key], inner = split_scores(item, f"{path}.{key}")
                scores.update(inner)
        return out, scores
    if isinstance(value, list):
        out = []
        for i, item in enumerate(value):
            stripped, inner = split_scores(item, f"{path}[{i}]")
            out.append(stripped)
            scores.update(inner)
        return out, scores
    return value, scores


def differences(alone: dict, together: dict) -> list[str]:
    """What differs between two to_dict() results beyond the score tolerance."""
    structure_alone, scores_alone = split_scores(alone)
    structure_together, scores_together = split_scores(together)
    if structure_alone != structure_together:
        return ["labels, offsets, themes or quantities differ"]
    return [f"{path}: {scores_alone[path]} vs {scores_together[path]}" for path in scores_alone
            if abs(scores_alone[path] - scores_together[path]) > SCORE_TOLERANCE]


@pytest.fixture(scope="module", params=RUNTIMES)
def analyzer(request):
    return Analyzer.load(runtime=request.param, threads=1)


def test_each_document_gives_the_same_answer_alone_and_in_any_batch(analyzer):
    alone = [analyzer.analyze(text).to_dict() for text in DOCUMENTS]
    batches = {"all together": list(range(len(DOCUMENTS))),
               "reversed": list(reversed(range(len(DOCUMENTS)))),
               "with the longest": [0, 7, 2, 6, 4]}
    changed = []
    for name, order in batches.items():
        docs = analyzer.analyze_batch([DOCUMENTS[i] for i in order])
        for i, doc in zip(order, docs):
            problems = differences(alone[i], doc.to_dict())
            if problems:
                changed.append(f"{analyzer.runtime.name}, document {i}, batch {name!r}: {problems[:3]}")
    assert not changed, "\n".join(changed)


def test_small_batches_give_the_same_answer_as_one_big_batch(analyzer):
    # the analyser's own batch size decides which segments meet: a service may use a different one
    one_batch = [d.to_dict() for d in analyzer.analyze_batch(DOCUMENTS)]
    small = Analyzer(analyzer.runtime, analyzer.tokenizer, analyzer.meta, batch_size=3)
    for i, doc in enumerate(small.analyze_batch(DOCUMENTS)):
        assert not differences(one_batch[i], doc.to_dict()), f"{analyzer.runtime.name}, document {i}"
