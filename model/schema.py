"""The analyser's output: a document with sentences and spans, all offsets into the document text."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Theme:
    label: str
    score: float


@dataclass
class Span:
    start: int
    end: int
    type: str
    text: str
    score: float
    quantity: object | None = None  # model.quantities.Quantity for TARGET/STAT spans


@dataclass
class Sentence:
    start: int
    end: int
    themes: list[Theme] = field(default_factory=list)


@dataclass
class Document:
    text: str
    sentences: list[Sentence] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    id: str | None = None
    # what the caller knows about the document (region, year, genre): fills in a quantity's
    # region and period where its sentence names none
    meta: dict = field(default_factory=dict)

    def to_dict(self, include_text: bool = False) -> dict:
        """The JSON Lines schema: {"id", "sentences": [...], "spans": [...]} (text on request)."""
        out = {"id": self.id}
        if self.meta:
            out["meta"] = self.meta
        if include_text:
            out["text"] = self.text
        out["sentences"] = [asdict(s) for s in self.sentences]
        out["spans"] = []
        for span in self.spans:
            row = asdict(span)
            if span.quantity is None:
                del row["quantity"]
            out["spans"].append(row)
        return out

    def sentence_text(self, sentence: Sentence) -> str:
        return self.text[sentence.start:sentence.end]

    def spans_in(self, sentence: Sentence) -> list[Span]:
        return [s for s in self.spans if sentence.start <= s.start and s.end <= sentence.end]

    def spans_by_sentence(self) -> list[list[Span]]:
        """The spans of each sentence, in one pass over both (spans and sentences are in text order;
        calling spans_in per sentence would be quadratic on long documents)."""
        groups = [[] for _ in self.sentences]
        k = 0
        for span in self.spans:
            while k < len(self.sentences) and self.sentences[k].end < span.end:
                k += 1
            if k < len(self.sentences) and self.sentences[k].start <= span.start:
                groups[k].append(span)
        return groups
