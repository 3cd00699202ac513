"""Settings of the HTTP service (policytagger serve). Kept apart from server.py so the CLI can show
the defaults without importing FastAPI."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerLimits:
    """What one request may hold; more is answered with a 4xx naming the limit."""
    max_body_bytes: int = 2 * 1024 * 1024  # 413
    max_docs: int = 64                     # documents per request: 422
    max_chars: int = 100_000               # characters per document text: 422
    max_id_chars: int = 1_000              # characters per document id: 422


@dataclass(frozen=True)
class BatchingConfig:
    """How the server combines the documents of concurrent requests into one model call."""
    max_wait_ms: float = 5.0         # how long a batch waits for more documents once one is queued
    max_batch_docs: int = 32         # documents per model call
    max_batch_chars: int = 40_000    # characters per model call (one longer document still runs alone)

    @classmethod
    def disabled(cls) -> "BatchingConfig":
        """One document per model call, no waiting: the baseline batching is compared with."""
        return cls(max_wait_ms=0.0, max_batch_docs=1)
