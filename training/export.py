"""Export a model folder's network to ONNX for ONNX Runtime: fp32 and int8 (dynamic quantisation).

    policytagger export model/default      → model/default/model.onnx, model/default/model.int8.onnx

The fp32 graph is fused for CPU (LayerNorm, GELU) by onnxruntime's transformer optimiser; the int8
graph quantises its MatMul weights per output channel, activations at run time. Both are checked against
PyTorch on a few sentences before they are written.
"""
from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from model.folder import load_model
from model.runtime import ONNX_FILES, OnnxRuntime

_CHECK_TEXTS = ["2025年地区生产总值增长5%左右，城镇新增就业60万人以上。", "新开工项目80个", "各位代表："]


def export_onnx(folder: str | Path, int8: bool = True) -> dict:
    """Write model.onnx (and model.int8.onnx) into ``folder``; returns each file's size and its largest
    difference from PyTorch on the check sentences (and tag agreement)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    import onnx

    folder = Path(folder)
    network, tokenizer, meta = load_model(folder)
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
        # per-channel scales: per-tensor cost 1.7 theme-F1 points on dev, per-channel 0.8
        quantize_dynamic(str(fp32), str(quantised), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        written.append(quantised)
    return {path.name: _compare(network, path, enc) for path in written}


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
    from model.folder import read_meta, write_meta

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
