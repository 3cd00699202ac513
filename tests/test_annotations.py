import json

import pytest

from training.annotations import AnnotationError, load_examples, record_problems, spans_from_substrings, validate_file

CORPUS = {"doc-1": {"text": "前言。今年全省地区生产总值增长5.5%左右。", "sha256": "abc"}}


def test_a_valid_standoff_record_joins_with_the_corpus(tmp_path):
    path = tmp_path / "a.jsonl"
    record = {"doc_id": "doc-1", "sha256": "abc", "sent_start": 3, "sent_end": 22,
              "spans": [[4, 18, "TARGET"]], "themes": ["economy"]}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    [example] = load_examples(path, CORPUS)
    assert example.text == "今年全省地区生产总值增长5.5%左右。"
    assert example.text[4:18] == "地区生产总值增长5.5%左右"
    assert example.themes == ["economy"]


def test_a_hash_mismatch_is_refused_with_the_file_and_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"doc_id": "doc-1", "sha256": "other", "sent_start": 0, "sent_end": 3}) + "\n")
    with pytest.raises(AnnotationError, match=r"a.jsonl:1: sha256 mismatch for 'doc-1'"):
        load_examples(path, CORPUS)


@pytest.mark.parametrize("record, message", [
    ({"text": "浙江宁波", "spans": [[0, 2, "PLACE"]]}, "type 'PLACE'"),
    ({"text": "浙江宁波", "spans": [[0, 9, "REGION"]]}, "outside the sentence"),
    ({"text": "浙江宁波", "spans": [[0, 3, "REGION"], [2, 4, "REGION"]]}, "overlaps"),
    ({"text": "浙江 宁波", "spans": [[0, 3, "REGION"]]}, "white space"),
    ({"text": "浙江宁波", "themes": ["sports"]}, "themes"),
    ({"doc_id": "doc-1"}, "missing field"),
    ({"doc_id": "nope", "sha256": "x", "sent_start": 0, "sent_end": 1}, "unknown doc_id"),
])
def test_invalid_records_are_named(record, message):
    problems = record_problems(record, CORPUS)
    assert problems and message in " ".join(problems)


def test_validate_file_reports_every_bad_line_and_invalid_json(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_text('{"text": "好", "spans": []}\nnot json\n{"text": "好", "spans": [[0, 1, "X"]]}\n', encoding="utf-8")
    problems = validate_file(path, None)
    assert [p.split(": ")[0].rsplit(":", 1)[1] for p in problems] == ["2", "3"]


def test_substrings_become_offsets_in_reading_order():
    text = "浙江省和浙江大学，浙江"
    spans = spans_from_substrings(text, [["浙江省", "REGION"], ["浙江大学", "ORG"], ["浙江", "REGION"]])
    assert spans == [[0, 3, "REGION"], [4, 8, "ORG"], [9, 11, "REGION"]]
    with pytest.raises(AnnotationError, match="not found"):
        spans_from_substrings(text, [["上海", "REGION"]])
