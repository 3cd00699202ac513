"""Batch tokenisation straight on the `tokenizers` backend: numpy ids, mask and character offsets.

The analyser needs no more than this, and going without transformers keeps the ONNX path free of
torch: a faster start and a smaller process.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer


class BatchTokenizer:
    def __init__(self, backend: Tokenizer, max_length: int, pad_token: str = "[PAD]"):
        self.backend = Tokenizer.from_str(backend.to_str())  # our own copy: padding/truncation are stateful
        self.backend.enable_truncation(max_length)
        pad_id = self.backend.token_to_id(pad_token)
        self.backend.enable_padding(pad_id=pad_id if pad_id is not None else 0, pad_token=pad_token)

    @classmethod
    def from_folder(cls, folder: Path, max_length: int) -> "BatchTokenizer":
        config_file = Path(folder) / "tokenizer_config.json"
        pad = json.loads(config_file.read_text(encoding="utf-8")).get("pad_token") if config_file.exists() else None
        if isinstance(pad, dict):  # older transformers wrote {"content": "[PAD]", ...}
            pad = pad.get("content")
        return cls(Tokenizer.from_file(str(Path(folder) / "tokenizer.json")), max_length, pad or "[PAD]")

    @classmethod
    def from_transformers(cls, tokenizer, max_length: int) -> "BatchTokenizer":
        """From a transformers fast tokenizer (as training has one in hand)."""
        return cls(tokenizer.backend_tokenizer, max_length, tokenizer.pad_token or "[PAD]")

    def __call__(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[list[tuple[int, int]]]]:
        """(input ids [batch, tokens], attention mask, per text the (start, end) of each real token)."""
        encodings = self.backend.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        offsets = [e.offsets[:sum(e.attention_mask)] for e in encodings]
        return ids, mask, offsets
