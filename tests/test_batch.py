"""The batch engine (policytagger.batch) through ``policytagger analyze``, on the shipped model:
folders, streamed JSON Lines, bad records, workers, kill and resume."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from policytagger.batch import analyze_documents, cut_torn_line, output_line, prepare_resume
from policytagger.cli import app
from policytagger.io import BadRecord, InputDocument, InputFile, UniqueIds, parse_line, read_file

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()

# Project-written sentences (no corpus text), mixed into the two example documents.
SENTENCES = [
    "今年全市地区生产总值增长5%左右。",
    "力争新开工重大项目80个，完成固定资产投资300亿元。",
    "城镇调查失业率控制在5.5%以内，居民人均可支配收入增长6%。",
    "加快发展集成电路、人工智能和生物医药产业。",
    "去年全省粮食产量达到1200万吨，比上年增长1.8%。",
    "新建改建农村公路500公里，新增公办幼儿园学位2万个。",
    "市委书记在调研时强调，要持续优化营商环境。",
]
EXAMPLES = [json.loads(line) for line in (REPO / "examples" / "documents.jsonl").read_text(encoding="utf-8").splitlines()]


def make_records(n: int, prefix: str = "doc") -> list[dict]:
    """n short documents with unique ids: an example document plus one to three of the sentences."""
    records = []
    for i in range(n):
        base = EXAMPLES[i % len(EXAMPLES)]
        text = "".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(1 + i % 3))
        records.append(base | {"id": f"{prefix}-{i:04d}", "text": base["text"] + text})
    return records


def jsonl_bytes(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def analyze(*args: str):
    return runner.invoke(app, ["analyze", "-q", *args])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """reports/: two text files (same name in different sub-folders), a 40-record JSON Lines file,
    a file of mixed good and bad records, and a file that is no input."""
    root = tmp_path_factory.mktemp("batch") / "reports"
    (root / "city" / "2024").mkdir(parents=True)
    (root / "city" / "2025").mkdir(parents=True)
    (root / "city" / "2024" / "report.txt").write_text(SENTENCES[0] + SENTENCES[1], encoding="utf-8")
    (root / "city" / "2025" / "report.txt").write_text(SENTENCES[2] + SENTENCES[3], encoding="utf-8")
    (root / "big.jsonl").write_bytes(jsonl_bytes(make_records(40)))
    good = make_records(3, prefix="mixed")
    (root / "mixed.ndjson").write_bytes(
        jsonl_bytes(good[:1])
        + b'{"id": "broken", "text": "\xe5\xa5\xbd\n'                          # 2: invalid JSON
        + b'{"id": "no-text", "title": "x"}\n'                                  # 3: missing text
        + b'{"id": "bytes", "text": "\xff\xfe\xe5"}\n'                         # 4: undecodable bytes
        + b'{"id": "year", "text": "\xe5\xa5\xbd\xe3\x80\x82", "year": 19}\n'   # 5: bad year
        + b"\n"                                                                  # 6: blank, not a record
        + jsonl_bytes(good[1:2])                                                 # 7
        + jsonl_bytes([{"id": "doc-0003", "text": "重复的编号。"}])            # 8: duplicate id (big.jsonl:4)
        + jsonl_bytes(good[2:]))                                                 # 9
    (root / "notes.md").write_text("not an input", encoding="utf-8")
    return root


EXPECTED_BAD = {
    2: (None, "invalid JSON"),  # no id: the line is not JSON
    3: ("no-text", "missing or non-string 'text' field"),
    4: (None, "not valid UTF-8"),
    5: ("year", "'year' must be a year"),
    8: ("doc-0003", "duplicate id 'doc-0003': first seen at "),
}


def test_folder_with_bad_records_completes_the_good_ones(folder, tmp_path):
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    result = runner.invoke(app, ["analyze", str(folder), "-o", str(out), "--errors", str(errors)])
    assert result.exit_code == 1, result.output  # bad records: 1, after everything else is done
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    # sorted walk: big.jsonl, city/2024, city/2025, mixed.ndjson; text files are named by their path in the folder
    assert ids == [f"doc-{i:04d}" for i in range(40)] + ["city/2024/report.txt", "city/2025/report.txt",
                                                         "mixed-0000", "mixed-0001", "mixed-0002"]
    bad = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    mixed = str(folder / "mixed.ndjson")
    assert [b["source"] for b in bad] == [mixed] * 5
    assert {b["line"]: (b["id"], b["reason"][:len(EXPECTED_BAD[b["line"]][1])]) for b in bad} == EXPECTED_BAD
    assert bad[-1]["reason"].endswith("big.jsonl:4")
    assert f"{mixed}:4: not valid UTF-8" in result.output
    assert "45 document(s) analysed, 5 bad record(s)" in result.output
    assert "1 file(s) in folders skipped" in result.output and "notes.md" in result.output


def test_jsonl_is_streamed_line_by_line(tmp_path):
    """A record is yielded before the rest of the file exists: a FIFO sends line 2 only once line 1
    has come out (a reader that read the whole file first would wait for the 10 s timeout)."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs a FIFO (POSIX)")
    fifo = tmp_path / "live.jsonl"
    os.mkfifo(fifo)
    first_out, streamed = threading.Event(), []

    def writer():
        with fifo.open("wb") as f:
            f.write(jsonl_bytes(make_records(1, "one")))
            f.flush()
            streamed.append(first_out.wait(10))
            f.write(jsonl_bytes(make_records(1, "two")))
    thread = threading.Thread(target=writer)
    thread.start()
    items = read_file(InputFile(fifo, str(fifo), fifo.name))
    first = next(items)
    first_out.set()
    rest = list(items)
    thread.join()
    assert streamed == [True]
    assert [first.id] + [d.id for d in rest] == ["one-0000", "two-0000"]


def test_parse_line_is_pure_and_takes_bytes_or_str():
    line = json.dumps({"text": "今年增长5%。", "region": "宁波"}, ensure_ascii=False)
    from_bytes, from_str = parse_line(line.encode(), "a.jsonl", 7), parse_line(line, "a.jsonl", 7)
    assert from_bytes == from_str == InputDocument("a.jsonl:7", "今年增长5%。", {"region": "宁波"}, "a.jsonl", 7)
    assert parse_line(b"\xef\xbb\xbf" + line.encode(), "a.jsonl", 1).id == "a.jsonl:1"  # BOM on line 1
    assert parse_line(b"  \r\n", "a.jsonl", 3) is None
    assert parse_line('{"id": [1], "text": "x"}', "a.jsonl", 2).reason.startswith("'id' must be a string")
    assert parse_line('{"id": 12, "text": "x"}', "a.jsonl", 2).id == "12"
    assert parse_line(b'{"text": "\xff"}', "s", 4) == BadRecord("s", 4, "not valid UTF-8 (byte 10 of the line)")


def test_duplicate_ids_name_the_first_occurrence():
    unique = UniqueIds()
    first = InputDocument("x", "好。", None, "a.jsonl", 3)
    assert unique.check(first) is first
    bad = unique.check(InputDocument("x", "好。", None, "b.jsonl", 9))
    assert bad == BadRecord("b.jsonl", 9, "duplicate id 'x': first seen at a.jsonl:3", "x")


def test_two_workers_write_the_same_bytes_as_one(folder, tmp_path):
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out-{workers}.jsonl"
        result = analyze(str(folder), "-o", str(out), "--workers", workers, "--docs-per-chunk", "4")
        assert result.exit_code == 1, result.output  # the folder's bad records
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") == 45


def test_output_pieces_are_those_the_cli_writes(folder, tmp_path):
    from model.analyzer import Analyzer
    records = make_records(5)
    docs = [parse_line(json.dumps(r, ensure_ascii=False), "x.jsonl", i) for i, r in enumerate(records, 1)]
    lines = "".join(output_line(r) for r in analyze_documents(Analyzer.load(), docs, include_text=True))
    src = tmp_path / "x.jsonl"
    src.write_bytes(jsonl_bytes(records))
    out = tmp_path / "out.jsonl"
    assert analyze(str(src), "-o", str(out), "--include-text").exit_code == 0
    assert out.read_text(encoding="utf-8") == lines


def test_kill_and_resume_completes_the_file_as_an_uninterrupted_run(tmp_path):
    records = make_records(120)
    bad_lines = [b"this is not json\n", b'{"id": "doc-0002", "text": "\xe9\x87\x8d\xe5\xa4\x8d"}\n',
                 b'{"id": "late", "text": 5}\n']
    big = tmp_path / "big.jsonl"
    big.write_bytes(jsonl_bytes(records[:3]) + bad_lines[0] + jsonl_bytes(records[3:60]) + bad_lines[1]
                    + jsonl_bytes(records[60:]) + bad_lines[2])
    options = ["--docs-per-chunk", "2"]

    reference, reference_errors = tmp_path / "reference.jsonl", tmp_path / "reference-errors.jsonl"
    assert analyze(str(big), "-o", str(reference), "--errors", str(reference_errors), *options).exit_code == 1

    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    command = [sys.executable, "-m", "policytagger.cli", "analyze", str(big), "-o", str(out), "--errors", str(errors),
               "--workers", "2", "-q", *options]
    env = os.environ | {"PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if out.exists() and out.read_bytes().count(b"\n") >= 6:
            break
        time.sleep(0.01)
    assert process.poll() is None, "the run ended before it could be killed"
    workers = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGKILL)
    process.wait()
    written = out.read_bytes().count(b"\n")
    assert 6 <= written < len(records)
    # the workers notice their parent is gone and exit (no orphans holding a model each)
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive
    with out.open("ab") as f:  # a torn write: half a line
        f.write(reference.read_bytes().splitlines(keepends=True)[written][:40])

    result = runner.invoke(app, ["analyze", str(big), "-o", str(out), "--errors", str(errors), "--resume",
                                 "--workers", "2", *options])
    assert result.exit_code == 1, result.output
    assert "cut an incomplete last line" in result.output
    assert f"{written} document(s) already analysed" in result.output
    # what is guaranteed: every good document once, in input order, byte for byte the uninterrupted run
    assert out.read_bytes() == reference.read_bytes()
    assert len(out.read_bytes().splitlines()) == len(records)
    # each bad record once, though the killed run had already recorded some
    assert errors.read_text(encoding="utf-8") == reference_errors.read_text(encoding="utf-8")
    assert [json.loads(line)["line"] for line in errors.read_text(encoding="utf-8").splitlines()] == [4, 62, 123]

    again = runner.invoke(app, ["analyze", str(big), "-o", str(out), "--errors", str(errors), "--resume", *options])
    assert "0 document(s) analysed, 3 bad record(s); 120 already in the output" in again.output
    assert out.read_bytes() == reference.read_bytes()
    assert errors.read_text(encoding="utf-8") == reference_errors.read_text(encoding="utf-8")


def test_resume_needs_an_output_file(tmp_path):
    result = runner.invoke(app, ["analyze", "--resume"], input='{"id": "a", "text": "好。"}\n')
    assert result.exit_code == 2
    assert "--resume needs --output" in result.output and "Traceback" not in result.output


def test_resume_refuses_a_file_that_is_not_its_output(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl_bytes(make_records(2)))
    out.write_text("id,text\n", encoding="utf-8")
    result = analyze(str(src), "-o", str(out), "--resume")
    assert result.exit_code == 2 and "out.jsonl:1 is not a JSON line" in result.output
    assert out.read_text(encoding="utf-8") == "id,text\n"


def test_resume_leaves_a_file_alone_whose_last_line_is_not_one_of_its_own(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "notes.txt"
    src.write_bytes(jsonl_bytes(make_records(2)))
    out.write_text('{"id": "a", "sentences": [], "spans": []}\nmy notes without a newline', encoding="utf-8")
    before = out.read_bytes()
    result = analyze(str(src), "-o", str(out), "--resume")
    assert result.exit_code == 2 and "notes.txt:2 is not a line this command writes" in result.output
    assert out.read_bytes() == before


def test_resume_of_a_missing_output_starts_afresh(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl_bytes(make_records(3)))
    result = runner.invoke(app, ["analyze", str(src), "-o", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    assert "does not exist yet" in result.output and len(out.read_text().splitlines()) == 3


def test_cut_torn_line(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"id": 1}\n{"id": 2}\n{"id"')
    assert cut_torn_line(path) == 5 and path.read_bytes() == b'{"id": 1}\n{"id": 2}\n'
    assert cut_torn_line(path) == 0
    path.write_bytes(b"x" * 100)
    assert cut_torn_line(path, block=7) == 100 and path.read_bytes() == b""
    path.write_bytes(b'{"id": 1}\n' + b"y" * 50)
    assert cut_torn_line(path, block=8) == 50 and path.read_bytes() == b'{"id": 1}\n'


def test_prepare_resume_reads_ids_and_recorded_errors(tmp_path):
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    out.write_text('{"id": "a", "spans": []}\n{"id": "b", "spa', encoding="utf-8")
    errors.write_text('{"source": "in.jsonl", "line": 4, "id": null, "reason": "invalid JSON"}\n', encoding="utf-8")
    resume = prepare_resume(out, errors)
    assert resume.done == {"a"} and resume.errors == {("in.jsonl", 4)}
    assert any("cut an incomplete last line" in note for note in resume.notes)


def test_a_bad_model_folder_with_workers_is_a_clear_error_before_any_output(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(jsonl_bytes(make_records(2)))
    result = analyze(str(src), "-o", str(out), "--workers", "2", "--model", str(tmp_path / "nope"))
    assert result.exit_code == 2 and "does not exist" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_targets_runs_on_workers(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "targets.csv"
    src.write_bytes(jsonl_bytes(make_records(6)))
    one = runner.invoke(app, ["targets", str(src), "-o", str(out), "-q"])
    assert one.exit_code == 0, one.output
    rows_one = out.read_text(encoding="utf-8-sig")
    two = runner.invoke(app, ["targets", str(src), "-o", str(out), "-q", "--workers", "2"])
    assert two.exit_code == 0, two.output
    assert out.read_text(encoding="utf-8-sig") == rows_one and rows_one.count("\n") > 6
