"""CLUENER2020 as auxiliary span data, mapped onto our types (others dropped).

name→PER, government→ORG, organization→ORG, company→COMPANY, and place-like address→REGION.
CLUENER end offsets are inclusive; ours are exclusive.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .annotations import Example

TYPE_MAP = {"name": "PER", "government": "ORG", "organization": "ORG", "company": "COMPANY", "address": "REGION"}
# An address is a REGION only when it names an area, not a street address or a building.
_PLACE_LIKE = re.compile(r"^[\u4e00-\u9fff]{2,12}$")
_STREET_PARTS = re.compile(r"[路街道巷号楼室栋层弄院里村口站场馆园校]$|[路街巷号楼室]")


def is_place_like(mention: str) -> bool:
    return bool(_PLACE_LIKE.match(mention)) and not _STREET_PARTS.search(mention)


def convert_record(record: dict) -> Example:
    spans = []
    for cl_type, mentions in record.get("label", {}).items():
        ours = TYPE_MAP.get(cl_type)
        if ours is None:
            continue
        for mention, positions in mentions.items():
            if ours == "REGION" and not is_place_like(mention):
                continue
            for start, end_inclusive in positions:
                spans.append((start, end_inclusive + 1, ours))
    spans.sort()
    # CLUENER has no overlaps in practice; keep the first of any that would collide.
    kept, last_end = [], 0
    for span in spans:
        if span[0] >= last_end:
            kept.append(span)
            last_end = span[1]
    return Example(text=record["text"], spans=kept, themes=None, source="cluener")


def load_cluener(path: Path, limit: int | None = None) -> list[Example]:
    with Path(path).open(encoding="utf-8") as f:
        examples = [convert_record(json.loads(line)) for line in f if line.strip()]
    return examples[:limit] if limit else examples
