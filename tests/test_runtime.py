"""ONNX export and runtimes: the exported graphs give the analyser the same answers as PyTorch."""
import shutil

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from model.analyzer import Analyzer  # noqa: E402
from model.folder import ModelFolderError, read_meta, write_meta  # noqa: E402

TEXTS = ["今年全省地区生产总值增长5%左右。新开工项目20个，城镇新增就业10万人以上。", "浙江宁波市委书记易炼红在杭州强调，要深入实施八八战略。"]


@pytest.fixture(scope="module")
def exported(tiny_model_dir, tmp_path_factory):
    from training.export import export_onnx
    folder = tmp_path_factory.mktemp("exported") / "model"
    shutil.copytree(tiny_model_dir, folder)
    report = export_onnx(folder)
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


def test_runtime_errors_say_what_to_do(tiny_model_dir):
    with pytest.raises(ModelFolderError, match="policytagger export"):
        Analyzer.load(tiny_model_dir, runtime="onnx")
    with pytest.raises(ValueError, match="unknown runtime 'tensorrt'"):
        Analyzer.load(tiny_model_dir, runtime="tensorrt")
