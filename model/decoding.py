"""From per-token tag probabilities back to character spans."""
from __future__ import annotations

import numpy as np


def decode_spans(probs: np.ndarray, offsets: list[tuple[int, int]], tags: list[str]) -> list[tuple[int, int, str, float]]:
    """Spans ``(start, end, type, score)`` in characters of the encoded text.

    ``probs`` is [tokens, tags] for one sequence; ``offsets`` are the tokenizer's character offsets
    (special tokens have (0, 0) and are skipped). A span opens at B-X, or at an I-X that does not
    continue a span of type X (lenient, as seqeval), and grows over following I-X tokens. Its score
    is the mean probability of the chosen tags.
    """
    best = probs.argmax(-1)
    spans, current = [], None  # current = [start, end, type, [token probs]]
    for i, (start, end) in enumerate(offsets):
        if start == end:
            continue
        tag = tags[best[i]]
        prefix, _, label = tag.partition("-")
        if prefix == "I" and current is not None and current[2] == label:
            current[1] = end
            current[3].append(probs[i, best[i]])
            continue
        if current is not None:
            spans.append(current)
            current = None
        if prefix in ("B", "I"):
            current = [start, end, label, [probs[i, best[i]]]]
    if current is not None:
        spans.append(current)
    return [(s, e, t, float(np.mean(p))) for s, e, t, p in spans]


_OPENERS = "“‘「『《（(\"'"
_CLOSERS = "”’」』》）)\"'"
_PUNCT = set(_OPENERS + _CLOSERS + "，。、；：！？,.;:!? \t\r\n\u3000")


def trim_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Apply the spec's boundary rules to a predicted span of ``text``: no white space at the edges,
    outer quotation marks excluded (a wholly quoted name loses them; an unpaired mark at an edge is
    dropped; "1245"机制 keeps its inner quotes), and no span of punctuation alone. None when nothing is left."""
    while True:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end and text[start] in _OPENERS:
            partner = _CLOSERS[_OPENERS.index(text[start])]
            if end - start >= 2 and text[end - 1] == partner:  # the whole name is quoted
                start, end = start + 1, end - 1
                continue
            if partner not in text[start + 1:end]:
                start += 1
                continue
        if start < end and text[end - 1] in _CLOSERS:
            partner = _OPENERS[_CLOSERS.index(text[end - 1])]
            if partner not in text[start:end - 1]:
                end -= 1
                continue
        break
    if start >= end or all(c in _PUNCT for c in text[start:end]):
        return None
    return start, end
