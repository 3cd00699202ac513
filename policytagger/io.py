"""Reading documents for the CLI: plain text files, JSON Lines ({"id", "text"}, optionally
"region", "year", "genre" for attributing quantities) or stdin.

Bad records never stop a batch: each is yielded as a ``BadRecord`` with its reason.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from model.attribution import check_meta


@dataclass
class InputDocument:
    id: str
    text: str
    meta: dict | None = None  # region / year / genre, when a JSON Lines record gives them


@dataclass
class BadRecord:
    source: str
    line: int | None
    reason: str


def _is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in {".jsonl", ".ndjson", ".json"}


def parse_jsonl(lines, source: str) -> Iterator[InputDocument | BadRecord]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield BadRecord(source, number, f"invalid JSON: {err.msg} at column {err.colno}")
            continue
        if not isinstance(record, dict):
            yield BadRecord(source, number, "expected a JSON object with 'id' and 'text'")
        elif not isinstance(record.get("text"), str):
            yield BadRecord(source, number, "missing or non-string 'text' field")
        else:
            try:
                meta = check_meta(record)
            except ValueError as err:
                yield BadRecord(source, number, str(err))
                continue
            doc_id = record.get("id")
            yield InputDocument(str(doc_id) if doc_id is not None else f"{source}:{number}", record["text"], meta)


def read_documents(paths: list[Path]) -> Iterator[InputDocument | BadRecord]:
    """Documents from files (``-`` or none: stdin). JSON Lines by extension or content."""
    if not paths:
        paths = [Path("-")]
    for path in paths:
        if str(path) == "-":
            data = sys.stdin.buffer.read()
            source = "stdin"
        else:
            if not path.exists():
                yield BadRecord(str(path), None, "file does not exist")
                continue
            if path.is_dir():
                yield BadRecord(str(path), None, "is a folder: pass the files inside it")
                continue
            data = path.read_bytes()
            source = str(path)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            # Only JSON Lines can be salvaged line by line; a text file must be valid UTF-8 as a whole.
            if source != "stdin" and _is_jsonl(path):
                yield from _salvage_lines(data, source)
            else:
                yield BadRecord(source, None, f"not valid UTF-8 (byte {err.start}): convert the file to UTF-8")
            continue
        as_jsonl = _is_jsonl(path) if source != "stdin" else text.lstrip().startswith("{")
        if as_jsonl:
            yield from parse_jsonl(text.splitlines(), source)
        else:
            yield InputDocument(Path(source).name if source != "stdin" else "stdin", text)


def _salvage_lines(data: bytes, source: str) -> Iterator[InputDocument | BadRecord]:
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            yield BadRecord(source, number, f"not valid UTF-8 (byte {err.start} of the line)")
            continue
        for item in parse_jsonl([line], source):
            if isinstance(item, BadRecord):
                item.line = number
            elif item.id == f"{source}:1":
                item.id = f"{source}:{number}"
            yield item
