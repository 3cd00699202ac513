"""Draw the gold TARGET/STAT spans of a gold split for normalisation by annotators (work/qgold/, git-ignored).

Each line: key (doc_id:start:end, absolute offsets), span text and type, the sentence, the document's
title, genre, region and year, and the nearest heading, which is what an annotator needs to say
the value, unit, comparator, change, period and region of the quantity.

    python scripts/make_quantity_batches.py data/annotations/gold-v3.test.jsonl work/qgold/test.jsonl
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from model.labels import QUANTITY_TYPES  # noqa: E402
from training.corpus import load_corpus  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_annotation_batches import sentences_with_section  # noqa: E402


def main():
    source, out = sys.argv[1], Path(sys.argv[2])
    corpus = load_corpus()
    sections = {}
    rows = []
    for line in open(source, encoding="utf-8"):
        record = json.loads(line)
        doc = corpus[record["doc_id"]]
        if record["doc_id"] not in sections:
            sections[record["doc_id"]] = {s: sec for s, _, sec in sentences_with_section(doc["text"])}
        sentence = doc["text"][record["sent_start"]:record["sent_end"]]
        for start, end, kind in record["spans"]:
            if kind not in QUANTITY_TYPES:
                continue
            a, b = record["sent_start"] + start, record["sent_start"] + end
            rows.append({"key": f"{record['doc_id']}:{a}:{b}", "span": doc["text"][a:b], "type": kind,
                         "sentence": sentence, "title": doc["title"], "genre": doc["genre"],
                         "doc_region": doc["region"], "doc_year": doc["year"],
                         "section": sections[record["doc_id"]].get(record["sent_start"], "")})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(out, len(rows))


if __name__ == "__main__":
    main()
