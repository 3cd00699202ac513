"""The consistency finder and rulebook on sentences the project wrote (no corpus text), and, when the
shared corpus is present, gold-v5 against the rulebook."""
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from training.annotations import AnnotationError
from training.consistency import (
    RULEBOOK_PATH, RuleBook, Sentence, StringRule, apply_fixes, check_rules, find_inconsistencies,
    load_rulebook, load_sentences,
)

ROOT = Path(__file__).resolve().parent.parent


def every_char(texts):
    """A segmenter that makes every character its own word: all occurrences are whole words."""
    return [set(range(len(t) + 1)) for t in texts]


def words(*segmented):
    """A segmenter for the given texts written with '|' between words (unknown texts: every char)."""
    table = {}
    for s in segmented:
        cuts, pos = {0}, 0
        for w in s.split("|"):
            pos += len(w)
            cuts.add(pos)
        table[s.replace("|", "")] = cuts
    return lambda texts: [table.get(t, set(range(len(t) + 1))) for t in texts]


def sent(key, text, *spans):
    """A sentence with spans given as (substring, type); each substring is searched left to right."""
    out, cursor = [], 0
    for piece, label in spans:
        start = text.index(piece, cursor)
        out.append((start, start + len(piece), label))
        cursor = start + len(piece)
    return Sentence(key, "test", text, tuple(out))


# --- type conflicts --------------------------------------------------------------------------

def test_a_string_with_two_entity_types_is_a_conflict_and_target_against_stat_is_apart():
    sentences = [
        sent("a", "泰山脚下新建一座博物馆。", ("泰山", "REGION")),
        sent("b", "泰山景区提升工程开工。", ("泰山", "PROJECT")),
        sent("c", "今年新开工项目120个。", ("新开工项目120个", "TARGET")),
        sent("d", "去年新开工项目120个。", ("新开工项目120个", "STAT")),
    ]
    report = find_inconsistencies(sentences, boundaries=every_char)
    assert [c.string for c in report.type_conflicts] == ["泰山"]
    assert report.type_conflicts[0].counts == {"REGION": 1, "PROJECT": 1}
    assert {o.key for occ in report.type_conflicts[0].examples.values() for o in occ} == {"a", "b"}
    assert [c.string for c in report.quantity_direction] == ["新开工项目120个"]


# --- untagged occurrences --------------------------------------------------------------------

def test_an_untagged_whole_word_occurrence_is_reported_with_its_record_key():
    sentences = [
        sent("a", "全面推进乡村振兴。", ("乡村振兴", "POLICY")),
        sent("b", "乡村振兴扎实推进。"),
    ]
    report = find_inconsistencies(sentences, boundaries=every_char)
    [u] = report.untagged
    assert (u.string, u.label, u.tagged, u.untagged) == ("乡村振兴", "POLICY", 1, 1)
    assert (u.untagged_examples[0].key, u.untagged_examples[0].start, u.untagged_examples[0].end) == ("b", 0, 4)


def test_nested_occurrences_and_parts_of_words_are_not_untagged():
    sentences = [
        sent("a", "习近平出席会议。", ("习近平", "PER")),
        sent("b", "习近平会见外宾，大家认真学习。", ("习近平", "PER")),
        # inside a longer span: the outer name is tagged, not a disagreement
        sent("c", "宁波舟山港集团有限公司扩大投资。", ("宁波舟山港集团有限公司", "COMPANY")),
        sent("d", "宁波发布新政策。", ("宁波", "REGION")),
        # 学习 holds 习 but the word is 学习; the segmenter says so
        sent("e", "习总书记强调。", ("习", "PER")),
    ]
    boundaries = words("习近平|会见|外宾|，|大家|认真|学习|。")
    report = find_inconsistencies(sentences, boundaries=boundaries)
    assert report.untagged == []


def test_a_span_edge_counts_as_a_word_boundary():
    # The segmenter glues 宁波浙江 into one word; the span that ends after 宁波 still marks where
    # 浙江 starts, so the bare 浙江 is found.
    sentences = [sent("a", "宁波浙江", ("宁波", "REGION")), sent("b", "浙江发展。", ("浙江", "REGION"))]
    report = find_inconsistencies(sentences, boundaries=words("宁波浙江", "浙江|发展|。"))
    assert [(u.string, u.untagged_examples[0].key) for u in report.untagged] == [("浙江", "a")]


# --- the rulebook ----------------------------------------------------------------------------

BOOK = RuleBook(
    types=[StringRule("东盟", "international-bodies", "ORG")],
    tag=[StringRule("乡村振兴", "strategy-names", "POLICY"),
         StringRule("乡村全面振兴", "strategy-names", "POLICY"),
         StringRule("中共", "bodies-in-meeting-names", "ORG", after="第?[一二三四五六七八九十]+(大|届)")],
    no_tag=[StringRule("新型城镇化", "doctrine-formulas"),
            StringRule("乡村振兴", "names-inside-other-names", after="人才")],
)


def test_check_rules_finds_each_kind_of_violation():
    sentences = [
        sent("a", "拓展东盟线路。", ("东盟", "REGION")),                   # type
        sent("b", "推进新型城镇化。", ("新型城镇化", "POLICY")),            # no_tag
        sent("c", "乡村振兴扎实推进。"),                                     # tag, whole word
        sent("d", "培养乡村振兴人才。"),                                     # explained by no_tag context
        sent("e", "学习中共二十大精神和中共中央文件。"),                     # tag in context (first only)
        sent("f", "提高养老金、补贴等5项标准。", ("提高养老金、补贴等5项标准", "STAT")),  # list in quantity
    ]
    found = {(v.key, v.kind, v.string, v.found, v.expected) for v in check_rules(sentences, BOOK, every_char)}
    assert found == {
        ("a", "type", "东盟", "REGION", "ORG"),
        ("b", "no_tag", "新型城镇化", "POLICY", None),
        ("c", "tag", "乡村振兴", None, "POLICY"),
        ("e", "tag", "中共", None, "ORG"),
        ("f", "list_in_quantity", "提高养老金、补贴等5项标准", "STAT", None),
    }


def test_longer_tag_rules_win_and_fixes_never_overlap():
    s = sent("a", "推进乡村全面振兴。")
    violations = check_rules([s], BOOK, every_char)
    assert [(v.string, v.start, v.end) for v in violations] == [("乡村全面振兴", 2, 8)]
    assert apply_fixes([], violations) == [[2, 8, "POLICY"]]


def test_apply_fixes_retypes_removes_and_adds():
    s = sent("a", "东盟和新型城镇化，乡村振兴。", ("东盟", "REGION"), ("新型城镇化", "POLICY"))
    fixed = apply_fixes([list(x) for x in s.spans], check_rules([s], BOOK, every_char))
    assert [(s.text[a:b], t) for a, b, t in fixed] == [("东盟", "ORG"), ("乡村振兴", "POLICY")]
    assert check_rules([Sentence("a", "test", s.text, tuple(map(tuple, fixed)))], BOOK, every_char) == []


def test_no_tag_rules_explain_untagged_occurrences_and_context_tags_explain_conflicts():
    book = RuleBook(tag=[StringRule("智能机器人", "list-sharing-a-head", "POLICY", after="”?等重点专项")],
                    no_tag=[StringRule("乡村振兴", "names-inside-other-names", after="人才")])
    sentences = [
        sent("a", "实施乡村振兴。", ("乡村振兴", "POLICY")),
        sent("b", "培养乡村振兴人才。"),
        sent("c", "发展智能机器人产业。", ("智能机器人", "INDUSTRY")),
        sent("d", "培育智能机器人企业。", ("智能机器人", "INDUSTRY")),
        sent("e", "申报“智能机器人”等重点专项。", ("智能机器人", "POLICY")),
    ]
    report = find_inconsistencies(sentences, boundaries=every_char, book=book)
    assert report.untagged == [] and report.explained_untagged == 1
    assert report.type_conflicts == [] and [c.string for c in report.explained_conflicts] == ["智能机器人"]
    assert report.violations == []
    assert report.summary()["rulebook_violations"] == {}


def test_a_malformed_rule_is_refused_with_its_place(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"tag": [{"string": "俄军", "type": "ARMY", "rule": "armies"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"tag\[0\].*ARMY"):
        load_rulebook(path)
    path.write_text(json.dumps({"types": [{"string": "东盟", "type": "ORG"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"types\[0\].*'rule'"):
        load_rulebook(path)


def test_the_projects_rulebook_loads_and_its_rules_name_decisions_in_the_guide():
    book = load_rulebook(RULEBOOK_PATH)
    assert book.types and book.tag and book.no_tag
    guide = (ROOT / "docs" / "annotation.md").read_text(encoding="utf-8")
    for rule in {r.rule for r in book.types + book.tag + book.no_tag}:
        assert f"`{rule}`" in guide, f"rule id {rule} has no row in docs/annotation.md"
    # a string decided one type everywhere cannot also be decided another
    assert len({r.string: r.type for r in book.types}) == len(book.types)


# --- files and the command line --------------------------------------------------------------

def test_load_sentences_keys_inline_records_by_file_and_line_and_refuses_bad_ones(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text('{"text": "浙江宁波", "spans": [[0, 2, "REGION"]]}\n', encoding="utf-8")
    [s] = load_sentences([path], None)
    assert (s.key, s.text, s.spans) == ("mine.jsonl:1", "浙江宁波", ((0, 2, "REGION"),))
    path.write_text('{"text": "浙江宁波", "spans": [[0, 9, "REGION"]]}\n', encoding="utf-8")
    with pytest.raises(AnnotationError, match="mine.jsonl:1"):
        load_sentences([path], None)


def test_the_script_writes_the_report_and_fails_on_violations(tmp_path, monkeypatch, capsys):
    data = tmp_path / "a.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"text": "拓展东盟线路。", "spans": [[2, 4, "REGION"]]},
        {"text": "东盟国家。", "spans": [[0, 2, "ORG"]]},
    ]) + "\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("consistency_script", ROOT / "scripts" / "consistency.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "report"
    monkeypatch.setattr("sys.argv", ["consistency.py", str(data), "--out", str(out)])
    with pytest.raises(SystemExit, match="1 rulebook violation"):
        script.main()
    summary = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["summary"]
    assert summary["type_conflict_strings"] == 1 and summary["rulebook_violations"] == {"type": 1}
    assert "`a.jsonl:1`" in (tmp_path / "report.md").read_text(encoding="utf-8")


# --- reconcile_gold's edits -------------------------------------------------------------------

def load_reconcile(monkeypatch):
    spec = importlib.util.spec_from_file_location("reconcile_gold", ROOT / "scripts" / "reconcile_gold.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "reconcile_gold", module)  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_record_edits_find_offsets_from_substrings(monkeypatch):
    rg = load_reconcile(monkeypatch)
    text = "做强玉米等5大加工产业，做优食用菌等7个优势特色产业。"
    spans = [[2, 11, "TARGET"], [14, 26, "TARGET"]]
    spans, _ = rg.apply_edit(text, spans, rg.Edit("k", "remove", "5大加工产业", "TARGET", "deng-n-lists"))
    spans, _ = rg.apply_edit(text, spans, rg.Edit("k", "add", "玉米", "INDUSTRY", "deng-n-lists"))
    spans, (old, new) = rg.apply_edit(text, spans, rg.Edit("k", "shrink", "7个优势特色产业", "TARGET", "deng-n-lists"))
    assert [(text[a:b], t) for a, b, t in spans] == [("玉米", "INDUSTRY"), ("7个优势特色产业", "TARGET")]
    assert text[old[0]:old[1]] == "食用菌等7个优势特色产业"
    with pytest.raises(rg.EditError, match="occurs 0 times"):
        rg.apply_edit(text, spans, rg.Edit("k", "add", "小麦", "INDUSTRY", "deng-n-lists"))
    with pytest.raises(rg.EditError, match="overlaps"):
        rg.apply_edit(text, spans, rg.Edit("k", "add", "玉米", "INDUSTRY", "deng-n-lists"))
    # a repeated string is placed through a unique anchor
    spans, (_, new) = rg.apply_edit("在华投资，对华合作。", [], rg.Edit("k", "add", "华", "REGION", "x", within="在华"))
    assert new == [1, 2, "REGION"]


# --- gold-v5 against the rulebook (needs the shared corpus) ------------------------------------

def test_gold_v5_keeps_every_decision_and_has_no_cross_type_conflict_left(shared_dir):
    from collections import defaultdict

    from training.consistency import lac_boundaries
    from training.corpus import load_corpus
    files = sorted((ROOT / "data" / "annotations").glob("gold-v5.*.jsonl"))
    assert [f.name for f in files] == ["gold-v5.dev.jsonl", "gold-v5.test.jsonl", "gold-v5.train.jsonl"]
    sentences = load_sentences(files, load_corpus())
    cuts = lac_boundaries([s.text for s in sentences])  # segment once (the slow part), reuse below
    book = load_rulebook()
    report = find_inconsistencies(sentences, boundaries=lambda texts: cuts, book=book)
    assert report.violations == []
    assert report.type_conflicts == []
    types_of = defaultdict(set)
    for s in sentences:
        for a, b, label in s.spans:
            types_of[s.text[a:b]].add(label)
    assert {string: types_of[string] for string in book.type_of() if len(types_of[string]) > 1} == {}
