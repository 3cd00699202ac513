"""Sentence splitting exactly as ANNOTATION.md defines it.

A sentence ends after 。！？ together with any closing quotes/brackets that follow, or at a line
break; ；does not end a sentence. Leading and trailing white space is not part of a sentence, and
blank stretches yield nothing. Offsets are Python string indices into the original text.
"""
from __future__ import annotations

import re

_TERMINATORS = "。！？"
_CLOSERS = "”’」』）)】》〉\"'"
# One sentence: anything up to and including a terminator run (plus closers), or up to a newline.
_SENTENCE = re.compile(rf"[^\n]*?[{_TERMINATORS}]+[{re.escape(_CLOSERS)}]*|[^\n]+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``[start, end)`` offsets of the sentences of ``text``, in order."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans
