"""Report annotation inconsistencies across sentences (logic in training/consistency.py).

    python scripts/consistency.py data/annotations/gold-v4.*.jsonl --out work/consistency/gold-v4
    python scripts/consistency.py data/annotations/gold-v5.*.jsonl --out work/consistency/gold-v5 \
        --batches 'work/annotate/gold*-??.jsonl'

Without --no-rules the rulebook (data/annotations/consistency-rules.json) is applied: its
violations are listed, and disagreements it explains are only counted. Exit status 1 when the
rulebook is violated, so the check can gate a new batch. Writes OUT.md and OUT.json (both quote corpus text, so OUT belongs under work/, which git ignores)
and prints the counts. --batches names each example by the annotation batch its key was drawn in
(batch files with a "key" per line, as scripts/make_annotation_batches.py writes them).
"""
from __future__ import annotations

import argparse
import glob
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.annotations import AnnotationError  # noqa: E402
from training.consistency import RULEBOOK_PATH, find_inconsistencies, load_rulebook, load_sentences, report_markdown  # noqa: E402
from training.corpus import corpus_for  # noqa: E402


def batch_of_keys(pattern: str) -> dict[str, str]:
    batches = {}
    for path in sorted(glob.glob(pattern)):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                batches[json.loads(line)["key"]] = Path(path).stem
    return batches


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True, help="path prefix for OUT.md and OUT.json (under work/)")
    ap.add_argument("--batches", help="glob of batch files mapping record keys to annotation batches")
    ap.add_argument("--examples", type=int, default=5, help="examples kept per type / per string")
    ap.add_argument("--rules", type=Path, default=RULEBOOK_PATH, help="the rulebook of decided strings")
    ap.add_argument("--no-rules", action="store_true", help="report raw disagreements, without the rulebook")
    args = ap.parse_args()
    try:
        sentences = load_sentences(args.files, corpus_for(args.files))
        book = None if args.no_rules else load_rulebook(args.rules)
    except (AnnotationError, FileNotFoundError, ValueError) as e:
        sys.exit(f"error: {e}")
    if args.batches:
        batches = batch_of_keys(args.batches)
        sentences = [replace(s, source=batches.get(s.key, s.source)) for s in sentences]
    report = find_inconsistencies(sentences, examples=args.examples, book=book)
    md, js = Path(f"{args.out}.md"), Path(f"{args.out}.json")  # not with_suffix: gold-v4.x would lose ".x"
    md.parent.mkdir(parents=True, exist_ok=True)
    js.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    md.write_text(report_markdown(report, sentences), encoding="utf-8")
    print(json.dumps(report.summary(), ensure_ascii=False))
    print(f"wrote {md} and {js}")
    if report.violations:
        sys.exit(f"{len(report.violations)} rulebook violation(s): see {md}")


if __name__ == "__main__":
    main()
