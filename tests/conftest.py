"""Shared fixtures: a tiny randomly initialised model built from a config (no downloads, no corpus)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from model.folder import ModelMeta, save_model
from model.labels import THEMES, bio_tags
from model.network import TaggerNetwork

from training.corpus import SHARED_DIR as SHARED  # ../shared, or $POLICYTAGGER_SHARED
CHARS = "今年全省地区生产总值增长左右新开工项目个浙江宁波市政府委书记易炼红在杭州强调要深入实施八八战略城镇就业万人以上"


def make_tiny_encoder(folder: Path) -> Path:
    """An ALBERT encoder folder (config, random weights, char-level BERT tokenizer)."""
    from transformers import AlbertConfig, AlbertModel, AutoTokenizer
    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("0123456789.%") + sorted(set(CHARS)) + ["##5", "20", "##25"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "BertTokenizer", "do_lower_case": True}))
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(0)
    config = AlbertConfig(vocab_size=len(vocab), embedding_size=16, hidden_size=32, num_hidden_layers=2,
                          num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    AlbertModel(config, add_pooling_layer=False).save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory) -> Path:
    return make_tiny_encoder(tmp_path_factory.mktemp("tiny-encoder"))


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_encoder_dir, tmp_path_factory) -> Path:
    from transformers import AutoModel, AutoTokenizer
    torch.manual_seed(0)
    tags = bio_tags()
    network = TaggerNetwork(AutoModel.from_pretrained(str(tiny_encoder_dir)), len(tags), len(THEMES))
    meta = ModelMeta(tags=tags, themes=list(THEMES), theme_thresholds={t: 0.5 for t in THEMES}, max_length=64,
                     encoder=str(tiny_encoder_dir))
    folder = tmp_path_factory.mktemp("tiny-model")
    return save_model(folder, network.eval(), AutoTokenizer.from_pretrained(str(tiny_encoder_dir)), meta, card="# tiny\n")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "corpus" / "documents.jsonl").exists():
        pytest.skip(f"needs the shared corpus at {SHARED} (not available on this machine)")
    return SHARED
