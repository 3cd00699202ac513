from model.sentences import split_sentences


def texts(text):
    return [text[s:e] for s, e in split_sentences(text)]


def test_terminators_and_line_breaks():
    text = "各位代表：\n今年主要预期目标是：地区生产总值增长5.5%左右；城镇新增就业60万人。要干！行吗？"
    assert texts(text) == ["各位代表：", "今年主要预期目标是：地区生产总值增长5.5%左右；城镇新增就业60万人。", "要干！", "行吗？"]


def test_closing_quotes_and_brackets_stay_with_the_sentence():
    assert texts("他说：“要干实事。”随后散会。（完。）") == ["他说：“要干实事。”", "随后散会。", "（完。）"]


def test_semicolon_does_not_end_a_sentence_and_runs_of_terminators_stay_together():
    assert texts("一是稳增长；二是促改革。真的吗？！好") == ["一是稳增长；二是促改革。", "真的吗？！", "好"]


def test_offsets_point_into_the_text_and_whitespace_is_trimmed():
    text = "  标题  \r\n\n正文第一句。 第二句。"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["标题", "正文第一句。", "第二句。"]
    assert all(not text[s].isspace() and not text[e - 1].isspace() for s, e in spans)


def test_empty_and_blank_text():
    assert split_sentences("") == []
    assert split_sentences(" \n\t\n") == []
