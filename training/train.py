"""Fine-tune the tagger: data → tokenize and align → train → pick the best epoch on dev → save.

Read top to bottom, like Hugging Face's run_ner.py: one path, configured by a RunConfig.
"""
from __future__ import annotations

import copy
import random
import subprocess
import time
from pathlib import Path

import numpy as np
import torch
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

from model.analyzer import Analyzer
from model.encoders import resolve_encoder
from model.folder import ModelMeta, save_model
from model.labels import THEMES, bio_tags
from model.network import TaggerNetwork

from .alignment import AlignmentStats, align_labels
from .annotations import AnnotationError, Example, load_examples
from .card import model_card
from .cluener import load_cluener
from .config import RunConfig
from .corpus import CLUENER_DIR, corpus_for
from .evaluate import evaluate, predict, theme_matrix, tune_thresholds
from .splits import split_of


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_silver(config: RunConfig, corpus: dict | None) -> list[Example]:
    """Silver examples (same loader as gold), train-split documents only, sampled with the run seed."""
    silver = []
    for path in config.data.silver_train:
        for e in load_examples(Path(path), corpus):
            if e.doc_id is not None and split_of(e.doc_id) != "train":
                raise AnnotationError(f"{path}: silver record of {e.doc_id!r}, a {split_of(e.doc_id)}-split "
                                      "document: silver training data may only come from train documents")
            e.source = "silver"
            if not config.data.silver_themes:
                e.themes = None  # no theme loss on these sentences
            silver.append(e)
    limit = config.data.silver_limit
    if limit is not None and limit < len(silver):
        silver = random.Random(config.train.seed).sample(silver, limit)
    return silver


def load_data(config: RunConfig) -> tuple[list[Example], list[Example], dict]:
    corpus = corpus_for(config.data.gold_train + config.data.gold_dev + config.data.silver_train)
    gold_train = [e for p in config.data.gold_train for e in load_examples(Path(p), corpus)]
    dev = [e for p in config.data.gold_dev for e in load_examples(Path(p), corpus)]
    train = gold_train * config.data.gold_repeat
    silver = load_silver(config, corpus)
    train += silver
    cluener = []
    if config.data.cluener:
        cluener = load_cluener(CLUENER_DIR / "train.json", config.data.cluener_limit)
        train += cluener
    counts = {"gold_train_sentences": len(gold_train), "gold_repeat": config.data.gold_repeat,
              "silver_sentences": len(silver), "cluener_sentences": len(cluener), "dev_sentences": len(dev)}
    return train, dev, counts


def encode(examples: list[Example], tokenizer, tag_ids: dict, max_length: int, stats: AlignmentStats) -> list[dict]:
    theme_index = {t: k for k, t in enumerate(THEMES)}
    features = []
    for e in examples:
        enc = tokenizer(e.text, truncation=True, max_length=max_length, return_offsets_mapping=True)
        themes = np.zeros(len(THEMES), dtype=np.float32)
        for t in e.themes or []:
            themes[theme_index[t]] = 1.0
        features.append({"input_ids": enc["input_ids"],
                         "labels": align_labels(enc["offset_mapping"], e.spans, tag_ids, stats),
                         "themes": themes, "has_themes": e.themes is not None})
    return features


def batches(features: list[dict], batch_size: int, pad_id: int, rng: random.Random):
    """Shuffled batches of similar length (shuffle, then sort inside chunks of 50 batches)."""
    order = list(range(len(features)))
    rng.shuffle(order)
    chunk = batch_size * 50
    groups = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i:i + chunk], key=lambda k: len(features[k]["input_ids"]))
        groups += [part[j:j + batch_size] for j in range(0, len(part), batch_size)]
    rng.shuffle(groups)
    for group in groups:
        width = max(len(features[k]["input_ids"]) for k in group)
        ids = torch.full((len(group), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(group), width), dtype=torch.long)
        labels = torch.full((len(group), width), -100, dtype=torch.long)
        for row, k in enumerate(group):
            n = len(features[k]["input_ids"])
            ids[row, :n] = torch.tensor(features[k]["input_ids"])
            mask[row, :n] = 1
            labels[row, :n] = torch.tensor(features[k]["labels"])
        yield (ids, mask, labels, torch.tensor(np.stack([features[k]["themes"] for k in group])),
               torch.tensor([features[k]["has_themes"] for k in group]))


def load_encoder(path: str):
    try:
        return AutoModel.from_pretrained(path, add_pooling_layer=False)
    except TypeError:  # architectures without a pooler option
        return AutoModel.from_pretrained(path)


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def train(config: RunConfig, show_progress: bool = True) -> Path:
    started = time.time()
    set_seed(config.train.seed)
    if config.train.threads:
        torch.set_num_threads(config.train.threads)
    tags = bio_tags()
    tag_ids = {t: i for i, t in enumerate(tags)}

    # 1. data
    train_examples, dev_examples, counts = load_data(config)
    if not train_examples:
        raise ValueError("no training data: set data.gold_train and/or data.cluener in the config")

    # 2. tokenizer, encoder, heads
    encoder_path = resolve_encoder(config.model.encoder)
    tokenizer = AutoTokenizer.from_pretrained(encoder_path)
    network = TaggerNetwork(load_encoder(encoder_path), len(tags), len(THEMES), config.model.dropout)
    if config.model.freeze_word_embeddings:
        network.encoder.get_input_embeddings().weight.requires_grad = False

    # 3. tokenize and align
    stats = AlignmentStats()
    features = encode(train_examples, tokenizer, tag_ids, config.model.max_length, stats)

    # 4. optimiser: small steps for the pretrained encoder, large ones for the fresh heads
    head_params = list(network.tag_head.parameters()) + list(network.theme_head.parameters())
    encoder_params = [p for p in network.encoder.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW([
        {"params": encoder_params, "lr": config.train.lr_encoder},
        {"params": head_params, "lr": config.train.lr_heads},
    ], weight_decay=config.train.weight_decay)
    steps_per_epoch = -(-len(features) // config.train.batch_size)
    total_steps = steps_per_epoch * config.train.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.train.warmup_ratio * total_steps), total_steps)
    tag_loss = torch.nn.CrossEntropyLoss(ignore_index=-100)
    theme_loss = torch.nn.BCEWithLogitsLoss(reduction="none")

    meta = ModelMeta(tags=tags, themes=list(THEMES), theme_thresholds={t: 0.5 for t in THEMES},
                     max_length=config.model.max_length, encoder=config.model.encoder)
    rng = random.Random(config.train.seed)
    best = (-1.0, None, None)
    history = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn(), TextColumn("{task.fields[info]}"))
    with Progress(*columns, disable=not show_progress) as progress:
        for epoch in range(1, config.train.epochs + 1):
            network.train()
            task = progress.add_task(f"epoch {epoch}/{config.train.epochs}", total=steps_per_epoch, info="")
            running = []
            for ids, mask, labels, themes, has_themes in batches(features, config.train.batch_size, tokenizer.pad_token_id, rng):
                tag_logits, theme_logits = network(ids, mask)
                loss = config.train.span_loss_weight * tag_loss(tag_logits.reshape(-1, len(tags)), labels.reshape(-1))
                if has_themes.any() and config.train.theme_loss_weight:
                    per_example = theme_loss(theme_logits, themes).mean(-1)
                    loss = loss + config.train.theme_loss_weight * per_example[has_themes].mean()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                running.append(loss.item())
                progress.update(task, advance=1, info=f"loss {np.mean(running[-50:]):.4f}")
            record = {"epoch": epoch, "train_loss": float(np.mean(running))}
            if dev_examples:
                network.eval()
                scores = evaluate(Analyzer(network, tokenizer, meta), dev_examples)
                record["dev_span_f1"] = scores["spans"].get("micro avg", {}).get("f1", 0.0)
                record["dev_theme_micro_f1"] = scores.get("themes", {}).get("micro_f1", 0.0)
                selection = record["dev_span_f1"] + record["dev_theme_micro_f1"]
            else:
                selection = float(epoch)  # no dev set: keep the last epoch
            history.append(record)
            progress.console.print(record)
            if selection > best[0]:
                best = (selection, epoch, copy.deepcopy(network.state_dict()))

    # 5. best epoch, theme thresholds tuned on dev, final dev metrics
    network.load_state_dict(best[2])
    network.eval()
    analyzer = Analyzer(network, tokenizer, meta)
    dev_metrics = {}
    if dev_examples:
        themed = [e for e in dev_examples if e.themes is not None]
        _, probs = predict(analyzer, themed)
        meta.theme_thresholds = tune_thresholds(theme_matrix(themed), probs)
        analyzer = Analyzer(network, tokenizer, meta)
        dev_metrics = evaluate(analyzer, dev_examples)
    cluener_dev = {}
    if config.data.cluener and (CLUENER_DIR / "dev.json").exists():
        cluener_dev = evaluate(analyzer, load_cluener(CLUENER_DIR / "dev.json"))["spans"]

    meta.training = {"config": config.to_dict(), "data": counts, "best_epoch": best[1], "history": history,
                     "alignment": stats.__dict__, "train_seconds": round(time.time() - started, 1),
                     "commit": git_commit(), "torch": torch.__version__}
    meta.metrics = {"dev": dev_metrics, "cluener_dev_spans": cluener_dev}
    out = save_model(Path(config.output_dir), network, tokenizer, meta)
    (out / "README.md").write_text(model_card(meta), encoding="utf-8")
    return out
