"""The batch engine behind ``policytagger analyze`` and ``targets``: thousands of documents from files,
folders or stdin, analysed in chunks by one process or by N worker processes, written in input order.

Pieces another engine (Ray Data) reuses as they are, so both write the same bytes:
  ``io.parse_line(raw, source, line)``       one JSON Lines record → InputDocument | BadRecord | None
  ``analyze_documents(analyzer, docs, include_text)``  a chunk of InputDocuments → output dicts
  ``output_line(record)`` / ``error_line(bad)``        the serialisation of one output / errors line
Chunks are consecutive good documents (``docs_per_chunk`` of them); the analyser batches sentences
within a chunk. Every runtime answers a document independently of its batch
(tests/test_batch_independence.py), so output does not depend on the chunking or the number of workers.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .io import BadRecord, InputDocument, count_records, find_inputs, read_file, UniqueIds


@dataclass
class EngineOptions:
    model: Path | None = None     # model folder; None: the shipped model
    runtime: str = "auto"         # auto = the model's benchmarked default (ONNX int8 for the shipped model)
    batch_size: int = 32          # sentences per forward pass
    docs_per_chunk: int = 64      # documents analysed (and written) together
    workers: int = 1              # worker processes; 1 analyses in this process


# ---- the reusable, pure pieces ----

def analyze_documents(analyzer, docs: Sequence[InputDocument], include_text: bool = False) -> list[dict]:
    """Output records of a chunk of documents, in their order: ``Document.to_dict(include_text=...)``."""
    return [doc.to_dict(include_text=include_text) for doc in analyze_chunk(analyzer, docs)]


def analyze_chunk(analyzer, docs: Sequence[InputDocument]) -> list:
    """The analysed ``model.schema.Document`` of each document of a chunk, in order."""
    return analyzer.analyze_batch([d.text for d in docs], ids=[d.id for d in docs], metas=[d.meta for d in docs])


def output_line(record: dict) -> str:
    """One line of the output file (newline included)."""
    return json.dumps(record, ensure_ascii=False) + "\n"


def error_line(bad: BadRecord) -> str:
    """One line of the errors file: {"source", "line", "id", "reason"} (newline included)."""
    return json.dumps(bad.to_dict(), ensure_ascii=False) + "\n"


def analyzed_lines(analyzer, docs: Sequence[InputDocument], include_text: bool = False) -> list[str]:
    """The analyze command's work on a chunk: its output lines (serialised in the worker, which is idle
    while the parent writes)."""
    return [output_line(record) for record in analyze_documents(analyzer, docs, include_text)]


# ---- running chunks in order, here or in worker processes ----

Work = Callable[[Any, list[InputDocument]], list]  # (analyzer, chunk) → one result per document


def load_analyzer(options: EngineOptions, threads: int | None = None):
    from model.analyzer import Analyzer
    return Analyzer.load(options.model, runtime=options.runtime, threads=threads, batch_size=options.batch_size)


def threads_per_worker(workers: int) -> int:
    """Cores split between the workers, so N workers do not oversubscribe the machine."""
    from model.runtime import default_threads
    return max(1, default_threads() // max(1, workers))


_worker: dict = {}  # in a worker process: its analyser (loaded once), its work, or why loading failed


def _start_worker(options: EngineOptions, threads: int, work: Work) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle (it shuts the pool down)
    os.environ["RAYON_NUM_THREADS"] = str(threads)  # the tokenizers' thread pool, created on first use
    _watch_parent()
    try:
        _worker.update(analyzer=load_analyzer(options, threads), work=work)
    except Exception as e:  # noqa: BLE001 - raised again with the first chunk, where the parent sees it
        _worker["error"] = e


def _watch_parent() -> None:
    """Exit when the parent dies (say, kill -9): an orphaned worker would otherwise wait forever. The
    parent's sentinel (spawn and forkserver alike) is a pipe only the parent holds open."""
    from multiprocessing.connection import wait
    sentinel = multiprocessing.parent_process().sentinel

    def watch():
        wait([sentinel])
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _run_chunk(chunk: list[InputDocument]) -> list:
    if "error" in _worker:
        raise _worker["error"]
    return _worker["work"](_worker["analyzer"], chunk)


def _worker_ready() -> None:
    if "error" in _worker:
        raise _worker["error"]


class WorkerDied(RuntimeError):
    pass


class Engine:
    """Runs work(analyzer, chunk) on chunks of documents: in this process (workers=1) or in worker
    processes that each load the analyser once. Loading happens here, so a bad model folder is an
    error before any input is read or any output written."""

    def __init__(self, options: EngineOptions, work: Work):
        self.options, self.work, self.analyzer, self.pool = options, work, None, None
        if options.workers <= 1:
            self.analyzer = load_analyzer(options)
            return
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload(["policytagger.batch"])  # workers fork with the imports done
        self.pool = ProcessPoolExecutor(options.workers, mp_context=context, initializer=_start_worker,
                                        initargs=(options, threads_per_worker(options.workers), work))
        try:
            self.pool.submit(_worker_ready).result()  # one worker's loading error, raised here
        except BaseException:
            self.close()
            raise

    def map(self, chunks: Iterable[list[InputDocument]]) -> Iterator[tuple[list[InputDocument], list]]:
        """(chunk, its results) for each chunk, in input order. With workers, at most two chunks per
        worker are in flight, so a huge input is read only as fast as it is analysed."""
        if self.pool is None:
            for chunk in chunks:
                yield chunk, self.work(self.analyzer, chunk)
            return
        pending = deque()
        try:
            for chunk in chunks:
                pending.append((chunk, self.pool.submit(_run_chunk, chunk)))
                if len(pending) >= 2 * self.options.workers:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        except BrokenProcessPool:
            raise WorkerDied("a worker process died (killed, or out of memory?); what was written is complete: "
                             "run the same command with --resume to go on") from None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


# ---- resuming ----

@dataclass
class Resume:
    done: set[str] = field(default_factory=set)                       # ids already in the output
    errors: set[tuple[str, int | None]] = field(default_factory=set)  # (source, line) already in the errors file
    notes: list[str] = field(default_factory=list)                    # what was found and repaired


class ResumeError(ValueError):
    pass


def torn_line_start(path: Path, block: int = 1 << 16) -> int:
    """Where an incomplete last line (no newline: a run killed mid-write) starts; the file's size when
    its last line is complete."""
    with path.open("rb") as f:
        end = f.seek(0, os.SEEK_END)
        while end > 0:
            start = max(0, end - block)
            f.seek(start)
            newline = f.read(end - start).rfind(b"\n")
            if newline >= 0:
                return start + newline + 1
            end = start
    return 0


def cut_torn_line(path: Path, block: int = 1 << 16) -> int:
    """Cut a file back to the end of its last complete line. Returns the number of bytes cut."""
    size, keep = path.stat().st_size, torn_line_start(path, block)
    if keep < size:
        with path.open("rb+") as f:
            f.truncate(keep)
    return size - keep


# How this module's output and errors lines begin: a torn last line must begin so too (or be shorter).
_OUTPUT_START, _ERRORS_START = b'{"id": ', b'{"source": '


def _complete_records(path: Path, line_start: bytes) -> Iterator[tuple[int, Any]]:
    """The JSON of each complete line (a torn last line is left out, once checked to be one of ours)."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                if line_start.startswith(raw[:len(line_start)]):
                    return
                raise ResumeError(f"{path}:{number} is not a line this command writes: cannot resume from it")
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw)
            except json.JSONDecodeError as e:
                raise ResumeError(f"{path}:{number} is not a JSON line ({e.msg}): is it this command's output? "
                                  "Cannot resume from it") from None


def prepare_resume(output: Path, errors: Path | None = None) -> Resume:
    """What an earlier run already wrote: the ids in ``output`` and the (source, line) of the bad
    records in ``errors``. Both files are checked whole before a torn last line is cut off either."""
    resume = Resume()
    if output.is_file():
        for number, record in _complete_records(output, _OUTPUT_START):
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                raise ResumeError(f"{output}:{number} has no string 'id': is it this command's output? "
                                  "Cannot resume from it")
            resume.done.add(record["id"])
    if errors is not None and errors.is_file():
        for number, record in _complete_records(errors, _ERRORS_START):
            if not isinstance(record, dict) or "source" not in record:
                raise ResumeError(f"{errors}:{number} is not a bad record this command wrote: cannot resume from it")
            resume.errors.add((record["source"], record.get("line")))
    for path in (output, errors):
        if path is not None and path.is_file() and (cut := cut_torn_line(path)):
            resume.notes.append(f"{path}: cut an incomplete last line ({cut} bytes) left by an interrupted run")
    if output.is_file():
        resume.notes.append(f"{output}: {len(resume.done)} document(s) already analysed, skipping them")
    else:
        resume.notes.append(f"{output} does not exist yet: starting from the beginning")
    return resume


# ---- one batch: inputs → checked records → chunks → results, with progress and bad-record reports ----

class BatchRun:
    """Reads the inputs, reports bad records (stderr and the errors file) and hands out the analysed
    chunks in input order. A resumed run skips documents already in the output, but analyses a partly
    written chunk whole again, so what it appends completes the file byte for byte as an uninterrupted
    run (same options) would have written it.

    ``start()`` (or ``with``) first, ``close()`` at the end."""

    def __init__(self, inputs: Iterable[Path], options: EngineOptions, work: Work, console: Console,
                 errors: Path | None = None, resume: Resume | None = None, progress: bool = True):
        self.inputs = find_inputs(inputs)
        self.options, self.work, self.console = options, work, console
        self.errors_path, self.resume, self.show_progress = errors, resume, progress
        self.done = resume.done if resume else set()
        self.analysed = self.bad = self.resumed = 0
        self.engine: Engine | None = None
        self._errors_out = None
        self._advance = lambda n: None
        self._started = time.perf_counter()

    def start(self) -> "BatchRun":
        """Load the analyser (or start the workers): a bad model folder raises here, before any
        input is read or any file written."""
        self.engine = Engine(self.options, self.work)
        return self

    def close(self) -> None:
        if self.engine:
            self.engine.close()
        if self._errors_out:
            self._errors_out.close()

    def __enter__(self) -> "BatchRun":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def chunks(self) -> Iterator[list[tuple[InputDocument, Any]]]:
        """Per chunk, the documents still to write with their results, in input order."""
        self._started = time.perf_counter()  # docs/s from here: analysing, not loading
        if self.errors_path:  # appended on resume (known records are not written twice), else replaced
            self._errors_out = self.errors_path.open("a" if self.resume else "w", encoding="utf-8")
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[status]}"), TimeElapsedColumn())
        with Progress(*columns, console=self.console, disable=not self.show_progress) as progress:
            task = progress.add_task("records", total=self._total() if self.show_progress else None, status="")
            self._advance = lambda n: progress.update(task, advance=n, status=self._status())
            for chunk, results in self.engine.map(self._fresh_chunks(self._records())):
                todo = [(doc, result) for doc, result in zip(chunk, results) if doc.id not in self.done]
                self.resumed += len(chunk) - len(todo)
                self.analysed += len(todo)
                self._advance(len(chunk))
                yield todo
            progress.update(task, total=progress.tasks[0].completed)  # blank lines were counted

    def _records(self) -> Iterator[InputDocument]:
        unique = UniqueIds()
        for file in self.inputs.files:
            for item in read_file(file):
                item = unique.check(item)
                if isinstance(item, BadRecord):
                    self._report(item)
                else:
                    yield item

    def _fresh_chunks(self, records: Iterator[InputDocument]) -> Iterator[list[InputDocument]]:
        """Chunks as an uninterrupted run makes them; those wholly in the output already are skipped."""
        while chunk := list(islice(records, self.options.docs_per_chunk)):
            if self.done and all(doc.id in self.done for doc in chunk):
                self.resumed += len(chunk)
                self._advance(len(chunk))
            else:
                yield chunk

    def _report(self, bad: BadRecord) -> None:
        self.bad += 1
        self.console.print(f"[yellow]skipped[/yellow] {escape(bad.where)}: {escape(bad.reason)}")
        if self._errors_out and not (self.resume and (bad.source, bad.line) in self.resume.errors):
            self._errors_out.write(error_line(bad))
            self._errors_out.flush()  # complete up to here if the run is killed
        self._advance(1)

    def _total(self) -> int | None:
        counts = [count_records(f) for f in self.inputs.files]
        return None if None in counts else sum(counts)

    def _status(self) -> str:
        rate = self.analysed / max(time.perf_counter() - self._started, 1e-9)
        return f"{self.analysed} analysed, {self.bad} bad, {rate:.1f} docs/s"

    def summary(self) -> str:
        parts = [f"{self.analysed} document(s) analysed, {self.bad} bad record(s)"]
        if self.resumed:
            parts.append(f"{self.resumed} already in the output (resumed)")
        if skipped := self.inputs.skipped:
            examples = ", ".join(str(p) for p in skipped[:3]) + (", ..." if len(skipped) > 3 else "")
            parts.append(f"{len(skipped)} file(s) in folders skipped, not .txt/.jsonl/.ndjson/.json ({examples})")
        return "; ".join(parts)


def analyze_work(include_text: bool) -> Work:
    """The analyze command's work, picklable for the workers."""
    return partial(analyzed_lines, include_text=include_text)
