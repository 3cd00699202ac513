"""The ``policytagger`` command: a thin shell over model.Analyzer and training."""
from __future__ import annotations

import json
import os
import sys
from itertools import islice
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
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


class _Batch:
    """Documents from inputs, analysed in chunks; bad records are reported and counted, not fatal."""

    def __init__(self, inputs, model, batch_size, docs_per_chunk, errors, quiet, show_progress, runtime="auto"):
        from .io import read_documents
        self.analyzer = _load_analyzer(model, batch_size, runtime)
        self.stream = read_documents(inputs)
        self.docs_per_chunk, self.errors, self.quiet = docs_per_chunk, errors, quiet
        self.show_progress = show_progress and not quiet
        self.done = self.bad = 0

    def documents(self):
        """Yield analysed Documents in input order, chunk by chunk."""
        from .io import BadRecord
        err_out = self.errors.open("w", encoding="utf-8") if self.errors else None
        try:
            with Progress(console=err, disable=not self.show_progress) as progress:
                task = progress.add_task("analysing", total=None)
                while chunk := list(islice(self.stream, self.docs_per_chunk)):
                    docs = []
                    for item in chunk:
                        if isinstance(item, BadRecord):
                            self.bad += 1
                            where = f"{item.source}:{item.line}" if item.line else item.source
                            err.print(f"[yellow]skipped[/yellow] {escape(where)}: {escape(item.reason)}")
                            if err_out:
                                err_out.write(json.dumps(item.__dict__, ensure_ascii=False) + "\n")
                        else:
                            docs.append(item)
                    yield from self.analyzer.analyze_batch([d.text for d in docs], ids=[d.id for d in docs],
                                                             metas=[d.meta for d in docs])
                    self.done += len(docs)
                    progress.update(task, advance=len(chunk), description=f"analysed {self.done} documents")
        finally:
            if err_out:
                err_out.close()

    def finish(self):
        if not self.quiet:
            err.print(f"{self.done} document(s) analysed, {self.bad} bad record(s)")
        if self.bad:
            raise typer.Exit(1)


_INPUTS = typer.Argument(None, help="Text or JSON Lines files; none or '-' reads stdin.")
_INPUT = typer.Option(None, "--input", "-i", help="Input file (may repeat).")
_MODEL = typer.Option(None, "--model", "-m", help="Model folder (default: shipped model).")
_ERRORS = typer.Option(None, "--errors", help="Write bad records here as JSON Lines.")
_QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")
_RUNTIME = typer.Option("auto", "--runtime", help="torch, onnx, onnx-int8, or auto (the model's benchmarked default).")


@app.command()
def analyze(
    inputs: list[Path] = _INPUTS,
    input: list[Path] = _INPUT,
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="JSON Lines output (default stdout)."),
    model: Optional[Path] = _MODEL,
    errors: Optional[Path] = _ERRORS,
    batch_size: int = typer.Option(32, help="Sentences per forward pass."),
    docs_per_chunk: int = typer.Option(64, help="Documents analysed (and written) together."),
    include_text: bool = typer.Option(False, "--include-text", help="Copy each document's text into the output."),
    quiet: bool = _QUIET,
    runtime: str = _RUNTIME,
):
    """Analyse documents: one JSON object per document, {"id", "sentences", "spans"}."""
    batch = _Batch(list(inputs or []) + list(input or []), model, batch_size, docs_per_chunk, errors, quiet,
                   show_progress=err.is_terminal or output is not None, runtime=runtime)
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        for doc in batch.documents():
            out.write(json.dumps(doc.to_dict(include_text=include_text), ensure_ascii=False) + "\n")
            out.flush()  # results are usable (and survive a crash) as they come
    finally:
        if output:
            out.close()
    batch.finish()


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


@app.command()
def targets(
    inputs: list[Path] = _INPUTS,
    input: list[Path] = _INPUT,
    output: Path = typer.Option(..., "--output", "-o", help="CSV file (or .parquet) with one row per quantity."),
    model: Optional[Path] = _MODEL,
    errors: Optional[Path] = _ERRORS,
    quiet: bool = _QUIET,
    runtime: str = _RUNTIME,
):
    """Every TARGET and STAT across a batch as a spreadsheet: one row per quantity."""
    import csv
    batch = _Batch(list(inputs or []) + list(input or []), model, 32, 64, errors, quiet, show_progress=True,
                   runtime=runtime)
    rows = []
    for doc in batch.documents():
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
    batch.finish()


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
           int8: bool = typer.Option(True, "--int8/--no-int8", help="Also write the int8 (dynamic quantisation) graph."),
           dev: list[Path] = typer.Option([], "--dev", help="Dev gold file(s): tune the int8 graph's theme thresholds on them.")):
    """Export a model folder to ONNX (model.onnx, model.int8.onnx) for the fast CPU runtimes."""
    try:
        from training.export import export_onnx, tune_runtime_thresholds
    except ImportError as e:
        _fail(f"exporting needs the export extra: pip install 'policytagger[export]' ({e})")
    from model.analyzer import DEFAULT_MODEL_DIR
    from model.folder import ModelFolderError
    try:
        report = export_onnx(model or DEFAULT_MODEL_DIR, int8=int8)
    except ModelFolderError as e:
        _fail(str(e))
    for name, r in report.items():
        err.print(f"{escape(name)}: {r['megabytes']} MB, largest tag-logit difference to PyTorch "
                  f"{r['max_tag_logit_diff']:.2g}, tag agreement {r['tag_agreement']:.3f}")
    if int8 and dev:
        missing = [str(p) for p in dev if not p.exists()]
        if missing:
            _fail(f"dev file(s) {', '.join(missing)} do not exist")
        tune_runtime_thresholds(model or DEFAULT_MODEL_DIR, "onnx-int8", dev)
        err.print(f"theme thresholds of onnx-int8 tuned on {', '.join(p.name for p in dev)}")


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


if __name__ == "__main__":
    app()
