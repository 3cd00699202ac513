"""The inference module: ``Analyzer.load(path)`` then ``analyzer(text)`` or ``analyze_batch(texts)``."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import torch

from .attribution import check_meta
from .decoding import decode_spans, trim_span
from .folder import load_model
from .quantities import attach_quantities
from .schema import Document, Sentence, Span, Theme
from .sentences import split_sentences

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default"
_SOFT_BREAKS = "，；、：,;:"


def _segments(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut a long sentence into pieces of at most ``max_chars``, preferably after a comma or semicolon."""
    pieces = []
    while end - start > max_chars:
        window = text[start:start + max_chars]
        cut = max(window.rfind(c) for c in _SOFT_BREAKS) + 1
        if cut < max_chars // 2:  # no comma in a useful place: hard cut
            cut = max_chars
        pieces.append((start, start + cut))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


class Analyzer:
    """Sentences, themes and spans for Chinese policy text, from a saved model folder."""

    def __init__(self, network, tokenizer, meta, batch_size: int = 32):
        self.network, self.tokenizer, self.meta = network, tokenizer, meta
        self.batch_size = batch_size
        self.thresholds = np.array([meta.theme_thresholds.get(t, 0.5) for t in meta.themes], dtype=np.float32)

    @classmethod
    def load(cls, path: str | Path | None = None, threads: int | None = None, batch_size: int = 32) -> "Analyzer":
        """Load a model folder (default: the model shipped with policytagger)."""
        if threads:
            torch.set_num_threads(threads)
        network, tokenizer, meta = load_model(Path(path) if path else DEFAULT_MODEL_DIR)
        return cls(network, tokenizer, meta, batch_size=batch_size)

    @property
    def labels(self) -> dict:
        return {"span_types": sorted({t.split("-", 1)[1] for t in self.meta.tags if t != "O"}),
                "themes": list(self.meta.themes)}

    def __call__(self, text: str) -> Document:
        return self.analyze(text)

    def analyze(self, text: str, id: str | None = None, meta: dict | None = None) -> Document:
        """One document; ``meta`` ({"region", "year", "genre"}) attributes quantities whose sentence names none."""
        return self.analyze_batch([text], ids=[id], metas=[meta])[0]

    def analyze_batch(self, texts: Sequence[str], ids: Sequence[str | None] | None = None,
                      metas: Sequence[dict | None] | None = None, progress=None) -> list[Document]:
        """Analyse many documents together; ``progress(n)`` is called as segments finish."""
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"document {i}: text must be a string, got {type(text).__name__}")
        ids = list(ids) if ids is not None else [None] * len(texts)
        metas = list(metas) if metas is not None else [None] * len(texts)
        if not len(ids) == len(metas) == len(texts):
            raise ValueError(f"got {len(texts)} texts, {len(ids)} ids and {len(metas)} metas: pass one of each per document")
        checked = []
        for i, meta in enumerate(metas):
            try:
                checked.append(check_meta(meta))
            except ValueError as e:
                raise ValueError(f"document {i}: {e}") from None
        docs = [Document(text=t, id=i, meta=m) for t, i, m in zip(texts, ids, checked)]
        # (doc index, sentence index, start, end) for every piece the encoder sees
        segments = []
        for d, doc in enumerate(docs):
            for s, (start, end) in enumerate(split_sentences(doc.text)):
                doc.sentences.append(Sentence(start, end))
                segments += [(d, s, a, b) for a, b in _segments(doc.text, start, end, self.meta.max_length - 2)]
        theme_probs = {}
        for batch in self._batches(segments):
            for (d, s, a, b), tag_probs, offsets, themes in self._predict(docs, batch):
                text = docs[d].text
                for start, end, label, score in decode_spans(tag_probs, offsets, self.meta.tags):
                    trimmed = trim_span(text, a + start, a + end)
                    if trimmed:
                        docs[d].spans.append(Span(*trimmed, label, text[trimmed[0]:trimmed[1]], round(score, 4)))
                key = (d, s)
                theme_probs[key] = np.maximum(theme_probs[key], themes) if key in theme_probs else themes
            if progress:
                progress(len(batch))
        for (d, s), probs in theme_probs.items():
            chosen = np.flatnonzero(probs >= self.thresholds)
            docs[d].sentences[s].themes = [Theme(self.meta.themes[k], round(float(probs[k]), 4))
                                           for k in chosen[np.argsort(-probs[chosen])]]
        for doc in docs:
            doc.spans.sort(key=lambda sp: sp.start)
            attach_quantities(doc)
        return docs

    def _batches(self, segments: list) -> Iterable[list]:
        # Length-sorted batches waste little compute on padding.
        ordered = sorted(segments, key=lambda seg: seg[3] - seg[2])
        for i in range(0, len(ordered), self.batch_size):
            yield ordered[i:i + self.batch_size]

    @torch.inference_mode()
    def _predict(self, docs: list[Document], batch: list):
        texts = [docs[d].text[a:b] for d, _, a, b in batch]
        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.meta.max_length,
                             return_offsets_mapping=True, return_tensors="pt")
        tag_logits, theme_logits = self.network(enc["input_ids"], enc["attention_mask"])
        tag_probs = tag_logits.softmax(-1).numpy()
        theme_probs = theme_logits.sigmoid().numpy()
        offsets = enc["offset_mapping"].tolist()
        for k, seg in enumerate(batch):
            n = int(enc["attention_mask"][k].sum())
            yield seg, tag_probs[k, :n], [tuple(o) for o in offsets[k][:n]], theme_probs[k]
