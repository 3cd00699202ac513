"""Access to the shared corpus (../shared/corpus/documents.jsonl), which never enters the repo."""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("POLICYTAGGER_SHARED", PROJECT_ROOT.parent / "shared"))
CORPUS_PATH = SHARED_DIR / "corpus" / "documents.jsonl"
CLUENER_DIR = SHARED_DIR / "ner" / "cluener2020"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=2)
def load_corpus(path: Path = CORPUS_PATH, keep=None) -> dict[str, dict]:
    """Documents by id (all, or those whose record ``keep(record)`` accepts, to save memory).
    Raises FileNotFoundError naming the expected location."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"corpus not found at {path}: put the shared folder beside the checkout "
            "or set POLICYTAGGER_SHARED to its location"
        )
    with path.open(encoding="utf-8") as f:
        return {doc["id"]: doc for doc in map(json.loads, f) if keep is None or keep(doc)}


def corpus_for(paths) -> dict[str, dict] | None:
    """The corpus when any of these annotation files points into it; None for inline-text files."""
    for path in paths:
        with Path(path).open(encoding="utf-8") as f:
            if any('"doc_id"' in line for line in f):
                return load_corpus()
    return None
