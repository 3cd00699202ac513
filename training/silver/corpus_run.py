"""Label many corpus documents for training: only train-split documents, never a gold sentence.

Dev and test documents must never reach a silver training file (the model would be trained on the text
it is measured on), so the filter is applied when documents are chosen and asserted again on every
record written. Sentences that have gold records (any split, any gold version) are left out so silver
labels never contradict gold ones on the same text.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from training.splits import split_of

from .engine import label_document

GOLD_FILES = "data/annotations/gold-v*.jsonl"


class SplitLeak(AssertionError):
    """A record of a dev or test document was about to be written to a silver training file."""


def gold_sentence_keys(paths: Iterable[Path]) -> set[tuple[str, int, int]]:
    """(doc_id, sent_start, sent_end) of every gold record in these files."""
    keys = set()
    for path in paths:
        with Path(path).open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    if "doc_id" in record:
                        keys.add((record["doc_id"], record["sent_start"], record["sent_end"]))
    return keys


def select_documents(documents: Iterable[dict], genres: set[str] | None = None, tv_news: int | None = None,
                     limit: int | None = None, seed: int = 0) -> list[dict]:
    """Train-split documents of the chosen genres; ``tv_news`` keeps a seeded sample of that many TV news
    items (the genre is 77% of the corpus); ``limit`` keeps the first N after that.

    An id that occurs twice keeps its last document, the one training/corpus.load_corpus resolves records
    against (the corpus lists policy-cn-001 … policy-cn-055 twice with different texts)."""
    documents = list(documents)
    last = {d["id"]: index for index, d in enumerate(documents)}
    chosen = [d for index, d in enumerate(documents) if last[d["id"]] == index and split_of(d["id"]) == "train"
              and (not genres or d.get("genre") in genres)]
    if tv_news is not None:
        tv = [d for d in chosen if d.get("genre") == "tv_news"]
        keep = {d["id"] for d in random.Random(seed).sample(tv, min(tv_news, len(tv)))}
        chosen = [d for d in chosen if d.get("genre") != "tv_news" or d["id"] in keep]
    return chosen[:limit] if limit is not None else chosen


def label_corpus(documents: Iterable[dict], gold_keys: set[tuple[str, int, int]] = frozenset(),
                 label: Callable[[dict], list[dict]] = label_document) -> Iterator[dict]:
    """Silver records of train-split documents, gold sentences left out. Raises SplitLeak on any other
    document (callers pass select_documents' output; this is the last line of defence)."""
    for doc in documents:
        if split_of(doc["id"]) != "train":
            raise SplitLeak(f"document {doc['id']!r} is in the {split_of(doc['id'])} split: "
                            "silver training data may only come from train documents")
        for record in label(doc):
            if (record["doc_id"], record["sent_start"], record["sent_end"]) in gold_keys:
                continue
            assert split_of(record["doc_id"]) == "train", record["doc_id"]
            yield record
