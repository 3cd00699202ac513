"""Draw sentences for annotators into work/annotate/ (git-ignored: it holds corpus text).

Each line: key, doc_id, sent_start, sent_end, split, title, section (nearest heading above), text.
Usage: python scripts/make_annotation_batches.py PLAN.json [--preannotate]   (plan format in main()).

--preannotate adds the silver engine's labels (training/silver) to each line as
"suggested": {"spans": [[substring, TYPE], ...], "themes": [...]} — the annotators' own answer format,
so a suggestion is corrected rather than typed; the import checker reads only the annotators' answers.
"""
from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from model.sentences import split_sentences  # noqa: E402
from training.corpus import load_corpus  # noqa: E402
from training.splits import split_of  # noqa: E402

HEADING = re.compile(r"^\s*(第[一二三四五六七八九十]+[章部分]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


def sentences_with_section(text: str):
    section = ""
    for start, end in split_sentences(text):
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        line = text[line_start: line_end if line_end >= 0 else len(text)]
        if HEADING.match(line) and len(line) < 60:
            section = line.strip()
        yield start, end, section


QUANTITY = re.compile(r"\d|[一二三四五六七八九十百千万亿两]+(?:个|家|项|亿|万|倍|%|成)|百分")


def already_annotated() -> set[tuple[str, int]]:
    done = set()
    for path in Path("data/annotations").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            done.add((r["doc_id"], r["sent_start"]))
    return done


def draw(plan: dict, seed: int = 7) -> list[dict]:
    """Sample sentences per document, skipping annotated ones; ``quantity_share`` of each sample
    (if set) is drawn from sentences with a number, so targets and results are well represented."""
    corpus = load_corpus()
    rng = random.Random(seed)
    done = already_annotated()
    share = plan.get("quantity_share", 0.0)
    taken = []
    for doc_id, n in plan["docs"].items():
        doc = corpus[doc_id]
        cands = [(s, e, sec) for s, e, sec in sentences_with_section(doc["text"])
                 if 4 <= e - s <= 400 and (doc_id, s) not in done]
        with_number = [c for c in cands if QUANTITY.search(doc["text"][c[0]:c[1]])]
        first = rng.sample(with_number, min(int(n * share), len(with_number)))
        rest = [c for c in cands if c not in set(first)]
        picked = sorted(first + rng.sample(rest, min(n - len(first), len(rest))))
        for s, e, sec in picked:
            taken.append({"key": f"{doc_id}:{s}:{e}", "doc_id": doc_id, "sent_start": s, "sent_end": e,
                          "split": split_of(doc_id), "title": doc["title"], "section": sec,
                          "text": doc["text"][s:e]})
    return taken


def preannotate(rows: list[dict]) -> None:
    """Silver suggestions per drawn sentence, with its document's section context (review/plan, heading)."""
    from training.silver.engine import contexts_for, label_sentence
    corpus = load_corpus()
    contexts = {}
    for row in rows:
        doc = corpus[row["doc_id"]]
        if row["doc_id"] not in contexts:
            sentences, ctx = contexts_for(doc)
            contexts[row["doc_id"]] = dict(zip(sentences, ctx))
        spans, themes = label_sentence(row["text"], contexts[row["doc_id"]].get((row["sent_start"], row["sent_end"])))
        row["suggested"] = {"spans": [[row["text"][s:e], label] for s, e, label in spans], "themes": themes}


def main():
    args = [a for a in sys.argv[1:] if a != "--preannotate"]
    plan = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    rows = draw(plan, plan.get("seed", 7))
    if "--preannotate" in sys.argv:
        preannotate(rows)
    out_dir = Path("work/annotate")
    out_dir.mkdir(parents=True, exist_ok=True)
    per = plan["batch_size"]
    # keep a document's sentences together so one annotator sees its context
    batches, current = [], []
    for row in rows:
        if len(current) >= per and row["doc_id"] != current[-1]["doc_id"]:
            batches.append(current)
            current = []
        current.append(row)
    batches.append(current)
    for i, batch in enumerate(batches, plan.get("first_batch", 1)):
        path = out_dir / f"{plan['name']}-{i:02d}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in batch), encoding="utf-8")
        print(path, len(batch))


if __name__ == "__main__":
    main()
