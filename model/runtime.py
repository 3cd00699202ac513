"""What runs the network: PyTorch, or ONNX Runtime on an exported graph (fp32 or int8 weights).

A runtime is a callable (input_ids, attention_mask) → (tag logits, theme logits), all numpy, so the
analyser does not care which one it has. ONNX files are made by ``policytagger export``.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ONNX_FILES = {"onnx": "model.onnx", "onnx-int8": "model.int8.onnx"}
RUNTIMES = ("torch", *ONNX_FILES)


def default_threads() -> int:
    """Physical cores where psutil knows them (hyper-threads do not help matrix work), else all CPUs."""
    try:
        import psutil
        return psutil.cpu_count(logical=False) or os.cpu_count() or 1
    except ImportError:
        return os.cpu_count() or 1


class TorchRuntime:
    name = "torch"

    def __init__(self, network, threads: int | None = None):
        import torch
        if threads:
            torch.set_num_threads(threads)
        self.torch, self.network = torch, network.eval()

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray):
        torch = self.torch
        with torch.inference_mode():
            tags, themes = self.network(torch.from_numpy(input_ids), torch.from_numpy(attention_mask))
        return tags.numpy(), themes.numpy()


class OnnxRuntime:
    def __init__(self, path: Path, name: str, threads: int | None = None):
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.name = name

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray):
        tags, themes = self.session.run(None, {"input_ids": input_ids.astype(np.int64),
                                                "attention_mask": attention_mask.astype(np.int64)})
        return tags, themes


def available_runtimes(folder: Path) -> list[str]:
    """The runtimes a model folder can use here: torch always, ONNX ones when exported and onnxruntime is installed."""
    found = ["torch"]
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return found
    return found + [name for name, file in ONNX_FILES.items() if (Path(folder) / file).exists()]
