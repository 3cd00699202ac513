import json

from typer.testing import CliRunner

from policytagger.cli import app

runner = CliRunner()


def test_analyze_jsonl_file_to_file_and_bad_lines_are_reported(tiny_model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "今年全省地区生产总值增长5.5%左右。"}\nnot json\n{"id": "b"}\n'
                   '{"id": "c", "text": ""}\n', encoding="utf-8")
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model_dir), "--input", str(src),
                                 "--output", str(out), "--errors", str(errors)])
    assert result.exit_code == 1  # bad records make the exit code non-zero, after everything else is done
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "c"]
    assert rows[0]["sentences"][0]["start"] == 0 and rows[1]["sentences"] == []
    bad = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [(b["line"], b["reason"].split(":")[0]) for b in bad] == [(2, "invalid JSON"), (3, "missing or non-string 'text' field")]
    assert "line" not in result.output or "Traceback" not in result.output


def test_analyze_reads_plain_text_from_stdin(tiny_model_dir):
    result = runner.invoke(app, ["analyze", "-m", str(tiny_model_dir), "-q"], input="第一句。\n第二句！")
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["id"] == "stdin" and len(row["sentences"]) == 2


def test_undecodable_bytes_in_jsonl_lose_only_that_line(tiny_model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes('{"id": "a", "text": "好。"}\n'.encode() + b'{"id": "b", "text": "\xff\xfe"}\n' + '{"id": "c", "text": "行。"}\n'.encode())
    result = runner.invoke(app, ["analyze", "-m", str(tiny_model_dir), "-q", str(src)])
    assert result.exit_code == 1
    assert [json.loads(l)["id"] for l in result.stdout.splitlines() if l.startswith("{")] == ["a", "c"]
    assert "not valid UTF-8" in result.output


def test_missing_model_folder_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["analyze", "--model", str(tmp_path / "nope")], input="好。")
    assert result.exit_code == 2
    assert "model folder" in result.output and "does not exist" in result.output
    assert "Traceback" not in result.output


def test_validate_reports_problems_with_file_and_line(tmp_path):
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text('{"text": "浙江宁波", "spans": [[0, 2, "REGION"]], "themes": []}\n', encoding="utf-8")
    bad.write_text('{"text": "浙江宁波", "spans": [[0, 2, "PLACE"]]}\n', encoding="utf-8")
    assert runner.invoke(app, ["validate", str(good)]).exit_code == 0
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1 and "bad.jsonl:1" in result.output and "PLACE" in result.output


def test_evaluate_prints_per_type_scores(tiny_model_dir, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"text": "浙江宁波市政府。", "spans": [[0, 4, "REGION"]], "themes": ["economy"]}\n', encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(gold), "--model", str(tiny_model_dir), "--json", str(tmp_path / "m.json")])
    assert result.exit_code == 0, result.output
    assert "REGION" in result.output and "micro F1" in result.output
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["spans"]["REGION"]["support"] == 1


def test_evaluate_can_record_held_out_metrics_in_the_model_card(tiny_model_dir, tmp_path):
    import shutil
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    gold = tmp_path / "gold.test.jsonl"
    gold.write_text('{"text": "浙江宁波市政府。", "spans": [[0, 4, "REGION"]], "themes": ["economy"]}\n', encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(gold), "--model", str(folder), "--record-as", "test"])
    assert result.exit_code == 0, result.output
    meta = json.loads((folder / "policytagger.json").read_text())
    assert meta["metrics"]["test"]["gold_files"] == ["gold.test.jsonl"]
    assert "## Metrics: test split (1 sentences)" in (folder / "README.md").read_text()


def test_bad_metadata_loses_only_that_record(tiny_model_dir, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "好。", "region": "宁波", "year": 2025}\n'
                   '{"id": "b", "text": "好。", "year": "去年"}\n{"id": "c", "text": "行。", "region": 7}\n', encoding="utf-8")
    result = runner.invoke(app, ["analyze", "-m", str(tiny_model_dir), "-q", str(src)])
    assert result.exit_code == 1
    rows = [json.loads(l) for l in result.stdout.splitlines() if l.startswith("{")]
    assert [(r["id"], r["meta"]) for r in rows] == [("a", {"region": "宁波", "year": 2025})]
    assert "'year' must be a year" in result.output and "'region' must be a string" in result.output


def test_value_rows_split_ranges_and_lists():
    from model.quantities import Quantity
    from policytagger.cli import _value_rows
    row = {"doc_id": "x"}
    assert _value_rows(row, Quantity("增速", [5, 6], "%", "range", "growth_rate")) == [
        {"doc_id": "x", "value": 5, "value_max": 6, "part": None}]
    assert [r["value"] for r in _value_rows(row, Quantity("出口", [12.1, 5.3], "%", "exact", "growth_rate"))] == [12.1, 5.3]
    assert _value_rows(row, Quantity("出口", 7, "%", "exact", "growth_rate"))[0]["part"] is None
