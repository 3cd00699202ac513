"""The ``policytagger`` command: a thin shell over model.Analyzer and training."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Entities, targets/results and themes from Chinese policy texts.")
# soft_wrap: messages stay on one line (greppable logs); escape(): paths may hold [brackets]
err = Console(stderr=True, soft_wrap=True, highlight=False)


def _fail(message: str, code: int = 2):
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def _load_analyzer(model: Optional[Path], batch_size: int = 32, runtime: str = "auto"):
    from model.analyzer import Analyzer
    from model.folder import ModelFolderError
    try:
        return Analyzer.load(model, runtime=runtime, batch_size=batch_size)
    except (ModelFolderError, ValueError) as e:
        _fail(str(e))


def _start_batch(inputs: list[Path], options, work, errors: Optional[Path], quiet: bool, show_progress: bool,
                 resume=None):
    """A started BatchRun (policytagger.batch): the analyser is loaded, or the workers are up."""
    from .batch import BatchRun
    run = BatchRun(inputs, options, work, err, errors=errors, resume=resume, progress=show_progress and not quiet)
    try:
        return run.start()
    except ValueError as e:  # a bad model folder or runtime
        _fail(str(e))


def _finish(run, quiet: bool):
    if not quiet:
        err.print(escape(run.summary()))
    if run.bad:
        raise typer.Exit(1)


_INPUTS = typer.Argument(None, help="Text or JSON Lines files, or folders of them; none or '-' reads stdin.")
_INPUT = typer.Option(None, "--input", "-i", help="Input file or folder (may repeat).")
_MODEL = typer.Option(None, "--model", "-m", help="Model folder (default: shipped model).")
_ERRORS = typer.Option(None, "--errors", help="Write bad records here as JSON Lines.")
_QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")
_RUNTIME = typer.Option("auto", "--runtime", help="torch, onnx, onnx-int8, or auto (the model's benchmarked default).")
_WORKERS = typer.Option(1, "--workers", "-w", min=1,
                        help="Worker processes, each loading the model once; the cores are split between them.")


@app.command()
def analyze(
    inputs: list[Path] = _INPUTS,
    input: list[Path] = _INPUT,
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="JSON Lines output (default stdout); replaced unless --resume. With --engine ray: a folder of shards."),
    model: Optional[Path] = _MODEL,
    errors: Optional[Path] = _ERRORS,
    batch_size: int = typer.Option(32, min=1, help="Sentences per forward pass."),
    docs_per_chunk: int = typer.Option(64, min=1, help="Documents analysed (and written) together; with --engine ray, per actor call."),
    include_text: bool = typer.Option(False, "--include-text", help="Copy each document's text into the output."),
    quiet: bool = _QUIET,
    runtime: str = _RUNTIME,
    workers: int = _WORKERS,
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run: skip the documents already in --output, append the rest."),
    engine: str = typer.Option("local", "--engine", help="local (this machine's processes) or ray (a Ray Data pipeline; needs the ray extra)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="Ray cluster to join (host:port, ray://host:port, auto); default: start a local Ray."),
    actors: Optional[int] = typer.Option(None, "--actors", min=1, help="Ray actors, each loading the model once (default: the cluster's CPUs / --cpus-per-actor)."),
    cpus_per_actor: float = typer.Option(1.0, "--cpus-per-actor", min=0.1, help="CPUs Ray reserves per actor (the model runtime uses as many threads)."),
    output_format: str = typer.Option("jsonl", "--output-format", help="Shards of --engine ray: jsonl or parquet."),
):
    """Analyse documents: one JSON object per document, {"id", "sentences", "spans"}, in input order."""
    from .batch import EngineOptions, ResumeError, WorkerDied, analyze_work, prepare_resume
    if engine not in ("local", "ray"):
        _fail(f"unknown --engine {engine!r}: choose local or ray")
    if engine == "ray":
        if resume or workers != 1:
            _fail("--resume and --workers are for the local engine; with --engine ray use --actors (a run writes its folder anew)")
        _analyze_on_ray(list(inputs or []) + list(input or []), output, errors, include_text, quiet,
                        EngineOptions(model, runtime, batch_size, docs_per_chunk),
                        dict(address=ray_address, actors=actors, cpus_per_actor=cpus_per_actor, output_format=output_format))
        return
    if ray_address or actors or output_format != "jsonl":
        _fail("--ray-address, --actors and --output-format are for --engine ray")
    previous = None
    if resume:
        if output is None:
            _fail("--resume needs --output: the file an earlier run was writing")
        try:
            previous = prepare_resume(output, errors)
        except ResumeError as e:
            _fail(str(e))
        for note in previous.notes:
            err.print(escape(note))
    options = EngineOptions(model, runtime, batch_size, docs_per_chunk, workers)
    run = _start_batch(list(inputs or []) + list(input or []), options, analyze_work(include_text), errors, quiet,
                       show_progress=err.is_terminal or output is not None, resume=previous)
    try:
        out = output.open("a" if resume else "w", encoding="utf-8") if output else sys.stdout
        try:
            for chunk in run.chunks():
                out.write("".join(line for _, line in chunk))
                out.flush()  # results are usable (and survive a crash) as each chunk completes
        finally:
            if output:
                out.close()
    except WorkerDied as e:
        _fail(str(e))
    finally:
        run.close()
    _finish(run, quiet)


def _analyze_on_ray(inputs: list[Path], output: Optional[Path], errors: Optional[Path], include_text: bool,
                    quiet: bool, options, ray_settings: dict):
    """``analyze --engine ray``: policytagger.ray_engine does the work; this says what happened."""
    if output is None:
        _fail("--engine ray writes a folder of shards: name it with --output DIR")
    try:
        from .ray_engine import RayEngineError, RayOptions, analyze_on_ray
    except ImportError as e:
        _fail(str(e))

    def report(bad):
        err.print(f"[yellow]skipped[/yellow] {escape(bad.where)}: {escape(bad.reason)}")

    settings = RayOptions(**ray_settings, progress=not quiet and err.is_terminal)
    try:
        run = analyze_on_ray(inputs, output, errors=errors, include_text=include_text, engine=options,
                             options=settings, on_bad=report)
    except (RayEngineError, ValueError) as e:  # the setup: cluster address, output folder, model, stdin
        _fail(str(e))
    except Exception as e:  # noqa: BLE001 - a failed Ray job (its tasks' tracebacks are in Ray's log above)
        _fail(f"the Ray run failed: {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}", 1)
    if not quiet:
        for note in run.notes:
            err.print(f"[yellow]note:[/yellow] {escape(note)}")
        err.print(escape(run.summary()))
    if run.bad:
        raise typer.Exit(1)


TARGET_COLUMNS = ["doc_id", "type", "region", "period", "metric", "value", "value_max", "unit", "comparator",
                  "change", "part", "text", "start", "end", "score", "sentence"]


def _value_rows(row: dict, quantity) -> list[dict]:
    """A range fills value and value_max; a 分别 list (出口分别增长12%、5%) gives one row per value,
    numbered in ``part`` ("1/2", "2/2"), so every figure can be filtered and summed."""
    value = quantity.value
    if not isinstance(value, list):
        return [row | {"value": value, "value_max": None, "part": None}]
    if quantity.comparator == "range":
        return [row | {"value": value[0], "value_max": value[-1], "part": None}]
    return [row | {"value": v, "value_max": None, "part": f"{k}/{len(value)}"} for k, v in enumerate(value, 1)]


def _quantity_rows(doc) -> list[dict]:
    rows = []
    for sentence, spans in zip(doc.sentences, doc.spans_by_sentence()):
        for span in spans:
            if span.quantity is None:
                continue
            q = span.quantity
            row = {"doc_id": doc.id, "type": span.type, "region": q.region, "period": q.period,
                   "metric": q.metric, "unit": q.unit, "comparator": q.comparator, "change": q.change,
                   "text": span.text, "start": span.start, "end": span.end, "score": span.score,
                   "sentence": doc.sentence_text(sentence)}
            rows += _value_rows(row, q)
    return rows


@app.command()
def targets(
    inputs: list[Path] = _INPUTS,
    input: list[Path] = _INPUT,
    output: Path = typer.Option(..., "--output", "-o", help="CSV file (or .parquet) with one row per quantity."),
    model: Optional[Path] = _MODEL,
    errors: Optional[Path] = _ERRORS,
    quiet: bool = _QUIET,
    runtime: str = _RUNTIME,
    workers: int = _WORKERS,
):
    """Every TARGET and STAT across a batch as a spreadsheet: one row per quantity."""
    import csv
    from .batch import EngineOptions, WorkerDied, analyze_chunk
    run = _start_batch(list(inputs or []) + list(input or []), EngineOptions(model, runtime, workers=workers),
                       analyze_chunk, errors, quiet, show_progress=True)
    rows = []
    try:
        for chunk in run.chunks():
            for _, doc in chunk:
                rows += _quantity_rows(doc)
    except WorkerDied as e:
        _fail(str(e).split(";")[0])  # nothing is written before the end: no resuming
    finally:
        run.close()
    if output.suffix.lower() == ".parquet":
        try:
            import pandas as pd
            pd.DataFrame(rows, columns=TARGET_COLUMNS).to_parquet(output, index=False)
        except ImportError:
            _fail("writing Parquet needs pandas and pyarrow (pip install pandas pyarrow), or use a .csv output")
    else:
        with output.open("w", encoding="utf-8-sig", newline="") as f:  # BOM: Excel opens Chinese CSV correctly
            writer = csv.DictWriter(f, fieldnames=TARGET_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    if not quiet:
        err.print(f"{len(rows)} quantities written to {escape(str(output))}")
    _finish(run, quiet)


@app.command()
def train(config: Path = typer.Argument(..., help="YAML run config (see configs/)."),
          output_dir: Optional[Path] = typer.Option(None, help="Override output_dir of the config.")):
    """Fine-tune a model as one YAML config describes; writes a model folder with its card."""
    from training.config import load_config
    from training.train import train as run_training
    try:
        cfg = load_config(config)
    except (ValueError, FileNotFoundError) as e:
        _fail(str(e))
    if output_dir:
        cfg.output_dir = str(output_dir)
    folder = run_training(cfg)
    err.print(f"model written to {escape(str(folder))}")


@app.command()
def evaluate(gold: list[Path] = typer.Argument(..., help="Annotation files (stand-off or inline text)."),
             model: Optional[Path] = typer.Option(None, "--model", "-m", help="Model folder (default: shipped)."),
             json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the metrics as JSON."),
             record_as: Optional[str] = typer.Option(None, "--record-as",
                                                     help="Store the metrics in the model folder and its card under this name (e.g. test)."),
             quantities: Optional[Path] = typer.Option(None, "--quantities",
                                                       help="Gold normalised quantities of the same sentences (data/annotations/quantities-*.jsonl)."),
             runtime: str = _RUNTIME):
    """Per-type span P/R/F1 (exact match), theme micro/macro F1 and, with --quantities, quantity accuracy."""
    from training.annotations import AnnotationError, load_examples
    from training.corpus import corpus_for
    from training.evaluate import evaluate as run_evaluation

    analyzer = _load_analyzer(model, runtime=runtime)
    missing = [str(p) for p in gold if not p.exists()]
    if missing:
        _fail(f"gold file(s) {', '.join(missing)} do not exist")
    try:
        corpus = corpus_for(gold)
        examples = [e for path in gold for e in load_examples(path, corpus)]
    except (AnnotationError, FileNotFoundError) as e:
        _fail(str(e))
    metrics = run_evaluation(analyzer, examples)
    if quantities:
        metrics["quantities"] = _quantity_metrics(analyzer, quantities, gold, corpus)
    table = Table(title=f"spans on {len(examples)} sentences (exact match)")
    for col in ("type", "P", "R", "F1", "support"):
        table.add_column(col, justify="right" if col != "type" else "left")
    for label, r in metrics["spans"].items():
        table.add_row(label, f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}", str(r["support"]))
    Console().print(table)
    if "themes" in metrics:
        Console().print(f"themes: micro F1 {metrics['themes']['micro_f1']:.3f}, macro F1 {metrics['themes']['macro_f1']:.3f}")
    if quantities:
        q = metrics["quantities"]
        table = Table(title=f"quantities: {q['end_to_end']['gold_quantities']} gold, "
                            f"{q['end_to_end']['scored']} found by the model with exact boundaries")
        table.add_column("field")
        for col in ("on found spans", "on gold spans (parser only)"):
            table.add_column(col, justify="right")
        for name in ("value", "unit", "comparator", "value_unit_comparator", "change", "period", "region"):
            table.add_row(name, f"{q['end_to_end'][name]:.3f}", f"{q['on_gold_spans'][name]:.3f}")
        Console().print(table)
    if json_out:
        json_out.write_text(json.dumps(metrics, ensure_ascii=False, indent=2), encoding="utf-8")
    if record_as:
        from model.analyzer import DEFAULT_MODEL_DIR
        from training.card import record_metrics
        record_metrics(model or DEFAULT_MODEL_DIR, record_as, metrics | {"gold_files": [p.name for p in gold]})


@app.command()
def export(model: Optional[Path] = typer.Argument(None, help="Model folder (default: the shipped model)."),
           int8: bool = typer.Option(True, "--int8/--no-int8", help="Also write the int8 graph (static quantisation, calibrated on --dev)."),
           dev: list[Path] = typer.Option([], "--dev", help="Dev gold file(s) (never test): calibrate the int8 graph and tune its theme thresholds on them.")):
    """Export a model folder to ONNX (model.onnx, model.int8.onnx) for the fast CPU runtimes."""
    try:
        from training.export import export_onnx
    except ImportError as e:
        _fail(f"exporting needs the export extra: pip install 'policytagger[export]' ({e})")
    from model.analyzer import DEFAULT_MODEL_DIR
    missing = [str(p) for p in dev if not p.exists()]
    if missing:
        _fail(f"dev file(s) {', '.join(missing)} do not exist")
    try:
        report = export_onnx(model or DEFAULT_MODEL_DIR, int8=int8, dev_files=dev)
    except (ValueError, FileNotFoundError) as e:  # incomplete folder, no --dev for int8, bad dev record
        _fail(str(e))
    for name, r in report.items():
        err.print(f"{escape(name)}: {r['megabytes']} MB, largest tag-logit difference to PyTorch "
                  f"{r['max_tag_logit_diff']:.2g}, tag agreement {r['tag_agreement']:.3f}")
    if int8:
        err.print(f"int8 graph calibrated and its theme thresholds tuned on {', '.join(p.name for p in dev)}")


def _quantity_metrics(analyzer, path: Path, gold: list[Path], corpus) -> dict:
    from training.quantity_eval import gold_regions_by_sentence, load_quantity_gold, parser_accuracy, predicted_accuracy
    if not path.exists():
        _fail(f"quantity gold file {path} does not exist")
    try:
        rows = load_quantity_gold(path, corpus)
    except (ValueError, KeyError) as e:
        _fail(f"{path}: {e}")
    records = [json.loads(line) for p in gold for line in p.open(encoding="utf-8") if line.strip()]
    on_gold, _ = parser_accuracy(rows, gold_regions_by_sentence(records))
    end_to_end, _ = predicted_accuracy(analyzer, rows)
    return {"end_to_end": end_to_end, "on_gold_spans": on_gold, "gold_file": path.name}


@app.command()
def validate(files: list[Path] = typer.Argument(..., help="Annotation files to check.")):
    """Check annotation records: offsets, overlaps, labels, and hashes against the corpus."""
    from training.annotations import validate_file
    from training.corpus import load_corpus
    try:
        corpus = load_corpus()
    except FileNotFoundError as e:
        err.print(f"[yellow]warning:[/yellow] {escape(str(e))}; records that point into the corpus cannot be checked")
        corpus = None
    problems = 0
    for path in files:
        if not path.exists():
            _fail(f"annotation file {path} does not exist")
        found = validate_file(path, corpus)
        for p in found:
            err.print(escape(p))
        problems += len(found)
        Console().print(escape(f"{path}: {'OK' if not found else f'{len(found)} problem(s)'}"))
    if problems:
        raise typer.Exit(1)


@app.command()
def report(input: Path = typer.Argument(..., help="JSON Lines written by `policytagger analyze` ('-' reads stdin)."),
           output: Path = typer.Option(..., "--output", "-o", help="HTML file to write."),
           title: Optional[str] = typer.Option(None, "--title", help="Page title (default: from the input's name)."),
           max_docs: int = typer.Option(200, "--max-docs", min=0,
                                        help="Show the full text of at most this many documents (tables and charts cover all)."),
           quiet: bool = typer.Option(False, "--quiet", "-q", help="No closing summary line.")):
    """One self-contained HTML page (works offline): highlighted texts, theme charts, a quantity table."""
    from .io import BadRecord
    from .report import read_analysis, render_report
    if str(input) != "-" and not input.is_file():
        _fail(f"analysis file {input} does not exist" if not input.exists() else f"{input} is not a file")
    counts = {"documents": 0, "bad": 0}

    def reported(items):  # bad lines are said as they are met; the page lists them too
        for item in items:
            if isinstance(item, BadRecord):
                counts["bad"] += 1
                err.print(f"[yellow]skipped[/yellow] {escape(item.where)}: {escape(item.reason)}")
            else:
                counts["documents"] += 1
            yield item

    page = render_report(reported(read_analysis(input)), max_docs=max_docs,
                         title=title or f"policytagger report — {input.name if str(input) != '-' else 'stdin'}")
    output.write_text(page, encoding="utf-8")
    if not quiet:
        err.print(f"report of {counts['documents']} document(s) written to {escape(str(output))}, "
                  f"{counts['bad']} bad record(s)")
    if counts["bad"]:
        raise typer.Exit(1)


from .server_config import BatchingConfig, ServerLimits  # noqa: E402  (plain dataclasses: no FastAPI import)

_LIMITS, _BATCHING = ServerLimits(), BatchingConfig()


@app.command()
def serve(
    model: Optional[Path] = _MODEL,
    runtime: str = _RUNTIME,
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0: all interfaces)."),
    port: int = typer.Option(8000, min=0, max=65535, help="Port to listen on."),
    max_docs: int = typer.Option(_LIMITS.max_docs, min=1, help="Documents per request (more: 422)."),
    max_chars: int = typer.Option(_LIMITS.max_chars, min=1, help="Characters per document text (more: 422)."),
    max_body_bytes: int = typer.Option(_LIMITS.max_body_bytes, min=1, help="Request body size (more: 413)."),
    max_wait_ms: float = typer.Option(_BATCHING.max_wait_ms, min=0,
                                      help="How long a batch waits for documents of other requests."),
    max_batch_docs: int = typer.Option(_BATCHING.max_batch_docs, min=1,
                                       help="Documents per model call (1 with --max-wait-ms 0: no batching)."),
    threads: Optional[int] = typer.Option(None, min=1, help="Threads of the model runtime (default: physical cores)."),
    shutdown_timeout: float = typer.Option(30.0, min=0, help="On SIGTERM, seconds in-flight requests get to finish."),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="Log every request."),
):
    """Serve the model over HTTP: POST /v1/analyze, GET /v1/model, /healthz, /readyz, /docs."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        _fail(f'serving needs FastAPI and uvicorn: pip install "policytagger[serve]" ({e})')
    from dataclasses import replace

    from model.analyzer import Analyzer
    from model.folder import ModelFolderError

    from .server import create_app, run_server
    try:  # loaded here, once, so a bad folder fails before the port opens
        analyzer = Analyzer.load(model, runtime=runtime, threads=threads)
    except (ModelFolderError, ValueError) as e:
        _fail(str(e))
    limits = ServerLimits(max_body_bytes=max_body_bytes, max_docs=max_docs, max_chars=max_chars)
    batching = replace(_BATCHING, max_wait_ms=max_wait_ms, max_batch_docs=max_batch_docs)
    server_app = create_app(analyzer, model_path=model, limits=limits, batching=batching)
    if not run_server(server_app, host=host, port=port, shutdown_timeout=shutdown_timeout, access_log=access_log):
        _fail("the server did not start (see the log above)", 1)


if __name__ == "__main__":
    app()
