"""The inference module: ``Analyzer.load(path)`` then ``analyzer(text)`` or ``analyze_batch(texts)``."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .attribution import check_meta
from .decoding import decode_spans, trim_span
from .folder import ModelFolderError, check_folder, load_network
from .runtime import ONNX_FILES, RUNTIMES, OnnxRuntime, TorchRuntime, available_runtimes
from .quantities import attach_quantities
from .schema import Document, Sentence, Span, Theme
from .sentences import split_sentences
from .tokenization import BatchTokenizer

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
        """``network``: a TaggerNetwork, or a runtime from model.runtime (numpy in, numpy out);
        ``tokenizer``: a BatchTokenizer, or the transformers fast tokenizer it wraps."""
        self.runtime = TorchRuntime(network) if hasattr(network, "state_dict") else network
        self.tokenizer = (tokenizer if isinstance(tokenizer, BatchTokenizer)
                          else BatchTokenizer.from_transformers(tokenizer, meta.max_length))
        self.meta = meta
        self.batch_size = batch_size
        thresholds = meta.runtime_thresholds.get(getattr(self.runtime, "name", "torch"), meta.theme_thresholds)
        self.thresholds = np.array([thresholds.get(t, 0.5) for t in meta.themes], dtype=np.float32)

    @classmethod
    def load(cls, path: str | Path | None = None, runtime: str = "auto", threads: int | None = None,
             batch_size: int = 32) -> "Analyzer":
        """Load a model folder (default: the model shipped with policytagger).

        ``runtime``: "torch", "onnx", "onnx-int8", or "auto" = the runtime the folder's benchmark chose
        (falling back to torch where onnxruntime or the exported file is missing).
        """
        folder = Path(path) if path else DEFAULT_MODEL_DIR
        meta = check_folder(folder)
        available = available_runtimes(folder)
        if runtime == "auto":
            runtime = meta.runtime if meta.runtime in available else "torch"
        elif runtime not in RUNTIMES:
            raise ValueError(f"unknown runtime {runtime!r}: choose one of auto, {', '.join(RUNTIMES)}")
        elif runtime not in available:
            raise ModelFolderError(f"runtime {runtime} needs {ONNX_FILES[runtime]} in {folder} "
                                   f"(make it with: policytagger export {folder}) and onnxruntime installed")
        tokenizer = BatchTokenizer.from_folder(folder, meta.max_length)
        if runtime == "torch":
            return cls(TorchRuntime(load_network(folder, meta), threads), tokenizer, meta, batch_size=batch_size)
        return cls(OnnxRuntime(folder / ONNX_FILES[runtime], runtime, threads), tokenizer, meta, batch_size=batch_size)

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
            doc.spans = _without_overlaps(doc.spans)
            attach_quantities(doc)
        return docs

    def _batches(self, segments: list) -> Iterable[list]:
        # Length-sorted batches waste little compute on padding.
        ordered = sorted(segments, key=lambda seg: seg[3] - seg[2])
        for i in range(0, len(ordered), self.batch_size):
            yield ordered[i:i + self.batch_size]

    def _predict(self, docs: list[Document], batch: list):
        texts = [docs[d].text[a:b] for d, _, a, b in batch]
        ids, mask, offsets = self.tokenizer(texts)
        tag_logits, theme_logits = self.runtime(ids, mask)
        tag_probs = _softmax(tag_logits)
        theme_probs = 1.0 / (1.0 + np.exp(-theme_logits))
        for k, seg in enumerate(batch):
            yield seg, tag_probs[k, :len(offsets[k])], offsets[k], theme_probs[k]


def _without_overlaps(spans: list[Span]) -> list[Span]:
    """Spans in text order, none overlapping (the spec's rule): trimming quotes can make neighbours
    meet in one character; of two that overlap, the higher-scoring one stays."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda sp: sp.start):
        if kept and span.start < kept[-1].end:
            if span.score > kept[-1].score:
                kept[-1] = span
            continue
        kept.append(span)
    return kept


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)
