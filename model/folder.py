"""A saved model is a self-describing folder: restore it with one call.

    config.json            the encoder architecture (transformers)
    tokenizer.json ...     the tokenizer (transformers)
    policytagger.json      labels, theme thresholds, max length, training record
    model.safetensors      encoder + heads (fp16 on disk to stay small; fp32 in memory)
    model.onnx, model.int8.onnx   optional exported graphs for ONNX Runtime (policytagger export)
    README.md              the model card
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

# torch and transformers are imported inside the functions that need them: a folder analysed
# through ONNX Runtime never loads them (half the start time, a third of the memory).

FORMAT_VERSION = 1
META_FILE = "policytagger.json"
WEIGHTS_FILE = "model.safetensors"


class ModelFolderError(ValueError):
    """A model folder that is missing or incomplete."""


@dataclass
class ModelMeta:
    tags: list[str]
    themes: list[str]
    theme_thresholds: dict[str, float]
    max_length: int = 256
    encoder: str = ""
    training: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    # the runtime Analyzer.load uses by default: "torch", or an exported ONNX graph chosen by benchmark
    runtime: str = "torch"
    # theme thresholds tuned on dev for a runtime whose probabilities shift (int8 weights)
    runtime_thresholds: dict = field(default_factory=dict)
    # how each exported graph was made (policytagger export): quantisation options, calibration data
    export: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION


def read_meta(folder: Path) -> ModelMeta:
    return ModelMeta(**json.loads((Path(folder) / META_FILE).read_text(encoding="utf-8")))


def write_meta(folder: Path, meta: ModelMeta) -> None:
    (Path(folder) / META_FILE).write_text(json.dumps(meta.__dict__, ensure_ascii=False, indent=2), encoding="utf-8")


def save_model(folder: Path, network, tokenizer, meta: ModelMeta,
               card: str | None = None, half: bool = True) -> Path:
    import torch
    from safetensors.torch import save_file
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    network.encoder.config.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    dtype = torch.float16 if half else torch.float32
    state = {k: v.detach().to(dtype).contiguous() for k, v in network.state_dict().items()
             if v.is_floating_point()}
    save_file(state, str(folder / WEIGHTS_FILE), metadata={"format": "pt"})
    write_meta(folder, meta)
    if card is not None:
        (folder / "README.md").write_text(card, encoding="utf-8")
    return folder


def check_folder(folder: Path) -> ModelMeta:
    """The folder's meta, after checking the folder is there, complete and of a format we read."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFolderError(f"model folder {folder} does not exist")
    missing = [n for n in ("config.json", META_FILE, WEIGHTS_FILE) if not (folder / n).exists()]
    if missing:
        raise ModelFolderError(f"model folder {folder} is incomplete: missing {', '.join(missing)}")
    meta = read_meta(folder)
    if meta.format_version > FORMAT_VERSION:
        raise ModelFolderError(f"model folder {folder} has format {meta.format_version}; "
                               f"this policytagger reads up to {FORMAT_VERSION}: upgrade policytagger")
    return meta


def load_network(folder: Path, meta: ModelMeta):
    """The TaggerNetwork of a checked folder (see check_folder), in eval mode."""
    from safetensors.torch import load_file
    from transformers import AutoConfig

    from .network import TaggerNetwork
    folder = Path(folder)
    config = AutoConfig.from_pretrained(str(folder))
    network = TaggerNetwork.from_encoder_config(config, len(meta.tags), len(meta.themes))
    state = {k: v.float() for k, v in load_file(str(folder / WEIGHTS_FILE)).items()}
    network.load_state_dict(state, strict=False)
    expected = {k for k, v in network.state_dict().items() if v.is_floating_point()}
    if expected - state.keys():
        raise ModelFolderError(f"{folder / WEIGHTS_FILE} lacks weights: {sorted(expected - state.keys())[:5]}")
    return network.eval()


def load_model(folder: Path) -> tuple[object, object, ModelMeta]:
    """(TaggerNetwork in eval mode, transformers tokenizer, meta); ModelFolderError says what is missing."""
    from transformers import AutoTokenizer
    meta = check_folder(folder)
    return load_network(folder, meta), AutoTokenizer.from_pretrained(str(folder)), meta
