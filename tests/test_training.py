"""One tiny training run end to end: YAML config → data → align → train → saved folder → Analyzer."""
import json

import pytest
import yaml

from model.analyzer import Analyzer
from training.cluener import convert_record, is_place_like
from training.config import load_config
from training.train import train

GOLD = [
    {"text": "今年全省地区生产总值增长5.5%左右。", "spans": [[4, 18, "TARGET"]], "themes": ["economy"]},
    {"text": "浙江宁波市政府强调要深入实施八八战略。", "spans": [[0, 4, "REGION"], [14, 18, "POLICY"]], "themes": ["party_conduct"]},
    {"text": "城镇新增就业60万人以上。", "spans": [[0, 12, "TARGET"]], "themes": ["livelihood"]},
    {"text": "省委书记易炼红在杭州强调。", "spans": [[0, 2, "ORG"], [4, 7, "PER"], [8, 10, "REGION"]], "themes": []},
]


def test_a_config_drives_a_whole_training_run(tiny_encoder_dir, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in GOLD), encoding="utf-8")
    config = tmp_path / "run.yaml"
    config.write_text(yaml.safe_dump({
        "output_dir": str(tmp_path / "out"),
        "data": {"gold_train": [str(gold)], "gold_dev": [str(gold)], "cluener": False, "gold_repeat": 8},
        "model": {"encoder": str(tiny_encoder_dir), "max_length": 64},
        "train": {"epochs": 2, "batch_size": 8, "lr_encoder": 1e-3, "lr_heads": 1e-2, "seed": 3},
    }))
    folder = train(load_config(config), show_progress=False)
    meta = json.loads((folder / "policytagger.json").read_text())
    assert meta["training"]["data"]["gold_train_sentences"] == 4
    assert len(meta["training"]["history"]) == 2
    assert set(meta["theme_thresholds"]) == set(meta["themes"])
    assert "micro avg" in meta["metrics"]["dev"]["spans"]
    assert "## Metrics: dev split" in (folder / "README.md").read_text()
    doc = Analyzer.load(folder)("今年全省地区生产总值增长5.5%左右。")
    assert len(doc.sentences) == 1


def test_unknown_config_keys_are_errors(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("train:\n  epoch: 3\n")
    with pytest.raises(ValueError, match=r"train: unknown key\(s\) \['epoch'\]"):
        load_config(config)


def test_cluener_types_map_onto_ours():
    record = {"text": "浙商银行叶老桂在北京市海淀区中关村大街1号与国务院会谈",
              "label": {"company": {"浙商银行": [[0, 3]]}, "name": {"叶老桂": [[4, 6]]},
                        "address": {"北京市海淀区中关村大街1号": [[8, 20]]}, "government": {"国务院": [[22, 24]]},
                        "position": {"博士": [[0, 1]]}}}
    example = convert_record(record)
    assert example.spans == [(0, 4, "COMPANY"), (4, 7, "PER"), (22, 25, "ORG")]
    assert example.themes is None
    assert is_place_like("浙江省宁波市") and not is_place_like("中关村大街1号")
