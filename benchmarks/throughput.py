"""Analyse throughput of a model folder on corpus documents (dev split): sentences per second.

    python benchmarks/throughput.py [--model DIR] [--docs 40] [--threads N]

Measures the whole pipeline (split, encode, both heads, decode) over the provincial-report and
policy documents of the dev split, after one warm-up document. Reports, never asserts.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import torch  # noqa: E402

from model.analyzer import Analyzer  # noqa: E402
from training.corpus import load_corpus  # noqa: E402
from training.splits import split_of  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--docs", type=int, default=40)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()
    started = time.perf_counter()
    analyzer = Analyzer.load(args.model, threads=args.threads, batch_size=args.batch_size)
    load_s = time.perf_counter() - started
    corpus = load_corpus()
    docs = [d for d in corpus.values() if split_of(d["id"]) == "dev" and d["genre"] != "tv_news"]
    docs += [d for d in corpus.values() if split_of(d["id"]) == "dev" and d["genre"] == "tv_news"]
    texts = [d["text"] for d in docs[:args.docs]]
    analyzer.analyze(texts[0][:2000])  # warm-up
    started = time.perf_counter()
    results = analyzer.analyze_batch(texts)
    seconds = time.perf_counter() - started
    sentences = sum(len(d.sentences) for d in results)
    chars = sum(len(t) for t in texts)
    print(json.dumps({"documents": len(texts), "sentences": sentences, "characters": chars,
                      "seconds": round(seconds, 2), "sentences_per_second": round(sentences / seconds, 1),
                      "chars_per_sentence": round(chars / sentences, 1), "model_load_seconds": round(load_s, 2),
                      "torch_threads": torch.get_num_threads()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
