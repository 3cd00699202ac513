"""One YAML file drives a whole training run; it is read into these typed dataclasses."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass
class DataConfig:
    gold_train: list[str] = field(default_factory=list)   # stand-off annotation files
    gold_dev: list[str] = field(default_factory=list)
    cluener: bool = True            # add CLUENER2020 (mapped to our types) as auxiliary span data
    cluener_limit: int | None = None
    gold_repeat: int = 1            # oversample the (small) domain set against CLUENER
    # silver stand-off files (scripts/silver.py: rules + gazetteer + LAC over train-split documents),
    # added once after gold × gold_repeat; silver_limit samples that many sentences with the run seed
    silver_train: list[str] = field(default_factory=list)
    silver_limit: int | None = None
    silver_themes: bool = False     # train the theme head on silver themes too (False: silver spans only)


@dataclass
class ModelConfig:
    encoder: str = "envpos-albert"  # built-in name, Hugging Face id or local path
    max_length: int = 256
    freeze_word_embeddings: bool = False
    dropout: float = 0.1


@dataclass
class TrainConfig:
    epochs: int = 3
    batch_size: int = 32
    lr_encoder: float = 5e-5
    lr_heads: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    span_loss_weight: float = 1.0   # 0 with theme_loss_weight > 0 trains a themes-only model
    theme_loss_weight: float = 1.0  # 0 trains a spans-only model
    seed: int = 42
    threads: int | None = None


@dataclass
class RunConfig:
    output_dir: str = "runs/default"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _build(cls, values: dict, where: str):
    if not isinstance(values, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(values).__name__}")
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(known)}")
    kwargs = {}
    for name, value in values.items():
        nested = {"data": DataConfig, "model": ModelConfig, "train": TrainConfig}.get(name) if cls is RunConfig else None
        kwargs[name] = _build(nested, value, f"{where}.{name}") if nested else value
    return cls(**kwargs)


def load_config(path: str | Path) -> RunConfig:
    """Read a run config; unknown keys are errors (a typo must not silently train the default)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"config file {path} does not exist")
    values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    config = _build(RunConfig, values, str(path))
    for name in ("gold_train", "gold_dev", "silver_train"):
        if isinstance(getattr(config.data, name), str):
            setattr(config.data, name, [getattr(config.data, name)])
    return config
