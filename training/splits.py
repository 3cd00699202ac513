"""Document-level train/dev/test splits, fixed in data/splits.json.

Reports, policy documents and meeting news are listed by id; the ~19,500 TV news items follow a
recorded hash rule so the file stays small. The test split is never used to choose anything.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

SPLITS_PATH = Path(__file__).resolve().parent.parent / "data" / "splits.json"


def hash_bucket(doc_id: str, buckets: int = 10) -> int:
    return int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest(), 16) % buckets


@lru_cache(maxsize=1)
def _table(path: Path = SPLITS_PATH) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def split_of(doc_id: str) -> str:
    table = _table()
    for split in ("train", "dev", "test"):
        if doc_id in table["listed"][split]:
            return split
    rule = table["hash_rule"]  # for documents not listed (TV news, text written by the project)
    bucket = hash_bucket(doc_id, rule["buckets"])
    if bucket in rule["test"]:
        return "test"
    if bucket in rule["dev"]:
        return "dev"
    return "train"
