"""Speed and quality of each runtime of a model folder, on the same input, one after another.

    python benchmarks/speed.py [--model DIR] [--docs 40] [--threads N] [--out benchmarks/results/speed.json]
                               [--record]   # write the chosen default runtime into the model folder

For each variant (PyTorch fp32, ONNX Runtime fp32, ONNX Runtime int8) it measures the full pipeline
(sentence split, encoder, both heads, span decoding, quantities):
- sentences per second over dev-split documents (report text first), after a warm-up;
- latency per document: short TV-news items analysed one at a time (p50 / p95 / mean);
- import and model load time, and peak RSS of a process that has loaded only that variant;
- dev-set quality: span micro F1, quantity (TARGET+STAT) span F1, theme micro F1, and the share of
  found quantities whose value, unit and comparator are right.
Each variant runs in a fresh child process (started one after another by this one), because peak
memory and load time are only meaningful in a process that holds one model. Then the default is
the fastest variant within 1 F1 point of PyTorch fp32 on every headline metric. A scaling run
checks that cost grows linearly with document length. Reports, never asserts a timing.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = ("torch", "onnx", "onnx-int8")
HEADLINE = ("span_f1", "quantity_f1", "theme_f1")
DEV_SPANS = ROOT / "data/annotations/gold-v4.dev.jsonl"
DEV_QUANTITIES = ROOT / "data/annotations/quantities-v1.dev.jsonl"


class PeakRss:
    """Samples this process's resident memory every 20 ms; ``peak`` in MB."""

    def __init__(self):
        import psutil
        self.process, self.peak, self._stop = psutil.Process(), 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def inputs(n_docs: int) -> tuple[list[str], list[str]]:
    """(throughput documents, latency documents) from the dev split: reports and policies first, then news."""
    from training.corpus import load_corpus
    from training.splits import split_of
    dev = list(load_corpus(keep=lambda d: split_of(d["id"]) == "dev").values())
    long_docs = [d["text"] for d in dev if d["genre"] != "tv_news"]
    news = [d["text"] for d in dev if d["genre"] == "tv_news"]
    return (long_docs + news)[:n_docs], news[:100]


def measure(model: str | None, runtime: str, input_file: str, threads: int | None) -> dict:
    """One variant, in a fresh process (which reads only the prepared input, not the corpus)."""
    texts, short = json.loads(Path(input_file).read_text(encoding="utf-8"))
    started = time.perf_counter()
    with PeakRss() as rss:
        from model.analyzer import Analyzer
        imported = time.perf_counter()
        analyzer = Analyzer.load(model, runtime=runtime, threads=threads)
        loaded = time.perf_counter()
        analyzer.analyze(texts[0][:2000])  # warm-up
        t0 = time.perf_counter()
        docs = analyzer.analyze_batch(texts)
        seconds = time.perf_counter() - t0
        sentences = sum(len(d.sentences) for d in docs)
        latencies = []
        for text in short:
            t0 = time.perf_counter()
            analyzer.analyze(text)
            latencies.append(time.perf_counter() - t0)
    quality = dev_quality(analyzer)
    latencies.sort()
    return {
        "runtime": runtime,
        "sentences_per_second": round(sentences / seconds, 1),
        "documents": len(texts), "sentences": sentences,
        "chars_per_sentence": round(sum(len(t) for t in texts) / sentences, 1),
        "throughput_seconds": round(seconds, 2),
        "latency_ms": {"documents": len(short), "p50": round(1000 * statistics.median(latencies), 1),
                       "p95": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
                       "mean": round(1000 * statistics.fmean(latencies), 1),
                       "sentences_per_document": round(sum(len(analyzer(t).sentences) for t in short[:20]) / 20, 1)},
        "import_seconds": round(imported - started, 2),
        "load_seconds": round(loaded - imported, 2),
        "peak_rss_mb": round(rss.peak / 2**20),
        **quality,
    }


def dev_quality(analyzer) -> dict:
    from training.annotations import load_examples
    from training.corpus import load_corpus
    from training.evaluate import evaluate
    from training.quantity_eval import load_quantity_gold, predicted_accuracy
    needed = {json.loads(line)["doc_id"] for line in open(DEV_SPANS, encoding="utf-8")}
    corpus = load_corpus(keep=lambda d: d["id"] in needed)
    scores = evaluate(analyzer, load_examples(DEV_SPANS, corpus))
    values, _ = predicted_accuracy(analyzer, load_quantity_gold(DEV_QUANTITIES, corpus))
    return {"span_f1": round(scores["spans"]["micro avg"]["f1"], 4),
            "quantity_f1": round(scores["quantity_spans"]["micro avg"]["f1"], 4),
            "theme_f1": round(scores["themes"]["micro_f1"], 4),
            "quantity_value_unit_comparator": round(values["value_unit_comparator"], 4),
            "dev_sentences": scores["sentences"]}


def scaling(model: str | None, runtime: str, input_file: str, threads: int | None) -> dict:
    """Time one report-like document at 1×, 10× and 100× its length (the same text repeated)."""
    from model.analyzer import Analyzer
    analyzer = Analyzer.load(model, runtime=runtime, threads=threads)
    texts, _ = json.loads(Path(input_file).read_text(encoding="utf-8"))
    unit = texts[0][:3000]
    analyzer.analyze(unit)
    out = {}
    for times in (1, 10, 100):
        text = "\n".join([unit] * times)
        t0 = time.perf_counter()
        analyzer.analyze(text)
        out[f"x{times}"] = round(time.perf_counter() - t0, 3)
    out["ratio_10x"] = round(out["x10"] / out["x1"], 1)
    out["ratio_100x"] = round(out["x100"] / out["x1"], 1)
    out["unit_chars"] = len(unit)
    return out


def _child(queue, fn, *args):
    try:
        queue.put(("ok", fn(*args)))
    except Exception as e:  # report, keep the other variants going
        queue.put(("error", f"{type(e).__name__}: {e}"))


def in_child(fn, *args):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_child, args=(queue, fn, *args))
    process.start()
    status, value = queue.get()
    process.join()
    return value if status == "ok" else {"error": value}


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def choose(results: dict) -> str:
    """The fastest variant within 1 F1 point of PyTorch fp32 on every headline metric."""
    base = results["torch"]
    fit = [name for name, r in results.items() if "error" not in r
           and all(r[m] >= base[m] - 0.01 for m in HEADLINE)]
    return max(fit, key=lambda name: results[name]["sentences_per_second"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    ap.add_argument("--docs", type=int, default=40)
    ap.add_argument("--threads", type=int, default=None, help="default: physical cores")
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS))
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/speed.json"))
    ap.add_argument("--record", action="store_true", help="set the model folder's default runtime to the choice")
    args = ap.parse_args()
    import psutil
    from rich.console import Console
    from rich.table import Table

    import tempfile
    input_file = Path(tempfile.mkdtemp()) / "inputs.json"
    input_file.write_text(json.dumps(inputs(args.docs), ensure_ascii=False), encoding="utf-8")
    results = {}
    for runtime in args.variants:
        print(f"measuring {runtime} …", file=sys.stderr, flush=True)
        results[runtime] = in_child(measure, args.model, runtime, str(input_file), args.threads)
    chosen = choose(results) if "torch" in results and "error" not in results["torch"] else None
    base = results.get("torch", {})
    for r in results.values():
        if "error" not in r and "error" not in base and base:
            r["speedup"] = round(r["sentences_per_second"] / base["sentences_per_second"], 2)
    print(f"scaling with {chosen or args.variants[0]} …", file=sys.stderr, flush=True)
    linear = in_child(scaling, args.model, chosen or args.variants[0], str(input_file), args.threads)
    report = {"machine": {"cpu": cpu_name(), "logical_cpus": psutil.cpu_count(),
                          "physical_cores": psutil.cpu_count(logical=False),
                          "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "python": platform.python_version()},
              "model": args.model or "model/default", "threads": args.threads or "physical cores",
              "variants": results, "default": chosen, "scaling": linear}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")

    table = Table(title=f"policytagger runtimes ({report['machine']['physical_cores']} cores); dev split for F1")
    for col in ("runtime", "sent/s", "× torch", "latency p50/p95 ms", "import+load s", "peak RSS MB",
                "span F1", "quantity F1", "theme F1", "value+unit+comp"):
        table.add_column(col, justify="left" if col == "runtime" else "right")
    for name, r in results.items():
        if "error" in r:
            table.add_row(name, r["error"][:60], *[""] * 8)
            continue
        table.add_row(name + (" (default)" if name == chosen else ""), f"{r['sentences_per_second']:.0f}",
                      f"{r.get('speedup', 1.0):.2f}", f"{r['latency_ms']['p50']:.0f} / {r['latency_ms']['p95']:.0f}",
                      f"{r['import_seconds']:.1f}+{r['load_seconds']:.1f}", str(r["peak_rss_mb"]),
                      f"{r['span_f1']:.3f}", f"{r['quantity_f1']:.3f}", f"{r['theme_f1']:.3f}",
                      f"{r['quantity_value_unit_comparator']:.3f}")
    console = Console()
    console.print(table)
    if "error" not in linear:
        console.print(f"scaling ({chosen}): {linear['unit_chars']} chars {linear['x1']} s; ×10 length {linear['x10']} s "
                      f"(ratio {linear['ratio_10x']}); ×100 length {linear['x100']} s (ratio {linear['ratio_100x']})")
    console.print(f"written {args.out}")
    if args.record and chosen:
        from model.analyzer import DEFAULT_MODEL_DIR
        from model.folder import read_meta, write_meta
        from training.card import record_metrics
        folder = Path(args.model) if args.model else DEFAULT_MODEL_DIR
        meta = read_meta(folder)
        meta.runtime = chosen
        write_meta(folder, meta)
        record_metrics(folder, "speed", {k: v for k, v in report.items() if k != "model"})
        console.print(f"default runtime of {folder}: {chosen}; speed recorded in its card")

if __name__ == "__main__":
    main()
