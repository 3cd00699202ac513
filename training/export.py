"""Export a model folder's network to ONNX for ONNX Runtime: fp32, and int8 with fixed activation scales.

    policytagger export model/default --dev data/annotations/gold-v4.dev.jsonl
        → model/default/model.onnx, model/default/model.int8.onnx (+ int8 theme thresholds tuned on dev)

The fp32 graph is fused for CPU (LayerNorm, GELU) by onnxruntime's transformer optimiser. The int8
graph is quantised statically: the activation scales are fixed at export time from the ranges seen on
dev sentences (calibration), not computed at run time from each batch. Dynamic quantisation (the
earlier int8 graph) took one scale per input tensor, i.e. per batch, so a document's spans and themes
changed with the documents batched beside it; with fixed scales every row is computed on its own and
a document's answer is the same alone or in any batch. Both graphs are checked against PyTorch on a
few sentences before they are written, and the int8 options are recorded in the folder's meta.

The int8 options were chosen on gold-v4 dev against fp32 (span / quantity / theme F1 0.541 / 0.547 /
0.747, 128 sentences per CPU-second on one thread): these defaults gave 0.540 / 0.551 / 0.746 at 191.
Against fp32's span F1, quantising the MatMul outputs as well cost 1.2 points, quantising the
attention products (Q·Kᵀ, P·V) 0.6, the QOperator format 1.5, symmetric int8 activations 0.7 (and a
quarter of the speed). ORT's histogram calibrators (percentile, entropy) need equal-shape batches.
"""
from __future__ import annotations

import contextlib
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from model.folder import load_model, read_meta, write_meta
from model.runtime import ONNX_FILES, OnnxRuntime
from model.tokenization import BatchTokenizer

_CHECK_TEXTS = ["2025年地区生产总值增长5%左右，城镇新增就业60万人以上。", "新开工项目80个", "各位代表："]
# the heads' modules in TaggerNetwork, as torch.onnx names their nodes
_HEAD_SCOPES = ("/tag_head/", "/theme_head/")


@dataclass
class Int8Options:
    """How model.int8.onnx is quantised (QDQ format, int8 weights with one scale per output channel,
    activation ranges from dev sentences by min/max). Recorded in the folder's meta."""
    activations_symmetric: bool = False  # False: uint8 with a zero point (the fast u8×s8 kernels)
    quantize_outputs: bool = False       # False: MatMuls return float (MatMulIntegerToFloat), one rounding less
    quantize_attention: bool = False     # False: Q·Kᵀ and P·V (activation × activation) stay float
    quantize_heads: bool = False         # False: the tag and theme heads stay float (tiny, and they give the scores)
    quantize_embeddings: bool = True     # True: int8 embedding tables, a 4 MB graph instead of 12.5 MB


def export_onnx(folder: str | Path, int8: bool = True, dev_files: Sequence[Path] = (),
                options: Int8Options = Int8Options()) -> dict:
    """Write model.onnx (and model.int8.onnx, calibrated on the sentences of ``dev_files``, with its
    theme thresholds tuned on them) into ``folder``; returns each file's size and its largest
    difference from PyTorch on the check sentences (and tag agreement)."""
    from onnxruntime.transformers.optimizer import optimize_model

    folder = Path(folder).resolve()  # the quantiser's shape inference runs in a temporary working folder
    if int8 and not dev_files:
        raise ValueError("the int8 graph needs dev gold file(s) to calibrate its activation ranges "
                         "(policytagger export FOLDER --dev DEV.jsonl), or export fp32 only (--no-int8)")
    network, tokenizer, meta = load_model(folder)
    calibration = _dev_sentences(dev_files) if int8 else []
    config = network.encoder.config
    enc = tokenizer(_CHECK_TEXTS, padding=True, return_tensors="pt")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about python values in the graph
            torch.onnx.export(network, (enc["input_ids"], enc["attention_mask"]), str(raw),
                              input_names=["input_ids", "attention_mask"],
                              output_names=["tag_logits", "theme_logits"],
                              dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                            "attention_mask": {0: "batch", 1: "tokens"},
                                            "tag_logits": {0: "batch", 1: "tokens"},
                                            "theme_logits": {0: "batch"}},
                              opset_version=17, dynamo=False)
        fused = optimize_model(str(raw), model_type="bert", num_heads=config.num_attention_heads,
                               hidden_size=config.hidden_size, opt_level=1)
        fp32 = folder / ONNX_FILES["onnx"]
        fused.save_model_to_file(str(fp32))
        written = [fp32]
        if int8:
            quantised = folder / ONNX_FILES["onnx-int8"]
            batch_tokenizer = BatchTokenizer.from_transformers(tokenizer, meta.max_length)
            quantize_static_int8(fp32, quantised, calibration, batch_tokenizer, options, Path(tmp))
            written.append(quantised)
    report = {path.name: _compare(network, path, enc) for path in written}
    if int8:
        meta = read_meta(folder)
        meta.export = {"onnx-int8": {"quantisation": "static", "format": "QDQ", "weights": "int8 per channel",
                                     "calibration": "minmax", "calibration_files": [Path(p).name for p in dev_files],
                                     "calibration_sentences": len(calibration), **asdict(options)}}
        meta.runtime_thresholds.pop("onnx-int8", None)  # tuned for the previous graph
        write_meta(folder, meta)
        tune_runtime_thresholds(folder, "onnx-int8", list(dev_files))
    return report


def quantize_static_int8(fp32: Path, out: Path, sentences: Sequence[str], tokenizer: BatchTokenizer,
                         options: Int8Options, workdir: Path) -> None:
    """Quantise the fp32 graph with activation scales fixed from ``sentences`` (calibration)."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Sentences(CalibrationDataReader):
        # One sentence per run, unpadded: padding tokens must not widen the ranges.
        def __init__(self):
            self.texts = iter(sentences)

        def get_next(self):
            text = next(self.texts, None)
            if text is None:
                return None
            ids, mask, _ = tokenizer([text])
            return {"input_ids": ids, "attention_mask": mask}

    # The quantiser needs every tensor's type: infer them (auto_merge: the position-id slice has a
    # symbolic length the strict inference gives up on). The fused graph stays as it is.
    typed = workdir / "typed.onnx"
    with contextlib.chdir(workdir):  # where a failed inference drops its debugging copy of the graph
        quant_pre_process(str(fp32), str(typed), skip_optimization=True, auto_merge=True)
    nodes = _nodes_to_quantize(onnx.load(str(typed)), options)
    extra = {"ActivationSymmetric": options.activations_symmetric,
             "QDQOpTypePerChannelSupportToAxis": {"MatMul": 1},  # one scale per output column
             "CalibMaxIntermediateOutputs": 64}                  # bounded memory while calibrating
    if not options.quantize_outputs:
        extra["OpTypesToExcludeOutputQuantization"] = ["MatMul", "Gemm"]
    quantize_static(str(typed), str(out), Sentences(), quant_format=QuantFormat.QDQ,
                    op_types_to_quantize=["MatMul", "Gemm", "Gather"], nodes_to_quantize=nodes,
                    per_channel=True, weight_type=QuantType.QInt8,
                    activation_type=QuantType.QInt8 if options.activations_symmetric else QuantType.QUInt8,
                    extra_options=extra)


def _nodes_to_quantize(graph_model, options: Int8Options) -> list[str]:
    float_tables = {i.name for i in graph_model.graph.initializer if i.data_type == 1}  # 1: FLOAT
    names = []
    for node in graph_model.graph.node:
        if any(scope in node.name for scope in _HEAD_SCOPES) and not options.quantize_heads:
            continue
        if node.op_type == "Gemm" or (node.op_type == "MatMul" and (options.quantize_attention
                                                                    or node.input[1] in float_tables)):
            names.append(node.name)
        elif node.op_type == "Gather" and options.quantize_embeddings and node.input[0] in float_tables:
            names.append(node.name)
    return names


def _dev_sentences(dev_files: Sequence[Path]) -> list[str]:
    """The sentences of the dev gold files (calibration data: dev, never test)."""
    from .annotations import load_examples
    from .corpus import corpus_for
    corpus = corpus_for(dev_files)
    return [e.text for path in dev_files for e in load_examples(Path(path), corpus)]


def _compare(network, path: Path, enc) -> dict:
    with torch.inference_mode():
        ref_tags, ref_themes = (t.numpy() for t in network(enc["input_ids"], enc["attention_mask"]))
    runtime = OnnxRuntime(path, path.stem, threads=1)
    tags, themes = runtime(enc["input_ids"].numpy(), enc["attention_mask"].numpy())
    real = enc["attention_mask"].numpy().astype(bool)
    return {"megabytes": round(path.stat().st_size / 1e6, 1),
            "max_tag_logit_diff": float(np.abs(tags - ref_tags).max()),
            "max_theme_logit_diff": float(np.abs(themes - ref_themes).max()),
            "tag_agreement": float((tags.argmax(-1) == ref_tags.argmax(-1))[real].mean())}


def tune_runtime_thresholds(folder: str | Path, runtime: str, dev_files: list[Path]) -> dict:
    """Theme thresholds for ``runtime`` tuned on dev gold, stored in the folder's meta (int8 weights
    shift the theme probabilities enough that the fp32 thresholds cost about a point of F1)."""
    from model.analyzer import Analyzer

    from .annotations import load_examples
    from .corpus import corpus_for
    from .evaluate import predict, theme_matrix, tune_thresholds

    corpus = corpus_for(dev_files)
    themed = [e for path in dev_files for e in load_examples(path, corpus) if e.themes is not None]
    _, probs = predict(Analyzer.load(folder, runtime=runtime), themed)
    meta = read_meta(Path(folder))
    meta.runtime_thresholds[runtime] = tune_thresholds(theme_matrix(themed), probs)
    write_meta(Path(folder), meta)
    return meta.runtime_thresholds[runtime]
