"""Batch analysis as a Ray Data pipeline: ``policytagger analyze --engine ray`` and ``analyze_on_ray()``.

It writes the same records as the local engine (policytagger.batch), in four steps:

  1. plan, in the driver: the inputs are walked as the local engine walks them and every record is
     parsed once (``io.parse_line`` / ``io.parse_record``, ``io.UniqueIds``), so bad records and
     duplicate ids are decided with the local engine's global view and written to the errors file. The
     good records are cut into read ranges of about ``docs_per_batch`` documents: byte ranges of JSON
     Lines files (their first line number known, so ids ``source:line`` survive), slices of Parquet row
     groups, groups of text files. Costs one pass over the input in one process (JSON parsing, far
     cheaper than the model) and the local engine's memory for ids: a dict of every id.
  2. read, in Ray tasks (0 CPU: the actors hold the CPUs): each range is read and parsed again (the
     parsers are pure) and only what the plan found good is kept; a task holds one range in memory
     (Parquet: one row group), so a huge JSON Lines file is read in parallel pieces, never whole.
  3. analyse, in a pool of actors that each load the model once: ``batch.analyze_documents`` on
     batches of ``docs_per_batch`` documents. A dead actor is restarted and its batch retried.
  4. write, in Ray tasks (0 CPU): shards ``part-<file>-<line>.jsonl|parquet`` named after their first
     record, written under a temporary name and renamed, so a retried write replaces its shard.

With ``preserve_order`` (the default) the shards, in name order, hold the documents in input order:
concatenated, the JSON Lines shards are the local engine's output byte for byte when the runtime gives
a document the same scores whatever it is batched with (torch, onnx).

Ray is an optional extra: ``pip install "policytagger[ray]"``.
"""
from __future__ import annotations

import glob
import io
import json
import logging
import math
import os
import socket
import tempfile
import time
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import ray
    from ray.data import ActorPoolStrategy, DataContext, Datasink
    from ray.data.block import BlockAccessor
except ImportError as e:  # the plain install has no Ray
    raise ImportError(f'the Ray engine needs Ray Data: pip install "policytagger[ray]" ({e})') from e

from model.attribution import META_FIELDS

from .batch import EngineOptions, analyze_documents, error_line, load_analyzer
from .io import (INPUT_SUFFIXES, BadRecord, InputDocument, InputFile, UniqueIds, find_inputs, parse_line,
                 parse_record, read_file)

PARQUET_SUFFIXES = (".parquet",)
OUTPUT_FORMATS = ("jsonl", "parquet")
FAIL_ONCE_ENV = "POLICYTAGGER_RAY_FAIL_ONCE"  # test hook: a marker file; see _Analyse.maybe_fail
MAX_PIECES_PER_ROW_GROUP = 64  # a Parquet row group is read whole by each piece: bounds the re-reading


class RayEngineError(RuntimeError):
    """A problem with the run's setup (cluster address, output folder, inputs): said plainly by the CLI."""


@dataclass
class RayOptions:
    address: str | None = None       # an existing cluster ("auto", "host:port", "ray://host:port"); None: a local Ray
    num_cpus: int | None = None      # CPUs of a local Ray (None: all of this machine's)
    actors: int | None = None        # analysing actors (None: the cluster's CPUs / cpus_per_actor)
    cpus_per_actor: float = 1.0      # CPUs Ray reserves per actor; the model runtime uses as many threads
    output_format: str = "jsonl"     # jsonl | parquet
    docs_per_shard: int = 5000       # documents per output shard (the last one and stragglers hold fewer)
    preserve_order: bool = True      # shards in name order = input order (a slow batch holds back the writes)
    max_restarts: int = 3            # times a dead actor is restarted
    max_task_retries: int = 3        # times a batch is retried after its actor died
    progress: bool = True            # Ray Data's progress bars


@dataclass
class RayRun:
    """What a run did: counts, the bad records (also in the errors file) and the shards written."""
    analysed: int = 0
    bad: list[BadRecord] = field(default_factory=list)
    shards: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # files in folders that are no input
    notes: list[str] = field(default_factory=list)     # what the user may want to change
    actors: int = 0
    connect_seconds: float = 0.0  # starting or joining Ray
    plan_seconds: float = 0.0     # the driver's pass over the inputs
    seconds: float = 0.0          # the whole call

    def summary(self) -> str:
        parts = [f"{self.analysed} document(s) analysed by {self.actors} Ray actor(s) into {len(self.shards)} "
                 f"shard(s), {len(self.bad)} bad record(s)"]
        if self.skipped:
            examples = ", ".join(str(p) for p in self.skipped[:3]) + (", ..." if len(self.skipped) > 3 else "")
            parts.append(f"{len(self.skipped)} file(s) in folders skipped, not .txt/.jsonl/.ndjson/.json/.parquet "
                         f"({examples})")
        return "; ".join(parts)


# ---- 1. the plan (driver) ----

@dataclass
class Piece:
    """A part of one input file that one read task reads."""
    file: int            # the file's place among the inputs: (file, line) orders the records
    path: str
    source: str          # how records name the file (ids source:line, the errors file)
    kind: str            # jsonl | parquet | text
    first_line: int = 1  # number of the piece's first line (jsonl) or row (parquet: rows count from 1 in the file)
    start: int = 0       # jsonl: byte offset of the first line; parquet: first row within the row group
    end: int = 0         # jsonl: byte offset after the last line; parquet: row after the last, within the group
    group: int = 0       # parquet: the row group
    text_id: str = ""    # text: the document's id
    skip: list[int] = field(default_factory=list)  # lines whose id repeats an earlier one (bad records)


@dataclass
class Plan:
    ranges: list[list[Piece]]  # what each read task reads, in input order
    bad: list[BadRecord]       # in input order, as the local engine reports them
    documents: int             # good documents: what the output will hold
    skipped: list[Path]


class _Ranges:
    """Collects pieces into ranges of about ``size`` good documents: one read task each."""

    def __init__(self, size: int):
        self.size, self.ranges, self.current, self.docs = size, [], [], 0

    def room(self) -> int:
        """Documents the current range still takes."""
        return self.size - self.docs

    def add(self, piece: Piece, docs: int) -> None:
        if docs:
            self.current.append(piece)
            self.docs += docs

    def close(self) -> None:
        if self.current:
            self.ranges.append(self.current)
        self.current, self.docs = [], 0


def expand_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Paths as given; a pattern (``data/*.jsonl``, ``data/**/*.txt``) that is no file is expanded, sorted."""
    paths = []
    for item in inputs:
        text = str(item)
        if text != "-" and not Path(text).exists() and glob.has_magic(text):
            found = sorted(glob.glob(text, recursive=True))
            paths += [Path(p) for p in found] or [Path(text)]  # no match: reported as a missing file
        else:
            paths.append(Path(text))
    return paths


class _Checker:
    """Bad records and duplicate ids, decided in input order as the local engine decides them."""

    def __init__(self):
        self.unique, self.bad = UniqueIds(), []

    def good(self, item: InputDocument | BadRecord | None, skip: list[int]) -> bool:
        """Whether ``item`` is a document to analyse; a duplicate id's line goes to ``skip``."""
        if item is None:
            return False
        checked = self.unique.check(item)
        if isinstance(checked, BadRecord):
            self.bad.append(checked)
            if isinstance(item, InputDocument):
                skip.append(item.line)
            return False
        return True


def plan_inputs(inputs: Iterable[str | Path], docs_per_batch: int) -> Plan:
    """Read every input once, as the local engine would, and cut the good documents into read ranges."""
    found = find_inputs(expand_inputs(inputs), suffixes=INPUT_SUFFIXES + PARQUET_SUFFIXES)
    if any(f.path is None for f in found.files):
        raise RayEngineError("the Ray engine reads files and folders, not stdin: name the input files")
    checker, ranges, documents = _Checker(), _Ranges(docs_per_batch), 0
    for index, file in enumerate(found.files):
        if file.path.is_file() and file.path.suffix.lower() in PARQUET_SUFFIXES:
            documents += _plan_parquet(index, file, checker, ranges)
        elif file.path.is_file() and file.is_jsonl:
            documents += _plan_jsonl(index, file, checker, ranges)
        else:  # a text file, or a missing one / a folder named as a file: read_file says what is wrong
            for item in read_file(file):
                if checker.good(item, []):
                    documents += 1
                    ranges.add(Piece(index, str(file.path), file.source, "text", text_id=file.text_id), 1)
                    if ranges.room() <= 0:
                        ranges.close()
    ranges.close()
    return Plan(ranges.ranges, checker.bad, documents, found.skipped)


def _plan_jsonl(index: int, file: InputFile, checker: _Checker, ranges: _Ranges) -> int:
    def new_piece(offset: int, line: int) -> Piece:
        return Piece(index, str(file.path), file.source, "jsonl", first_line=line, start=offset)

    documents = offset = docs = 0
    piece = new_piece(0, 1)
    with file.path.open("rb") as f:
        for number, raw in enumerate(f, 1):  # the local engine's lines: split at b"\n" only
            offset += len(raw)
            if checker.good(parse_line(raw, file.source, number), piece.skip):
                documents += 1
                docs += 1
                if docs >= ranges.room():
                    piece.end = offset
                    ranges.add(piece, docs)
                    ranges.close()
                    piece, docs = new_piece(offset, number + 1), 0
    piece.end = offset
    ranges.add(piece, docs)
    return documents


def _parquet_columns(parquet: "pq.ParquetFile") -> list[str]:
    names = parquet.schema_arrow.names
    return [c for c in ("id", "text", *META_FIELDS) if c in names]


def _plan_parquet(index: int, file: InputFile, checker: _Checker, ranges: _Ranges) -> int:
    """Rows are records numbered from 1 in the file (ids ``source:row`` where a row has none). A row
    group is read whole, here and by each read task of it (the planner holds one group at a time); a
    piece is a slice of a group, its own range, and a group has at most MAX_PIECES_PER_ROW_GROUP of them."""
    try:
        parquet = pq.ParquetFile(file.path)
        columns = _parquet_columns(parquet)
    except (OSError, pa.ArrowException) as e:
        checker.bad.append(BadRecord(file.source, None, f"not a readable Parquet file: {e}"))
        return 0
    ranges.close()
    documents = row = 0
    for group in range(parquet.num_row_groups):
        try:
            records = parquet.read_row_group(group, columns=columns).to_pylist()
        except (OSError, pa.ArrowException) as e:
            checker.bad.append(BadRecord(file.source, None, f"row group {group} (rows {row + 1}-"
                                         f"{row + parquet.metadata.row_group(group).num_rows}) cannot be read: {e}"))
            row += parquet.metadata.row_group(group).num_rows
            continue
        size = max(ranges.size, math.ceil(len(records) / MAX_PIECES_PER_ROW_GROUP))
        piece, docs = Piece(index, str(file.path), file.source, "parquet", row + 1, 0, group=group), 0
        for within, record in enumerate(records):
            row += 1
            if checker.good(parse_record(record, file.source, row), piece.skip):
                documents += 1
                docs += 1
                if docs >= size:
                    piece.end = within + 1
                    ranges.add(piece, docs)
                    ranges.close()
                    piece, docs = Piece(index, str(file.path), file.source, "parquet", row + 1, within + 1, group=group), 0
        piece.end = len(records)
        ranges.add(piece, docs)
        ranges.close()
    return documents


# ---- 2. read (Ray tasks) ----

def _records_schema() -> "pa.Schema":
    return pa.schema([("file", pa.int32()), ("line", pa.int64()), ("source", pa.string()), ("id", pa.string()),
                      ("text", pa.string()), ("meta", pa.string())])


def read_piece(piece: Piece) -> Iterator[InputDocument]:
    """The good documents of a piece, parsed again exactly as the plan parsed them."""
    skip = set(piece.skip)
    if piece.kind == "text":
        items = read_file(InputFile(Path(piece.path), piece.source, piece.text_id))
    elif piece.kind == "jsonl":
        with open(piece.path, "rb") as f:
            f.seek(piece.start)
            lines = io.BytesIO(f.read(piece.end - piece.start))  # iterates as the file does: b"\n" ends a line
        items = (parse_line(raw, piece.source, number) for number, raw in enumerate(lines, piece.first_line)
                 if number not in skip)
    else:
        parquet = pq.ParquetFile(piece.path)
        table = parquet.read_row_group(piece.group, columns=_parquet_columns(parquet))
        records = table.slice(piece.start, piece.end - piece.start).to_pylist()
        items = (parse_record(record, piece.source, row) for row, record in enumerate(records, piece.first_line)
                 if row not in skip)
    for item in items:
        if isinstance(item, InputDocument):
            yield item


def read_ranges(batch: dict) -> "pa.Table":
    """Ray Data read step: a batch of ranges (JSON) → their good documents, one row each."""
    rows = {name: [] for name in _records_schema().names}
    for text in batch["range"]:
        for piece in json.loads(text):
            piece = Piece(**piece)
            for doc in read_piece(piece):
                rows["file"].append(piece.file)
                rows["line"].append(doc.line)
                rows["source"].append(doc.source)
                rows["id"].append(doc.id)
                rows["text"].append(doc.text)
                rows["meta"].append(json.dumps(doc.meta, ensure_ascii=False) if doc.meta else None)
    return pa.table(rows, schema=_records_schema())


# ---- 3. analyse (actors) ----

def model_files(folder: Path, runtime: str) -> dict[str, bytes]:
    """The files of a model folder an actor needs (not the graphs of the other runtimes), sent through
    Ray's object store so the nodes of a cluster need no copy of the folder."""
    from model.runtime import ONNX_FILES
    unused = {name for rt, name in ONNX_FILES.items() if rt != runtime}
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name not in unused}


class _Analyse:
    """An actor: loads the model once, then analyses batches of documents."""

    def __init__(self, files: dict[str, bytes], runtime: str, batch_size: int, threads: int,
                 include_text: bool, output_format: str, fail_once: str | None = None):
        from model.analyzer import Analyzer
        os.environ["RAYON_NUM_THREADS"] = str(threads)  # the tokenizers' thread pool
        with tempfile.TemporaryDirectory(prefix="policytagger-model-") as folder:
            for name, data in files.items():
                Path(folder, name).write_bytes(data)
            self.analyzer = Analyzer.load(folder, runtime=runtime, threads=threads, batch_size=batch_size)
        self.include_text, self.output_format, self.fail_once = include_text, output_format, fail_once

    def maybe_fail(self) -> None:
        """Fault injection for the tests: the first call anywhere that creates the marker file kills its
        own actor process (as the OOM killer would), so Ray has to restart it and retry the batch."""
        if not self.fail_once:
            return
        try:
            fd = os.open(self.fail_once, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        os._exit(1)

    def __call__(self, batch: "pa.Table") -> "pa.Table":
        self.maybe_fail()
        rows = batch.to_pylist()
        docs = [InputDocument(r["id"], r["text"], json.loads(r["meta"]) if r["meta"] else None, r["source"], r["line"])
                for r in rows]
        records = analyze_documents(self.analyzer, docs, self.include_text)
        columns = {"file": batch["file"], "line": batch["line"]}
        if self.output_format == "jsonl":
            columns["record"] = pa.array([json.dumps(r, ensure_ascii=False) for r in records], pa.string())
        else:
            columns.update(_parquet_columns_of(records, self.include_text))
        return pa.table(columns)


def _parquet_columns_of(records: list[dict], include_text: bool) -> dict:
    """Parquet output: id, meta, (text), sentences, spans; the nested fields as JSON strings (a span's
    quantity value is a number or a list: no one Arrow type holds it; JSON keeps the record exact)."""
    dump = lambda value: json.dumps(value, ensure_ascii=False)  # noqa: E731
    columns = {"id": pa.array([r["id"] for r in records], pa.string()),
               "meta": pa.array([dump(r["meta"]) if "meta" in r else None for r in records], pa.string())}
    if include_text:
        columns["text"] = pa.array([r["text"] for r in records], pa.string())
    columns["sentences"] = pa.array([dump(r["sentences"]) for r in records], pa.string())
    columns["spans"] = pa.array([dump(r["spans"]) for r in records], pa.string())
    return columns


# ---- 4. write (Ray tasks) ----

SHARD_PATTERN = "part-*"


class ShardSink(Datasink):
    """Writes each bundle of analysed rows as one shard named after its first record's (file, line)."""

    def __init__(self, folder: Path, output_format: str, docs_per_shard: int):
        self.folder, self.output_format, self.docs_per_shard = str(folder), output_format, docs_per_shard
        self.written: list[tuple[str, int]] = []

    @property
    def min_rows_per_write(self) -> int:
        return self.docs_per_shard

    def write(self, blocks, ctx) -> tuple[str, int] | None:
        tables = [BlockAccessor.for_block(b).to_arrow() for b in blocks]
        table = pa.concat_tables([t for t in tables if t.num_rows]) if any(t.num_rows for t in tables) else None
        if table is None:
            return None
        first_file, first_line = table["file"][0].as_py(), table["line"][0].as_py() or 0
        name = f"part-{first_file:05d}-{first_line:010d}.{self.output_format}"
        final = Path(self.folder, name)
        temporary = Path(self.folder, f".{name}.{uuid.uuid4().hex}.tmp")
        if self.output_format == "jsonl":
            temporary.write_bytes("".join(f"{r}\n" for r in table["record"].to_pylist()).encode("utf-8"))
        else:
            pq.write_table(table.drop_columns(["file", "line"]), temporary)
        os.replace(temporary, final)  # complete or absent: a retried write replaces it
        return name, table.num_rows

    def on_write_complete(self, write_result) -> None:
        self.written = [r for r in write_result.write_returns if r is not None]


def read_output(folder: str | Path) -> list[dict]:
    """The records of a Ray run's output folder, in shard order (the local engine's records, as dicts)."""
    records = []
    for shard in sorted(Path(folder).glob(SHARD_PATTERN)):
        if shard.suffix == ".jsonl":
            records += [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines()]
        elif shard.suffix == ".parquet":
            for row in pq.read_table(shard).to_pylist():
                record = {"id": row["id"]}
                if row.get("meta") is not None:
                    record["meta"] = json.loads(row["meta"])
                if "text" in row:
                    record["text"] = row["text"]
                records.append(record | {"sentences": json.loads(row["sentences"]), "spans": json.loads(row["spans"])})
    return records


def _prepare_output(folder: Path) -> None:
    """The folder exists and holds no shards of an earlier run (other files are left alone)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob(SHARD_PATTERN), *folder.glob(".part-*.tmp")]:
        if old.suffix in (".jsonl", ".parquet", ".tmp"):
            old.unlink()


# ---- connecting to Ray ----

def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """A clear error at once for an address where nothing listens (ray.init would retry for a minute)."""
    if address == "auto":
        return
    hostport = address.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise RayEngineError(f"--ray-address {address!r} is not host:port (e.g. 10.0.0.5:6379, ray://10.0.0.5:10001 or auto)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as e:
        raise RayEngineError(f"no Ray cluster answers at {address} ({e.strerror or e}): start one with "
                             f"`ray start --head` or check --ray-address") from None


def connect(options: RayOptions) -> bool:
    """Join the cluster at ``options.address``, or start a local Ray; True when this call started Ray
    (and so should shut it down). A process already connected stays on its cluster."""
    if options.address:
        _check_reachable(options.address)
    if ray.is_initialized():
        return False
    try:
        if options.address:
            ray.init(address=options.address, logging_level=logging.ERROR)
        else:
            ray.init(num_cpus=options.num_cpus, include_dashboard=False, logging_level=logging.ERROR)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"the Ray cluster at {options.address}" if options.address else "a local Ray"
        raise RayEngineError(f"cannot start or join {where}: {e}") from None
    return True


@contextmanager
def _data_context(options: RayOptions):
    """Ray Data settings for the datasets made inside (each copies the current context when made)."""
    context, logger = DataContext.get_current(), logging.getLogger("ray.data")
    saved = context.execution_options.preserve_order, context.enable_progress_bars, logger.level
    context.execution_options.preserve_order = options.preserve_order
    context.enable_progress_bars = options.progress
    if not options.progress:  # nor its "starting execution" lines
        logger.setLevel(logging.ERROR)
    try:
        yield context
    finally:
        context.execution_options.preserve_order, context.enable_progress_bars, level = saved
        logger.setLevel(level)


def default_actors(options: RayOptions) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1) // options.cpus_per_actor))


# ---- the whole run ----

def analyze_on_ray(inputs: Iterable[str | Path], output: str | Path, *, errors: str | Path | None = None,
                   include_text: bool = False, engine: EngineOptions | None = None,
                   options: RayOptions | None = None,
                   on_bad: Callable[[BadRecord], None] | None = None) -> RayRun:
    """Analyse files, folders or glob patterns of JSON Lines, text and Parquet on Ray: shards of output
    records in the folder ``output``, bad records (with reasons) in the JSON Lines file ``errors``.

    ``engine``: model, runtime, batch_size (sentences per forward pass) and docs_per_chunk (documents
    per actor call) as for the local engine; ``options``: the cluster, actors and output format.
    Raises RayEngineError for a bad setup, ValueError for a bad model folder or runtime."""
    engine, options = engine or EngineOptions(), options or RayOptions()
    if options.output_format not in OUTPUT_FORMATS:
        raise RayEngineError(f"unknown output format {options.output_format!r}: choose jsonl or parquet")
    started_at = time.perf_counter()
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise RayEngineError(f"--output {output} is a file: the Ray engine writes a folder of shards")
    from model.analyzer import DEFAULT_MODEL_DIR
    runtime = load_analyzer(engine).runtime.name  # a bad folder or runtime fails here, before Ray starts
    files = model_files(Path(engine.model or DEFAULT_MODEL_DIR), runtime)

    connecting = time.perf_counter()
    started = connect(options)
    try:
        planning = time.perf_counter()
        plan = plan_inputs(inputs, engine.docs_per_chunk)
        run = RayRun(bad=plan.bad, skipped=plan.skipped, connect_seconds=planning - connecting,
                     plan_seconds=time.perf_counter() - planning)
        _prepare_output(output)  # first: the errors file may be in it
        if errors is not None:
            with Path(errors).open("w", encoding="utf-8") as out:
                out.writelines(error_line(bad) for bad in plan.bad)
        for bad in plan.bad if on_bad else []:
            on_bad(bad)
        run.actors = min(options.actors or default_actors(options), max(1, len(plan.ranges)))  # no idle actors
        cpus = ray.cluster_resources().get("CPU", 0)
        if run.actors * options.cpus_per_actor > cpus:
            run.notes.append(f"the cluster has {cpus:g} CPUs: {run.actors} actors of {options.cpus_per_actor:g} CPU(s) "
                             "cannot all run at once (unless it autoscales)")
        if plan.documents:
            written = _run_pipeline(plan, output, files, runtime, engine, options, include_text, run.actors)
            run.shards = [output / name for name, _ in sorted(written)]
            run.analysed = sum(rows for _, rows in written)
            if run.analysed != plan.documents:
                raise RayEngineError(f"planned {plan.documents} documents but wrote {run.analysed}: "
                                     "did an input change during the run?")
    finally:
        if started:
            ray.shutdown()
    run.seconds = time.perf_counter() - started_at
    return run


def _run_pipeline(plan: Plan, output: Path, files: dict, runtime: str, engine: EngineOptions,
                  options: RayOptions, include_text: bool, actors: int) -> list[tuple[str, int]]:
    items = [{"range": json.dumps([asdict(p) for p in pieces])} for pieces in plan.ranges]
    threads = max(1, math.ceil(options.cpus_per_actor))
    io_tasks = min(actors, 4)  # 0-CPU tasks are not limited by CPUs: each running one holds a worker process
    sink = ShardSink(output, options.output_format, options.docs_per_shard)
    with _data_context(options), warnings.catch_warnings():
        # max_restarts / max_task_retries go to ray.remote through **ray_remote_args, which Ray 2.60
        # marks deprecated (its defaults are unbounded restarts); explicit bounds stop a document that
        # always kills its actor from retrying forever.
        warnings.filterwarnings("ignore", message=".*ray_remote_args.*deprecated")
        ds = ray.data.from_items(items, override_num_blocks=len(items))
        ds = ds.map_batches(read_ranges, batch_size=None, batch_format="numpy", num_cpus=0, concurrency=io_tasks)
        ds = ds.map_batches(
            _Analyse, batch_size=engine.docs_per_chunk, batch_format="pyarrow",
            compute=ActorPoolStrategy(size=actors), num_cpus=options.cpus_per_actor,
            fn_constructor_kwargs={"files": files, "runtime": runtime, "batch_size": engine.batch_size,
                                   "threads": threads, "include_text": include_text,
                                   "output_format": options.output_format,
                                   "fail_once": os.environ.get(FAIL_ONCE_ENV)},
            max_restarts=options.max_restarts, max_task_retries=options.max_task_retries)
        ds.write_datasink(sink, ray_remote_args={"num_cpus": 0}, concurrency=io_tasks)
    return sink.written
