"""Micro-batching: the documents of concurrent requests are analysed together in one model call.

Requests put their documents on a queue and wait on one future per document. A single worker task
takes what is queued (waiting up to ``max_wait_ms`` for more while the batch has room), runs
``analyze_batch`` in one dedicated thread (so the event loop stays free and only one batch runs at
a time) and resolves the futures. A request's documents may land in different batches; each future
is its own document, so the request gets them back in its own order.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Sequence

from .server_config import BatchingConfig

logger = logging.getLogger("policytagger.server")


class BatcherNotRunning(RuntimeError):
    """The batcher is not started or is shutting down: no new documents are taken."""


class AnalysisFailed(RuntimeError):
    """The model failed on a document (the cause is logged server-side, not shown to the client)."""

    def __init__(self, index: int):
        super().__init__(f"the analysis of document {index} failed")
        self.index = index


@dataclass
class BatchStats:
    requests: int = 0
    documents: int = 0
    batches: int = 0
    largest_batch: int = 0
    failed_documents: int = 0


@dataclass
class _Pending:
    text: str
    id: str | None
    meta: dict | None
    future: asyncio.Future


class MicroBatcher:
    def __init__(self, analyze_batch: Callable, config: BatchingConfig = BatchingConfig()):
        """``analyze_batch(texts, ids=, metas=)`` → one result per text (Analyzer.analyze_batch)."""
        self._analyze_batch = analyze_batch
        self.config = config
        self.stats = BatchStats()
        self._pending: deque[_Pending] = deque()
        self._arrived = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done() and not self._stopping

    @property
    def queued(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policytagger-model")
        self._task = asyncio.get_running_loop().create_task(self._work(), name="policytagger-batcher")

    async def stop(self) -> None:
        """Take no new documents, finish every queued one, then stop the worker."""
        self._stopping = True
        self._arrived.set()
        if self._task is not None:
            await self._task
        if self._executor is not None:
            self._executor.shutdown(wait=True)

    async def analyze(self, texts: Sequence[str], ids: Sequence[str | None], metas: Sequence[dict | None]) -> list:
        """The results of one request's documents, in its order. Raises AnalysisFailed (naming the
        document's index in this request) if the model failed on one of them."""
        if not self.running:
            raise BatcherNotRunning("the analyser is not running")
        loop = asyncio.get_running_loop()
        futures = []
        for text, doc_id, meta in zip(texts, ids, metas, strict=True):
            future = loop.create_future()
            self._pending.append(_Pending(text, doc_id, meta, future))
            futures.append(future)
        self.stats.requests += 1
        self._arrived.set()
        try:
            results = await asyncio.gather(*futures, return_exceptions=True)
        finally:
            for future in futures:  # a request that gave up: the worker skips its documents
                future.cancel()
        for index, result in enumerate(results):
            if isinstance(result, BaseException):
                raise AnalysisFailed(index) from result
        return results

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending:
                if self._stopping:
                    return
                self._arrived.clear()
                await self._arrived.wait()
                continue
            await self._wait_for_more(loop)
            batch = self._take()
            if not batch:
                continue
            self.stats.batches += 1
            self.stats.documents += len(batch)
            self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
            try:
                outcomes = await loop.run_in_executor(self._executor, self._analyze_isolated, batch)
            except Exception as error:  # never let the worker die: fail this batch's documents only
                logger.exception("batch of %d documents failed", len(batch))
                outcomes = [error] * len(batch)
            for item, outcome in zip(batch, outcomes):
                if item.future.done():
                    continue
                if isinstance(outcome, BaseException):
                    self.stats.failed_documents += 1
                    item.future.set_exception(outcome)
                else:
                    item.future.set_result(outcome)

    async def _wait_for_more(self, loop) -> None:
        """While the batch has room, wait up to max_wait_ms for more documents to arrive."""
        deadline = loop.time() + self.config.max_wait_ms / 1000
        while not self._stopping and not self._full():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                return

    def _full(self) -> bool:
        docs = chars = 0
        for item in self._pending:
            docs += 1
            chars += len(item.text)
            if docs >= self.config.max_batch_docs or chars >= self.config.max_batch_chars:
                return True
        return False

    def _take(self) -> list[_Pending]:
        batch, chars = [], 0
        while self._pending and len(batch) < self.config.max_batch_docs:
            item = self._pending[0]
            if item.future.done():  # its request is gone
                self._pending.popleft()
                continue
            if batch and chars + len(item.text) > self.config.max_batch_chars:
                break
            batch.append(self._pending.popleft())
            chars += len(item.text)
        return batch

    def _analyze_isolated(self, batch: list[_Pending]) -> list:
        """Runs in the model thread. If the whole batch fails, each document is retried alone so
        that only the requests holding a document the model fails on get an error."""
        try:
            return self._analyze_batch([b.text for b in batch], ids=[b.id for b in batch],
                                       metas=[b.meta for b in batch])
        except Exception:
            if len(batch) == 1:
                logger.exception("analysis of a document failed")
                return [AnalysisError()]
            logger.warning("batch of %d documents failed; retrying them one by one", len(batch), exc_info=True)
        outcomes = []
        for item in batch:
            try:
                outcomes.append(self._analyze_batch([item.text], ids=[item.id], metas=[item.meta])[0])
            except Exception:
                logger.exception("analysis of a document failed")
                outcomes.append(AnalysisError())
        return outcomes


class AnalysisError(RuntimeError):
    """Stands for a model failure on one document (the traceback went to the log)."""
