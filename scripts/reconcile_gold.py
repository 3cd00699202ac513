"""Make gold-v5 from gold-v4: the same sentences and splits, with the batches' inconsistencies fixed.

    python scripts/reconcile_gold.py [--source gold-v4] [--target gold-v5] [--log work/reconcile/gold-v5]

Two kinds of change, each named by the decision (docs/annotation.md) that makes it:

1. **Per-record edits** (RECORD_EDITS below), for cases a string rule cannot express: a quantity
   that swallowed the names listed before 等N, a body whose span should lose its session number.
   Each edit names the record by key and the span by a short substring; offsets are computed here.
2. **The rulebook** (data/annotations/consistency-rules.json): every violation training.consistency
   finds (a decided string with another type, a decided tag missing, a tag where the rules say
   none) is fixed the same way in every split.

The script refuses to write when an edit does not resolve or a violation is left, prints every
change, and writes the change list (with corpus text) and the counts per rule and split to
LOG.md / LOG.json under work/ (ignored by git).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.annotations import record_problems, record_text  # noqa: E402
from training.consistency import Sentence, apply_fixes, check_rules, load_rulebook, record_key  # noqa: E402
from training.corpus import load_corpus  # noqa: E402

SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Edit:
    """One change to one record. op: add (a new span), shrink (a span of `type` containing
    `string` becomes just `string`), remove (drop the span of `type` containing `string`).
    `within` locates `string` inside a longer, unique anchor when the string alone repeats."""
    key: str
    op: str
    string: str
    type: str
    rule: str
    within: str | None = None


RECORD_EDITS = [
    # 等N: the listed names stay out of the quantity and keep their own type; N larger than the
    # list is a quantity, N equal to it is not; "N大" (六大产业) only structures a list.
    Edit("gwr-2025-黑龙江:10088:10173", "remove", "5大加工产业", "TARGET", "deng-n-lists"),
    Edit("gwr-2025-黑龙江:10088:10173", "add", "玉米", "INDUSTRY", "deng-n-lists"),
    Edit("gwr-2025-黑龙江:10088:10173", "shrink", "7个优势特色产业", "TARGET", "deng-n-lists"),
    Edit("gwr-2025-黑龙江:10088:10173", "add", "食用菌", "INDUSTRY", "deng-n-lists"),
    Edit("gwr-2025-内蒙古:3858:4244", "shrink", "5项标准", "STAT", "deng-n-lists"),
    Edit("xwlb-20230316-07:1058:1115", "shrink", "千余件组", "STAT", "deng-n-lists"),
    Edit("xwlb-20250729-09:192:253", "shrink", "超50多万件", "STAT", "deng-n-lists"),
    Edit("xwlb-20230412-07:324:362", "add", "7个专项", "TARGET", "deng-n-lists"),
    Edit("xwlb-20240508-05:149:197", "add", "9个新兴特色产业", "STAT", "deng-n-lists"),
    # A body inside a meeting's name is the body alone, without the session number.
    Edit("gwr-2025-上海:133:347", "shrink", "人大", "ORG", "bodies-in-meeting-names", within="届人大二次会议"),
    # Place abbreviations standing for a region (在京, 驻闽): 在华 → 华.
    Edit("xwlb-20230726-02:266:306", "add", "华", "REGION", "place-abbreviations", within="在华"),
]


class EditError(ValueError):
    pass


def locate(text: str, edit: Edit) -> tuple[int, int]:
    """Offsets of edit.string in the sentence; the string (or its anchor) must occur exactly once."""
    anchor = edit.within or edit.string
    if text.count(anchor) != 1:
        raise EditError(f"{edit.key}: {anchor!r} occurs {text.count(anchor)} times (need exactly 1)")
    start = text.index(anchor) + anchor.index(edit.string)
    return start, start + len(edit.string)


def apply_edit(text: str, spans: list[list], edit: Edit) -> tuple[list[list], tuple]:
    """The spans after one edit, and (old span or None, new span or None) for the change log."""
    start, end = locate(text, edit)
    if edit.op == "add":
        if any(a < end and start < b for a, b, _ in spans):
            raise EditError(f"{edit.key}: cannot add {edit.string!r}, it overlaps an existing span")
        new = [start, end, edit.type]
        return sorted(spans + [new]), (None, new)
    holders = [s for s in spans if s[0] <= start and end <= s[1] and s[2] == edit.type]
    if len(holders) != 1:
        raise EditError(f"{edit.key}: expected one {edit.type} span containing {edit.string!r}, found {len(holders)}")
    old = holders[0]
    rest = [s for s in spans if s is not old]
    if edit.op == "remove":
        return rest, (old, None)
    if edit.op == "shrink":
        new = [start, end, edit.type]
        return sorted(rest + [new]), (old, new)
    raise EditError(f"{edit.key}: unknown op {edit.op!r}")


def show(text: str, span) -> str:
    return "-" if span is None else f"{text[span[0]:span[1]]}/{span[2]} [{span[0]},{span[1]})"


def reconcile(records: list[dict], corpus: dict, book, edits: list[Edit], split: str):
    """New records for one split after the record edits, the change log rows, the sentences, and
    the keys of edits that found no record here."""
    by_key = defaultdict(list)
    for edit in edits:
        by_key[edit.key].append(edit)
    changes, out, sentences = [], [], []
    for record in records:
        key = record_key(record, "")
        text = record_text(record, corpus)
        spans = [list(s) for s in record["spans"]]
        for edit in by_key.pop(key, []):
            spans, (old, new) = apply_edit(text, spans, edit)
            changes.append({"split": split, "key": key, "rule": edit.rule, "op": edit.op,
                            "old": show(text, old), "new": show(text, new)})
        out.append({**record, "spans": spans})
        sentences.append(Sentence(key, split, text, tuple(map(tuple, spans))))
    return out, changes, sentences, list(by_key)  # by_key keeps the edits whose record is in another split


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", default="gold-v4")
    ap.add_argument("--target", default="gold-v5")
    ap.add_argument("--log", type=Path, default=Path("work/reconcile/gold-v5"))
    args = ap.parse_args()
    corpus, book = load_corpus(), load_rulebook()
    all_changes, outputs, unplaced = [], {}, None
    for split in SPLITS:
        path = Path(f"data/annotations/{args.source}.{split}.jsonl")
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        try:
            out, changes, sentences, left = reconcile(records, corpus, book, RECORD_EDITS, split)
        except EditError as e:
            sys.exit(f"error: {e}")
        unplaced = set(left) if unplaced is None else unplaced & set(left)
        violations = check_rules(sentences, book)
        by_sentence = defaultdict(list)
        for v in violations:
            by_sentence[v.key].append(v)
        for i, s in enumerate(sentences):
            found = by_sentence.get(s.key)
            if not found:
                continue
            if any(v.kind == "list_in_quantity" for v in found):
                sys.exit(f"error: {s.key}: a quantity holds a 等N list; add a RECORD_EDITS entry")
            out[i]["spans"] = apply_fixes(out[i]["spans"], found)
            for v in found:
                old = None if v.kind == "tag" else [v.start, v.end, v.found]
                new = None if v.kind == "no_tag" else [v.start, v.end, v.expected]
                changes.append({"split": split, "key": s.key, "rule": v.rule, "op": v.kind,
                                "old": show(s.text, old), "new": show(s.text, new)})
        for record in out:
            problems = record_problems(record, corpus)
            if problems:
                sys.exit(f"error: {record_key(record, '')}: {'; '.join(problems)}")
        remaining = check_rules([Sentence(record_key(r, ""), split, record_text(r, corpus), tuple(map(tuple, r["spans"])))
                                 for r in out], book)
        if remaining:
            sys.exit(f"error: {len(remaining)} rulebook violation(s) left in {split}, first: {remaining[0]}")
        outputs[split] = out
        all_changes += changes
    if unplaced:
        sys.exit(f"error: no record for edit key(s) {sorted(unplaced)}")

    for split, out in outputs.items():
        with Path(f"data/annotations/{args.target}.{split}.jsonl").open("w", encoding="utf-8") as f:
            for record in out:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
    counts = defaultdict(lambda: {s: {"records": set(), "spans": 0} for s in SPLITS})
    for c in all_changes:
        counts[c["rule"]][c["split"]]["records"].add(c["key"])
        counts[c["rule"]][c["split"]]["spans"] += 1
    summary = {rule: {s: {"records": len(v["records"]), "spans": v["spans"]} for s, v in per.items()}
               for rule, per in sorted(counts.items())}
    args.log.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {args.source} → {args.target}: {len(all_changes)} span changes", ""]
    for c in all_changes:
        line = f"- {c['split']} `{c['key']}` [{c['rule']}] {c['op']}: {c['old']} → {c['new']}"
        lines.append(line)
        print(line)
    Path(f"{args.log}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    Path(f"{args.log}.json").write_text(json.dumps({"changes": all_changes, "per_rule": summary},
                                                   ensure_ascii=False, indent=1), encoding="utf-8")
    print("\nrule: train / dev / test (records, spans)")
    for rule, per in summary.items():
        print(f"  {rule}: " + " / ".join(f"{per[s]['records']}, {per[s]['spans']}" for s in SPLITS))
    totals = Counter(c["split"] for c in all_changes)
    print(f"span changes per split: {dict(totals)}; wrote data/annotations/{args.target}.{{{','.join(SPLITS)}}}.jsonl, "
          f"{args.log}.md and {args.log}.json")


if __name__ == "__main__":
    main()
