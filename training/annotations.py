"""Stand-off annotation records (ANNOTATION.md "Records"): load, validate, and build from substrings.

A record points into a corpus document by ``doc_id`` + ``sha256`` + ``[sent_start, sent_end)``, or
carries its own ``text`` (sentences the project wrote). Span offsets are relative to the sentence.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from model.labels import SPAN_TYPES, THEMES


class AnnotationError(ValueError):
    """A record that cannot be used, with the file and line it came from."""


@dataclass
class Example:
    """One annotated sentence, joined with its text."""
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    themes: list[str] | None = None  # None: themes not annotated (e.g. CLUENER sentences)
    doc_id: str | None = None
    source: str = "gold"


def record_problems(record: dict, corpus: dict | None) -> list[str]:
    """Everything wrong with one record; an empty list means it is valid."""
    problems = []
    if "text" in record:
        text = record["text"]
        if not isinstance(text, str) or not text:
            return ["'text' must be a non-empty string"]
    else:
        missing = [k for k in ("doc_id", "sha256", "sent_start", "sent_end") if k not in record]
        if missing:
            return [f"missing field(s) {missing} (or give inline 'text')"]
        if corpus is None:
            return ["record points into the corpus but no corpus is available"]
        doc = corpus.get(record["doc_id"])
        if doc is None:
            return [f"unknown doc_id {record['doc_id']!r}"]
        if doc["sha256"] != record["sha256"]:
            return [f"sha256 mismatch for {record['doc_id']!r}: the record was made against another "
                    "version of the document; re-annotate or fix the record"]
        s, e = record["sent_start"], record["sent_end"]
        if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(doc["text"])):
            return [f"sentence offsets [{s}, {e}) outside the document (length {len(doc['text'])})"]
        text = doc["text"][s:e]
    last_end = 0
    for span in sorted(record.get("spans", []), key=lambda x: (x[0], x[1])):
        if not (isinstance(span, list) and len(span) == 3):
            problems.append(f"span {span!r} is not [start, end, type]")
            continue
        start, end, label = span
        if label not in SPAN_TYPES:
            problems.append(f"span {span!r}: type {label!r} is not one of {list(SPAN_TYPES)}")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            problems.append(f"span {span!r}: offsets outside the sentence (length {len(text)})")
            continue
        if start < last_end:
            problems.append(f"span {span!r} overlaps the span before it")
        if text[start].isspace() or text[end - 1].isspace():
            problems.append(f"span {span!r} starts or ends on white space")
        last_end = max(last_end, end)
    themes = record.get("themes", [])
    if not isinstance(themes, list) or any(t not in THEMES for t in themes):
        problems.append(f"themes {themes!r}: each must be one of {list(THEMES)}")
    return problems


def record_text(record: dict, corpus: dict | None) -> str:
    if "text" in record:
        return record["text"]
    return corpus[record["doc_id"]]["text"][record["sent_start"]:record["sent_end"]]


def read_jsonl(path: Path):
    """Yield (line number, parsed object or the JSON error) for each non-blank line."""
    with Path(path).open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as err:
                yield number, err


def validate_file(path: Path, corpus: dict | None) -> list[str]:
    """Problems of a whole annotation file as 'FILE:LINE: message' strings."""
    problems = []
    for number, record in read_jsonl(path):
        if isinstance(record, json.JSONDecodeError):
            problems.append(f"{path}:{number}: invalid JSON ({record.msg})")
            continue
        problems += [f"{path}:{number}: {p}" for p in record_problems(record, corpus)]
    return problems


def valid_records(path: Path, corpus: dict | None) -> Iterator[tuple[int, dict]]:
    """``(line number, record)`` of an annotation file; the first bad record raises AnnotationError naming it."""
    for number, record in read_jsonl(path):
        if isinstance(record, json.JSONDecodeError):
            raise AnnotationError(f"{path}:{number}: invalid JSON ({record.msg})")
        problems = record_problems(record, corpus)
        if problems:
            raise AnnotationError(f"{path}:{number}: " + "; ".join(problems))
        yield number, record


def load_examples(path: Path, corpus: dict | None) -> list[Example]:
    """Load a valid annotation file; the first bad record raises AnnotationError naming it."""
    examples = []
    for _, record in valid_records(path, corpus):
        examples.append(Example(
            text=record_text(record, corpus),
            spans=[tuple(s) for s in record.get("spans", [])],
            themes=list(record.get("themes", [])),
            doc_id=record.get("doc_id"),
        ))
    return examples


def spans_from_substrings(text: str, items: list) -> list[list]:
    """Turn ``[[substring, TYPE], ...]`` (in reading order) into ``[[start, end, TYPE], ...]``.

    Each substring is searched from the end of the previous one, so repeated strings resolve to
    successive occurrences; an optional third element gives an explicit start offset hint.
    """
    spans, cursor = [], 0
    for item in items:
        piece, label = item[0], item[1]
        if not piece:
            raise AnnotationError(f"empty substring for type {label}")
        start = text.find(piece, item[2] if len(item) > 2 else cursor)
        if start < 0:
            start = text.find(piece)
            if start < 0:
                raise AnnotationError(f"substring {piece!r} ({label}) not found in sentence")
            if start < cursor:
                raise AnnotationError(f"substring {piece!r} ({label}) is out of reading order")
        spans.append([start, start + len(piece), label])
        cursor = start + len(piece)
    return spans
