"""Reading documents for the CLI: plain text files, JSON Lines ({"id", "text"}, optionally
"region", "year", "genre" for attributing quantities), folders of them, or stdin.

JSON Lines are streamed line by line (a file of any size reads in constant memory), and each line is
decoded on its own, so undecodable bytes lose only their line. Bad records never stop a batch: each is
yielded as a ``BadRecord`` with its reason.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from model.attribution import check_meta

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
INPUT_SUFFIXES = (".txt", *JSONL_SUFFIXES)  # what a folder contributes; anything else is skipped
_BOM = b"\xef\xbb\xbf"


@dataclass
class InputDocument:
    id: str
    text: str
    meta: dict | None = None  # region / year / genre, when a JSON Lines record gives them
    source: str | None = None  # where it was read: file (or "stdin") and line (None: a whole text file)
    line: int | None = None


@dataclass
class BadRecord:
    source: str
    line: int | None  # None: the whole file (missing, or a text file that is not UTF-8)
    reason: str
    id: str | None = None  # when the record names one

    @property
    def where(self) -> str:
        """``file:line`` (or the file alone), as messages name the record."""
        return f"{self.source}:{self.line}" if self.line else self.source

    def to_dict(self) -> dict:
        """The errors file's schema: {"source", "line", "id", "reason"}."""
        return {"source": self.source, "line": self.line, "id": self.id, "reason": self.reason}


@dataclass
class InputFile:
    path: Path | None  # None: stdin
    source: str        # how records name it: the path as given or as found in a folder, or "stdin"
    text_id: str       # the id of the one document a plain text file makes

    @property
    def is_jsonl(self) -> bool:
        return self.path is not None and self.path.suffix.lower() in JSONL_SUFFIXES


@dataclass
class Inputs:
    files: list[InputFile]
    skipped: list[Path]  # files inside folders that are not .txt/.jsonl/.ndjson/.json


def find_inputs(paths: Iterable[Path], suffixes: tuple[str, ...] = INPUT_SUFFIXES) -> Inputs:
    """The files to read: paths as given (``-`` or none: stdin), folders walked recursively in sorted
    order, keeping files with one of ``suffixes``. Hidden folders (.git, ...) are not entered. A missing
    path stays in the list: reading it reports it as a bad record, in its place."""
    files, skipped = [], []
    for path in list(paths) or [Path("-")]:
        if str(path) == "-":
            files.append(InputFile(None, "stdin", "stdin"))
        elif path.is_dir():
            for found in _walk(path):
                if found.suffix.lower() in suffixes:
                    # ids of text files found in a folder are their path inside it: unique, unlike names
                    files.append(InputFile(found, str(found), found.relative_to(path).as_posix()))
                else:
                    skipped.append(found)
        else:
            files.append(InputFile(path, str(path), path.name))
    return Inputs(files, skipped)


def _walk(folder: Path) -> list[Path]:
    """Every file under a folder, sorted by its path inside it (a/b/y.txt, a/x.txt, b.txt)."""
    found = []
    for root, dirs, names in os.walk(folder):  # does not follow links to folders: no cycles
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(root) / name for name in names]
    return sorted(found, key=lambda path: path.relative_to(folder).parts)


def parse_line(raw: bytes | str, source: str, line: int) -> InputDocument | BadRecord | None:
    """One JSON Lines record → an InputDocument, or a BadRecord saying what is wrong; None for a blank
    line. Pure: the same line, source and number always give the same result (a record without an
    id gets ``source:line``)."""
    if isinstance(raw, bytes):
        if line == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM):]
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            return BadRecord(source, line, f"not valid UTF-8 (byte {err.start} of the line)")
    elif line == 1:
        raw = raw.removeprefix("\ufeff")
    if not raw.strip():
        return None
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as err:
        return BadRecord(source, line, f"invalid JSON: {err.msg} at column {err.colno}")
    return parse_record(record, source, line)


def parse_record(record: object, source: str, line: int) -> InputDocument | BadRecord:
    """A decoded record (a JSON Lines object, or a Parquet row as a dict) → an InputDocument, or a
    BadRecord saying what is wrong. Pure, like ``parse_line``."""
    if not isinstance(record, dict):
        return BadRecord(source, line, "expected a JSON object with 'id' and 'text'")
    doc_id = record.get("id")
    if doc_id is not None and (isinstance(doc_id, bool) or not isinstance(doc_id, (str, int))):
        return BadRecord(source, line, f"'id' must be a string or an integer, got {type(doc_id).__name__}")
    doc_id = str(doc_id) if doc_id is not None else None
    if not isinstance(record.get("text"), str):
        return BadRecord(source, line, "missing or non-string 'text' field", doc_id)
    try:
        meta = check_meta(record)
    except ValueError as err:
        return BadRecord(source, line, str(err), doc_id)
    return InputDocument(doc_id if doc_id is not None else f"{source}:{line}", record["text"], meta, source, line)


def parse_jsonl(lines: Iterable[bytes | str], source: str) -> Iterator[InputDocument | BadRecord]:
    """Records of JSON Lines, numbered from 1; blank lines are skipped (but counted)."""
    for number, raw in enumerate(lines, 1):
        item = parse_line(raw, source, number)
        if item is not None:
            yield item


def read_file(file: InputFile, stdin: BinaryIO | None = None) -> Iterator[InputDocument | BadRecord]:
    """The records of one input: every line of a JSON Lines file, or one document per text file."""
    if file.path is None:
        yield from _read_stdin(stdin or sys.stdin.buffer)
        return
    if not file.path.exists():
        yield BadRecord(file.source, None, "file does not exist")
        return
    if file.path.is_dir():  # only when a folder is named as a file (find_inputs walks folders)
        yield BadRecord(file.source, None, "is a folder")
        return
    if file.is_jsonl:
        with file.path.open("rb") as f:  # binary lines: '\n' only, each decoded on its own
            yield from parse_jsonl(f, file.source)
    else:
        yield _text_document(file.path.read_bytes(), file.source, file.text_id)


def _read_stdin(stream: BinaryIO) -> Iterator[InputDocument | BadRecord]:
    """JSON Lines when the first non-blank line starts with '{' (streamed), else one text document."""
    head = []
    for raw in stream:
        head.append(raw)
        if raw.strip():
            break
    first = head[-1].removeprefix(_BOM).lstrip() if head else b""
    if first.startswith(b"{"):
        yield from parse_jsonl(chain(head, stream), "stdin")
    else:
        yield _text_document(b"".join(head) + stream.read(), "stdin", "stdin")


def _text_document(data: bytes, source: str, doc_id: str) -> InputDocument | BadRecord:
    try:
        return InputDocument(doc_id, data.decode("utf-8-sig"), None, source)
    except UnicodeDecodeError as err:
        # Only JSON Lines can be salvaged line by line; a text file must be valid UTF-8 as a whole.
        return BadRecord(source, None, f"not valid UTF-8 (byte {err.start}): convert the file to UTF-8", doc_id)


def read_documents(paths: Iterable[Path]) -> Iterator[InputDocument | BadRecord]:
    """Documents from files and folders (``-`` or none: stdin), in order."""
    for file in find_inputs(paths).files:
        yield from read_file(file)


def count_records(file: InputFile) -> int | None:
    """About how many records a file holds, cheaply (JSON Lines: its lines, blank ones included);
    None for stdin or a file that cannot be read."""
    if file.path is None:
        return None
    if not file.is_jsonl:
        return 1
    try:
        lines, last = 0, b"\n"
        with file.path.open("rb") as f:
            while block := f.read(1 << 20):
                lines += block.count(b"\n")
                last = block[-1:]
        return lines + (last != b"\n")
    except OSError:
        return 1  # reading it will report the problem as one bad record


class UniqueIds:
    """Turns the second and later documents with an id into BadRecords naming where it first came
    (resuming, and anyone joining on ids, need one record per id)."""

    def __init__(self):
        self.first_seen: dict[str, tuple[str | None, int | None]] = {}  # id → (source, line)

    def check(self, item: InputDocument | BadRecord) -> InputDocument | BadRecord:
        if isinstance(item, BadRecord):
            return item
        first = self.first_seen.get(item.id)
        if first is None:
            self.first_seen[item.id] = (item.source, item.line)
            return item
        where = f"{first[0]}:{first[1]}" if first[1] else str(first[0])
        return BadRecord(str(item.source), item.line, f"duplicate id {item.id!r}: first seen at {where}", item.id)
