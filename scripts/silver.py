"""Label the corpus with the silver engine (train-split documents only) into stand-off JSONL.

    python scripts/silver.py                                   # every train-split document
    python scripts/silver.py --tv-news 3000                    # reports, policies, meeting + 3,000 TV news items
    python scripts/silver.py --limit 20 --genre government_work_report --out runs/silver/try.jsonl

Writes runs/silver/silver.jsonl (git-ignored: generated from corpus, never committed) and a summary with
the speed beside it (silver.summary.json). Dev and test documents are never written (asserted per
record); sentences with gold records are left out.
"""
from __future__ import annotations

import argparse
import glob
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn  # noqa: E402

from training.corpus import CORPUS_PATH  # noqa: E402
from training.silver.corpus_run import GOLD_FILES, gold_sentence_keys, label_corpus, select_documents  # noqa: E402


def read_documents(path: Path):
    with path.open(encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(CORPUS_PATH))
    ap.add_argument("--out", default="runs/silver/silver.jsonl")
    ap.add_argument("--genre", action="append", help="only these genres (repeatable)")
    ap.add_argument("--tv-news", type=int, help="a seeded sample of this many train-split TV news items")
    ap.add_argument("--limit", type=int, help="only the first N chosen documents")
    ap.add_argument("--seed", type=int, default=20261122)
    args = ap.parse_args()

    documents = select_documents(read_documents(Path(args.corpus)), set(args.genre or []), args.tv_news,
                                 args.limit, args.seed)
    gold_keys = gold_sentence_keys(sorted(glob.glob(GOLD_FILES)))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    counts, spans, started = Counter(), Counter(), time.perf_counter()
    columns = (TextColumn("silver"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
               TextColumn("{task.fields[info]}"))
    with out.open("w", encoding="utf-8") as f, Progress(*columns) as progress:
        task = progress.add_task("", total=len(documents), info="")
        for doc in documents:
            n = 0
            for record in label_corpus([doc], gold_keys):
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                spans.update(label for _, _, label in record["spans"])
                n += 1
            counts["documents"] += 1
            counts["sentences"] += n
            counts[f"documents:{doc.get('genre')}"] += 1
            counts[f"sentences:{doc.get('genre')}"] += n
            counts["characters"] += len(doc["text"])
            elapsed = time.perf_counter() - started
            progress.update(task, advance=1, info=f"{counts['sentences'] / elapsed:.0f} sentences/s")
    seconds = time.perf_counter() - started
    summary = {"out": str(out), "seconds": round(seconds, 1), "documents_per_second": round(counts["documents"] / seconds, 2),
               "sentences_per_second": round(counts["sentences"] / seconds, 1),
               "characters_per_second": round(counts["characters"] / seconds), "counts": dict(counts),
               "spans": dict(spans), "selection": {"genre": args.genre, "tv_news": args.tv_news, "limit": args.limit,
                                                   "seed": args.seed, "split": "train"}}
    out.with_suffix(".summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
