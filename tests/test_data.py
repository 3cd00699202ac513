"""The project's annotation files pass the validator against the corpus (needs ../shared)."""
from pathlib import Path

import pytest

from training.annotations import validate_file
from training.splits import split_of

ANNOTATIONS = sorted((Path(__file__).resolve().parents[1] / "data" / "annotations").glob("*.jsonl"))


@pytest.mark.parametrize("path", ANNOTATIONS, ids=lambda p: p.name)
def test_annotation_file_is_valid(path, shared_dir):
    from training.corpus import load_corpus
    assert validate_file(path, load_corpus(shared_dir / "corpus" / "documents.jsonl")) == []


@pytest.mark.parametrize("path", ANNOTATIONS, ids=lambda p: p.name)
def test_records_sit_in_the_split_their_file_names(path):
    import json
    split = path.name.split(".")[-2]
    for line in path.read_text(encoding="utf-8").splitlines():
        assert split_of(json.loads(line)["doc_id"]) == split


def test_no_annotation_file_carries_corpus_text():
    for path in ANNOTATIONS:
        assert '"text"' not in path.read_text(encoding="utf-8"), f"{path} copies text; records must be stand-off"
