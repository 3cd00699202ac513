"""From per-token tag probabilities back to character spans."""
from __future__ import annotations

import numpy as np


def decode_spans(probs: np.ndarray, offsets: list[tuple[int, int]], tags: list[str]) -> list[tuple[int, int, str, float]]:
    """Spans ``(start, end, type, score)`` in characters of the encoded text.

    ``probs`` is [tokens, tags] for one sequence; ``offsets`` are the tokenizer's character offsets
    (special tokens have (0, 0) and are skipped). A span opens at a B- tag, or at an I- tag after O,
    and grows over following I- tags of any type; its type is the one with the most probability
    mass over its tokens (so 地|区生产总值… tagged B-STAT I-TARGET… stays one span). Its score is
    the mean probability of that type's tags over the span.
    """
    best = probs.argmax(-1)
    types = sorted({t.split("-", 1)[1] for t in tags if t != "O"})
    # probability of each type per token: P(B-type) + P(I-type)
    columns = {t: [i for i, tag in enumerate(tags) if tag != "O" and tag.split("-", 1)[1] == t] for t in types}
    type_probs = np.stack([probs[:, columns[t]].sum(-1) for t in types], axis=-1)
    spans, current = [], None  # current = [start, end, first token, last token]
    for i, (start, end) in enumerate(offsets):
        if start == end:
            continue
        prefix = tags[best[i]].split("-", 1)[0]
        if prefix == "I" and current is not None:
            current[1], current[3] = end, i
            continue
        if current is not None:
            spans.append(current)
            current = None
        if prefix in ("B", "I"):
            current = [start, end, i, i]
    if current is not None:
        spans.append(current)
    out = []
    for start, end, first, last in spans:
        mass = type_probs[first:last + 1].mean(0)
        k = int(mass.argmax())
        out.append((start, end, types[k], float(mass[k])))
    return out


_OPENERS = "“‘「『《（(\"'"
_CLOSERS = "”’」』》）)\"'"
_ONLY_OPENERS, _ONLY_CLOSERS = (set(_OPENERS) - set(_CLOSERS)), (set(_CLOSERS) - set(_OPENERS))
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
        # an opening mark at the end or a closing one at the start belongs to the neighbouring span
        # (straight quotes open and close alike, so they are left to the rules below)
        if start < end and (text[end - 1] in _ONLY_OPENERS or text[start] in _ONLY_CLOSERS):
            start, end = (start, end - 1) if text[end - 1] in _ONLY_OPENERS else (start + 1, end)
            continue
        if start < end and text[end - 1] in _CLOSERS:
            partner = _OPENERS[_CLOSERS.index(text[end - 1])]
            if partner not in text[start:end - 1]:
                end -= 1
                continue
        break
    # a closing mark inside with its opener just before the span: the name is “1245”机制-shaped
    for opener, closer in zip(_OPENERS, _CLOSERS):
        inside = text[start:end]
        if start > 0 and text[start - 1] == opener and closer in inside and opener not in inside[:inside.index(closer)]:
            start -= 1
            break
    if start >= end or all(c in _PUNCT for c in text[start:end]):
        return None
    return start, end
