"""Character spans → token BIO labels, through whatever pieces the tokenizer makes.

A token gets B-X when it starts at (or crosses into) the start of span X, I-X when it lies inside,
O otherwise. A token that crosses a span boundary (starts outside and ends inside, or the reverse)
is labelled by the span it overlaps and counted, so we know how often pieces blur boundaries.
"""
from __future__ import annotations

from dataclasses import dataclass

IGNORE = -100


@dataclass
class AlignmentStats:
    spans: int = 0
    crossing_tokens: int = 0
    lost_spans: int = 0  # spans no token overlaps (e.g. truncated away)


def align_labels(offsets: list[tuple[int, int]], spans: list[tuple[int, int, str]],
                 tag_ids: dict[str, int], stats: AlignmentStats | None = None) -> list[int]:
    labels = []
    opened = set()
    for start, end in offsets:
        if start == end:  # special token or padding
            labels.append(IGNORE)
            continue
        label = tag_ids["O"]
        for k, (s, e, t) in enumerate(spans):
            if start < e and end > s:  # token overlaps the span
                label = tag_ids[("I-" if k in opened else "B-") + t]
                opened.add(k)
                if stats is not None and (start < s or end > e):
                    stats.crossing_tokens += 1
                break
        labels.append(label)
    if stats is not None:
        stats.spans += len(spans)
        stats.lost_spans += len(spans) - len(opened)
    return labels
