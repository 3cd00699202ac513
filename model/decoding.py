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
