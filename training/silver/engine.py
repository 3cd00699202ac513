"""The silver engine: label a corpus document automatically, in the gold record format.

    records = label_document(doc)   # doc: a corpus record {"id", "sha256", "text", "genre", "year", …}

Each record is ANNOTATION.md's stand-off record plus ``"source": "silver"``. Spans come from
quantities.py (TARGET/STAT, typed by sections.py), ner.py (LAC + gazetteer + rules) and are resolved
so that none overlap: a quantity wins over any entity it touches (ANNOTATION.md "Overlap"), then the
longest entity wins (the outer name only: 宁波舟山港集团有限公司 is one COMPANY, no REGION inside).
"""
from __future__ import annotations

import re

from model.sentences import split_sentences

from .ner import find_entities, lac_tokens
from .quantities import find_quantities
from .sections import SentenceContext, document_contexts, quantity_type, sentence_themes

SOURCE = "silver"
# among entities of equal length, the more reliable finder wins
_TYPE_PRIORITY = {"REGION": 0, "PER": 1, "ORG": 2, "COMPANY": 3, "INDUSTRY": 4, "PROJECT": 5, "POLICY": 6}
_PROTECTED = re.compile(r"《[^》]*》|“[^”]*”")


def resolve(quantities: list[tuple[int, int, str]], entities: list[tuple[int, int, str]]) -> list[list]:
    """Non-overlapping spans, quantities first, then entities longest first."""
    chosen: list[tuple[int, int, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in chosen)

    for span in quantities:
        if free(span[0], span[1]):
            chosen.append(span)
    for span in sorted(set(entities), key=lambda x: (-(x[1] - x[0]), _TYPE_PRIORITY[x[2]], x[0])):
        if free(span[0], span[1]):
            chosen.append(span)
    return [list(span) for span in sorted(chosen)]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A span never starts or ends on white space (ANNOTATION.md)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def label_sentence(sentence: str, context: SentenceContext | None = None, tokens=None) -> tuple[list[list], list[str]]:
    """(spans, themes) of one sentence; ``context`` comes from sections.document_contexts."""
    context = context or SentenceContext()
    tokens = lac_tokens(sentence) if tokens is None else tokens
    protected = [m.span() for m in _PROTECTED.finditer(sentence)]
    quantities = [(s, e, quantity_type(sentence, s, context)) for s, e in find_quantities(sentence, protected, tokens)]
    entities = find_entities(sentence, tokens)
    spans = []
    for start, end, label in resolve(quantities, entities):
        start, end = _trim(sentence, start, end)
        if start < end:
            spans.append([start, end, label])
    return spans, sentence_themes(sentence, context)


def contexts_for(doc: dict) -> tuple[list[tuple[int, int]], list[SentenceContext]]:
    sentences = split_sentences(doc["text"])
    return sentences, document_contexts(doc["text"], sentences, doc.get("genre"), doc.get("year"))


def label_document(doc: dict) -> list[dict]:
    """One silver record per sentence of a corpus document."""
    text = doc["text"]
    sentences, contexts = contexts_for(doc)
    records = []
    for (start, end), context in zip(sentences, contexts):
        spans, themes = label_sentence(text[start:end], context)
        records.append({"doc_id": doc["id"], "sha256": doc["sha256"], "sent_start": start, "sent_end": end,
                        "spans": spans, "themes": themes, "source": SOURCE})
    return records
