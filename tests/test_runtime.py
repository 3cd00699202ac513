"""ONNX export and runtimes: the exported graphs give the analyser the same answers as PyTorch."""
import contextlib
import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from model.analyzer import Analyzer  # noqa: E402
from model.folder import ModelFolderError, read_meta, write_meta  # noqa: E402
from test_batch_independence import differences  # noqa: E402  (labels equal, scores within 1e-4)

TEXTS = ["今年全省地区生产总值增长5%左右。新开工项目20个，城镇新增就业10万人以上。", "浙江宁波市委书记易炼红在杭州强调，要深入实施八八战略。"]


# A dev gold file with inline, project-written sentences: the int8 graph is calibrated on it.
DEV_RECORDS = [{"text": "今年全省地区生产总值增长5%左右。", "spans": [[2, 4, "REGION"]], "themes": ["economy"]},
               {"text": "新开工项目20个，城镇新增就业10万人以上。", "spans": [], "themes": ["projects_investment", "livelihood"]},
               {"text": "浙江宁波市委书记易炼红在杭州强调，要深入实施八八战略。", "spans": [[8, 11, "PER"]], "themes": []}]


@pytest.fixture(scope="module")
def exported(tiny_model_dir, tmp_path_factory):
    from training.export import export_onnx
    folder = tmp_path_factory.mktemp("exported") / "model"
    shutil.copytree(tiny_model_dir, folder)
    dev = folder.parent / "dev.jsonl"
    dev.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in DEV_RECORDS), encoding="utf-8")
    # a relative folder, as `policytagger export model/default` passes it (the quantiser changes directory)
    with contextlib.chdir(folder.parent):
        report = export_onnx(Path("model"), dev_files=[Path("dev.jsonl")])
    return folder, report


def _summary(docs):
    return [[(s.start, s.end, s.type) for s in d.spans] + [[t.label for t in sent.themes] for sent in d.sentences]
            for d in docs]


def test_export_writes_both_graphs_close_to_pytorch(exported):
    folder, report = exported
    assert (folder / "model.onnx").exists() and (folder / "model.int8.onnx").exists()
    assert report["model.onnx"]["max_tag_logit_diff"] < 1e-3
    assert report["model.onnx"]["tag_agreement"] == 1.0
    assert 0 < report["model.int8.onnx"]["megabytes"] <= report["model.onnx"]["megabytes"]


def test_onnx_fp32_runtime_gives_the_pytorch_result(exported):
    folder, _ = exported
    reference = Analyzer.load(folder, runtime="torch").analyze_batch(TEXTS)
    onnx = Analyzer.load(folder, runtime="onnx")
    assert onnx.runtime.name == "onnx"
    assert _summary(onnx.analyze_batch(TEXTS)) == _summary(reference)


def test_int8_runtime_runs_and_auto_follows_the_folder(exported, tmp_path):
    folder, _ = exported
    docs = Analyzer.load(folder, runtime="onnx-int8").analyze_batch(TEXTS)
    assert [len(d.sentences) for d in docs] == [2, 1]
    copy = tmp_path / "m"
    shutil.copytree(folder, copy)
    meta = read_meta(copy)
    meta.runtime = "onnx-int8"
    write_meta(copy, meta)
    assert Analyzer.load(copy).runtime.name == "onnx-int8"
    (copy / "model.int8.onnx").unlink()  # the chosen graph is gone: fall back to PyTorch, still works
    assert Analyzer.load(copy).runtime.name == "torch"


def test_int8_graph_is_calibrated_on_dev_and_says_how(exported):
    folder, _ = exported
    meta = read_meta(folder)
    record = meta.export["onnx-int8"]
    assert record["quantisation"] == "static" and record["calibration_files"] == ["dev.jsonl"]
    assert record["calibration_sentences"] == len(DEV_RECORDS)
    assert set(meta.runtime_thresholds["onnx-int8"]) == set(meta.themes)


def test_int8_answers_do_not_depend_on_the_batch(exported):
    # fixed activation scales: a sentence gives the same logits alone and padded beside others
    folder, _ = exported
    analyzer = Analyzer.load(folder, runtime="onnx-int8")
    texts = [r["text"] for r in DEV_RECORDS] + TEXTS
    together = analyzer.analyze_batch(texts)
    for text, doc in zip(texts, together):
        assert not differences(analyzer(text).to_dict(), doc.to_dict()), text


def test_int8_export_without_dev_says_what_is_missing(tiny_model_dir, tmp_path):
    from training.export import export_onnx
    folder = tmp_path / "m"
    shutil.copytree(tiny_model_dir, folder)
    with pytest.raises(ValueError, match="--dev"):
        export_onnx(folder)


def test_runtime_errors_say_what_to_do(tiny_model_dir):
    with pytest.raises(ModelFolderError, match="policytagger export"):
        Analyzer.load(tiny_model_dir, runtime="onnx")
    with pytest.raises(ValueError, match="unknown runtime 'tensorrt'"):
        Analyzer.load(tiny_model_dir, runtime="tensorrt")
