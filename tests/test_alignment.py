from training.alignment import IGNORE, AlignmentStats, align_labels
from model.labels import bio_tags
from model.decoding import decode_spans

import numpy as np

TAGS = bio_tags()
IDS = {t: i for i, t in enumerate(TAGS)}


def names(labels):
    return [TAGS[i] if i != IGNORE else "-" for i in labels]


def test_character_tokens_get_bio_labels():
    offsets = [(0, 0), (0, 1), (1, 2), (2, 3), (3, 4), (0, 0)]
    labels = align_labels(offsets, [(1, 3, "REGION")], IDS)
    assert names(labels) == ["-", "O", "B-REGION", "I-REGION", "O", "-"]


def test_pieces_crossing_a_span_boundary_are_labelled_and_counted():
    # a sentencepiece-like token "增长5" (0,3) crosses into the quantity span starting at 2
    offsets = [(0, 0), (0, 3), (3, 5), (5, 6), (0, 0)]
    stats = AlignmentStats()
    labels = align_labels(offsets, [(2, 6, "TARGET")], IDS, stats)
    assert names(labels) == ["-", "B-TARGET", "I-TARGET", "I-TARGET", "-"]
    assert stats.crossing_tokens == 1 and stats.spans == 1 and stats.lost_spans == 0


def test_spans_past_truncation_are_counted_as_lost():
    stats = AlignmentStats()
    align_labels([(0, 0), (0, 1), (0, 0)], [(5, 7, "PER")], IDS, stats)
    assert stats.lost_spans == 1


def test_decoding_inverts_alignment():
    offsets = [(0, 0), (0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 0)]
    gold = [(1, 3, "REGION"), (3, 5, "ORG")]
    labels = align_labels(offsets, gold, IDS)
    probs = np.full((len(offsets), len(TAGS)), 0.01)
    for i, label in enumerate(labels):
        probs[i, label if label != IGNORE else 0] = 0.9
    assert [s[:3] for s in decode_spans(probs, offsets, TAGS)] == gold


def test_decoding_opens_a_span_on_a_stray_inside_tag():
    offsets = [(0, 1), (1, 2), (2, 3)]
    probs = np.zeros((3, len(TAGS)))
    for i, tag in enumerate(["I-PER", "I-PER", "O"]):
        probs[i, IDS[tag]] = 1.0
    assert decode_spans(probs, offsets, TAGS) == [(0, 2, "PER", 1.0)]


def test_outer_quotes_are_trimmed_but_inner_quotes_stay():
    from model.decoding import trim_span
    text = "深入实施“八八战略”，完善“1245”机制。"
    assert trim_span(text, 4, 10) == (5, 9)            # “八八战略” → 八八战略
    assert trim_span(text, 5, 10) == (5, 9)            # 八八战略” → 八八战略
    assert trim_span(text, 13, 21) == (13, 21)         # “1245”机制 keeps its quotes
    assert trim_span(text, 14, 21) == (13, 21)         # 1245”机制 regains its opening mark
    assert trim_span(text, 4, 5) is None               # a lone quotation mark is no span
    assert trim_span(" 浙江 ", 0, 4) == (1, 3)
