"""The analyser's batch tokenizer gives exactly what the transformers tokenizer gives."""
from transformers import AutoTokenizer

from model.tokenization import BatchTokenizer

TEXTS = ["今年全省地区生产总值增长5.5%左右。", "", "ＧＤＰ增长５％， 新开工项目 20 个", "浙江宁波" * 40, "abc DEF 2025"]


def test_same_ids_mask_and_offsets_as_transformers(tiny_encoder_dir):
    reference = AutoTokenizer.from_pretrained(str(tiny_encoder_dir))
    ours = BatchTokenizer.from_folder(tiny_encoder_dir, max_length=64)
    ids, mask, offsets = ours(TEXTS)
    expected = reference(TEXTS, padding=True, truncation=True, max_length=64, return_offsets_mapping=True,
                         return_tensors="np")
    assert (ids == expected["input_ids"]).all()
    assert (mask == expected["attention_mask"]).all()
    for k, text_offsets in enumerate(offsets):
        n = int(expected["attention_mask"][k].sum())
        assert text_offsets == [tuple(o) for o in expected["offset_mapping"][k][:n].tolist()]
    assert ids.shape[1] == 64  # the long text is cut to the window, the rest padded to it


def test_wrapping_a_transformers_tokenizer_is_the_same(tiny_encoder_dir):
    reference = AutoTokenizer.from_pretrained(str(tiny_encoder_dir))
    a = BatchTokenizer.from_transformers(reference, 64)(TEXTS)
    b = BatchTokenizer.from_folder(tiny_encoder_dir, 64)(TEXTS)
    assert (a[0] == b[0]).all() and a[2] == b[2]
    # wrapping does not change the transformers tokenizer (padding/truncation are set on a copy)
    assert reference.backend_tokenizer.padding is None
