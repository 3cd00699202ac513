"""The inference module on a tiny random model: shapes of output, offsets, determinism, bad input."""
import json

import pytest

from model.analyzer import Analyzer, _segments
from model.folder import ModelFolderError


@pytest.fixture(scope="module")
def analyzer(tiny_model_dir):
    return Analyzer.load(tiny_model_dir)


def check_document(doc):
    for sentence in doc.sentences:
        assert 0 <= sentence.start < sentence.end <= len(doc.text)
        for theme in sentence.themes:
            assert 0.0 <= theme.score <= 1.0
    for span in doc.spans:
        assert doc.text[span.start:span.end] == span.text
        assert any(s.start <= span.start and span.end <= s.end for s in doc.sentences)
    assert all(a.end <= b.start for a, b in zip(doc.spans, doc.spans[1:]))


def test_analyze_returns_sentences_and_spans_with_document_offsets(analyzer):
    text = "今年全省地区生产总值增长5.5%左右。\n省委书记易炼红在杭州强调，要深入实施八八战略！"
    doc = analyzer(text)
    assert [(s.start, s.end) for s in doc.sentences] == [(0, 19), (20, len(text))]
    check_document(doc)
    out = json.loads(json.dumps(doc.to_dict()))
    assert set(out) == {"id", "sentences", "spans"}
    assert set(out["sentences"][0]) == {"start", "end", "themes"}


def test_results_are_deterministic_and_independent_of_batching(analyzer):
    texts = ["浙江宁波市政府。", "今年全省新开工项目120个。" * 3, "城镇新增就业60万人以上。"]
    one_by_one = [analyzer(t).to_dict() for t in texts]
    together = [d.to_dict() for d in analyzer.analyze_batch(texts)]
    assert one_by_one == together
    assert together == [d.to_dict() for d in analyzer.analyze_batch(texts)]


def test_empty_and_non_chinese_text_give_correct_empty_results(analyzer):
    assert analyzer("").to_dict() == {"id": None, "sentences": [], "spans": []}
    assert analyzer("   \n\n ").sentences == []
    doc = analyzer("The quick brown fox. 12345")
    check_document(doc)


def test_a_100000_character_document_is_analysed_completely(analyzer):
    sentence = "今年全省地区生产总值增长5.5%左右，城镇新增就业60万人以上。"
    text = sentence * (100_000 // len(sentence) + 1)
    text = text[:100_000]
    doc = analyzer(text)
    assert doc.sentences[-1].end == len(text.rstrip())
    assert len(doc.sentences) == -(-100_000 // len(sentence))
    check_document(doc)


def test_a_sentence_longer_than_the_model_window_is_cut_at_commas():
    text = "，".join(["地区生产总值增长"] * 40) + "。"
    pieces = _segments(text, 0, len(text), 62)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(b - a <= 62 for a, b in pieces)
    assert all(text[b - 1] == "，" for a, b in pieces[:-1])
    assert all(a2 == b1 for (_, b1), (a2, _) in zip(pieces, pieces[1:]))


def test_non_string_input_is_a_clear_error(analyzer):
    with pytest.raises(TypeError, match="document 1: text must be a string"):
        analyzer.analyze_batch(["好", None])


def test_missing_or_incomplete_model_folder(tmp_path):
    with pytest.raises(ModelFolderError, match="does not exist"):
        Analyzer.load(tmp_path / "nope")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelFolderError, match="missing policytagger.json, model.safetensors"):
        Analyzer.load(tmp_path)


def test_spans_by_sentence_matches_spans_in():
    from model.schema import Document, Sentence, Span
    text = "浙江宁波。上海。北京天津。"
    doc = Document(text=text, sentences=[Sentence(0, 5), Sentence(5, 8), Sentence(8, 13)],
                   spans=[Span(0, 2, "REGION", "浙江", 1), Span(2, 4, "REGION", "宁波", 1),
                          Span(8, 10, "REGION", "北京", 1), Span(10, 12, "REGION", "天津", 1)])
    assert doc.spans_by_sentence() == [doc.spans_in(s) for s in doc.sentences]
    assert [len(g) for g in doc.spans_by_sentence()] == [2, 0, 2]


def test_overlapping_spans_keep_the_higher_score():
    from model.analyzer import _without_overlaps
    from model.schema import Span
    spans = [Span(5, 20, "TARGET", "x", 0.9), Span(0, 6, "TARGET", "y", 0.6), Span(20, 22, "ORG", "z", 0.8)]
    kept = _without_overlaps(spans)
    assert [(s.start, s.end) for s in kept] == [(5, 20), (20, 22)]


def test_an_opening_quote_at_a_span_end_is_trimmed():
    from model.decoding import trim_span
    text = "筹措供应“新时代之家”床位"
    assert trim_span(text, 2, 5) == (2, 4)          # 供应“ → 供应
    assert trim_span(text, 10, 13) == (11, 13)      # ”床位 → 床位
    assert trim_span('ab"c"', 0, 5) == (0, 5)       # straight quotes are left to the pairing rules
