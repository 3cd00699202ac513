"""The Ray engine (policytagger.ray_engine, ``analyze --engine ray``) against the local engine.

The two engines batch documents differently, so identity rests on every runtime giving a document the
same answer whatever shares its batch (tests/test_batch_independence.py): the default runtime is used.
Records are compared whole, except that a score may differ by one rounding unit (1e-4), as batches of
different shapes may round the last float bit differently.

One local Ray (2 CPUs) serves the module; tests that need Ray skip when it is not installed.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policytagger.cli import app

REPO = Path(__file__).resolve().parents[1]
RUNTIME = "auto"  # the shipped model's default (int8, batch-independent)
SCORE_TOLERANCE = 1e-4
runner = CliRunner()

# Project-written sentences (no corpus text).
SENTENCES = [
    "今年全市地区生产总值增长5%左右。",
    "力争新开工重大项目80个，完成固定资产投资300亿元。",
    "城镇调查失业率控制在5.5%以内，居民人均可支配收入增长6%。",
    "加快发展集成电路、人工智能和生物医药产业。",
    "去年全省粮食产量达到1200万吨，比上年增长1.8%。",
    "新建改建农村公路500公里，新增公办幼儿园学位2万个。",
]


def records(n: int, prefix: str = "doc") -> list[dict]:
    out = []
    for i in range(n):
        record = {"id": f"{prefix}-{i:03d}", "text": "".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(1 + i % 3))}
        if i % 4 == 0:
            record |= {"region": "宁波", "year": 2025}
        out.append(record)
    return out


def jsonl(items: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items).encode()


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray", reason='Ray is an optional extra: pip install "policytagger[ray]"')
    pytest.importorskip("ray.data", reason='Ray Data is missing: pip install "policytagger[ray]"')
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
    yield ray
    if started:
        ray.shutdown()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """reports/: a JSON Lines file (some records without id, a BOM), two text files, a file of bad
    records (and a duplicate of an id in the first file), a file that is no input."""
    root = tmp_path_factory.mktemp("ray") / "reports"
    (root / "city").mkdir(parents=True)
    big = records(30)
    for k in (3, 17):
        del big[k]["id"]  # their ids are source:line
    (root / "big.jsonl").write_bytes(b"\xef\xbb\xbf" + jsonl(big))
    (root / "city" / "a.txt").write_text(SENTENCES[0] + SENTENCES[1], encoding="utf-8")
    (root / "city" / "b.txt").write_text(SENTENCES[2], encoding="utf-8")
    good = records(3, prefix="mixed")
    (root / "mixed.ndjson").write_bytes(
        jsonl(good[:1])
        + b'{"id": "broken", "text": "\xe5\xa5\xbd\n'                 # 2: invalid JSON
        + b'{"id": "no-text", "title": "x"}\n'                         # 3: missing text
        + b'{"id": "bytes", "text": "\xff\xfe"}\n'                    # 4: undecodable bytes
        + b"\n"                                                         # 5: blank
        + b'{"id": "year", "text": "\xe5\xa5\xbd", "year": 19}\n'     # 6: bad year
        + jsonl([{"id": "doc-005", "text": "重复的编号。"}])          # 7: duplicate of big.jsonl:6
        + jsonl(good[1:]))                                              # 8, 9 (no newline at the end)
    (root / "mixed.ndjson").write_bytes((root / "mixed.ndjson").read_bytes().rstrip(b"\n"))
    (root / "notes.md").write_text("not an input", encoding="utf-8")
    return root


def local_run(tmp_path: Path, *inputs: str) -> tuple[bytes, bytes]:
    """The local engine's output and errors files for the same inputs."""
    out, errors = tmp_path / "local.jsonl", tmp_path / "local-errors.jsonl"
    result = runner.invoke(app, ["analyze", "-q", "--runtime", RUNTIME, *inputs, "-o", str(out), "--errors", str(errors)])
    assert result.exit_code in (0, 1), result.output
    return out.read_bytes(), errors.read_bytes()


def shards_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("part-*.jsonl")))


def differences(ours, theirs, path: str = "") -> list[str]:
    """Where two records (or lists of them) differ: anything at all, or a score by more than 1e-4."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if ours.keys() != theirs.keys():
            return [f"{path}: keys {sorted(ours)} vs {sorted(theirs)}"]
        return [d for key in ours for d in differences(ours[key], theirs[key], f"{path}.{key}")]
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return [f"{path}: {len(ours)} vs {len(theirs)} items"]
        return [d for k, (a, b) in enumerate(zip(ours, theirs)) for d in differences(a, b, f"{path}[{k}]")]
    if path.endswith(".score") and isinstance(ours, float) and isinstance(theirs, float):
        return [] if abs(ours - theirs) <= SCORE_TOLERANCE else [f"{path}: {ours} vs {theirs}"]
    return [] if ours == theirs else [f"{path}: {ours!r} vs {theirs!r}"]


def assert_same_records(folder: Path, local_out: bytes, rename: tuple[str, str] | None = None):
    """The Ray output folder holds the local engine's records, in the same order."""
    from policytagger.ray_engine import read_output
    expected = [json.loads(line) for line in local_out.decode("utf-8").splitlines()]
    if rename:
        for record in expected:
            record["id"] = record["id"].replace(*rename)
    got = read_output(folder)
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    problems = differences(got, expected)
    assert not problems, problems[:5]


# ---- the plan: no Ray job needed ----

def test_plan_ranges_read_back_every_good_record_with_its_line(folder, ray_cluster):
    from policytagger.io import BadRecord, UniqueIds, find_inputs, read_file
    from policytagger.ray_engine import plan_inputs, read_piece
    expected, unique = [], UniqueIds()
    for file in find_inputs([folder]).files:
        expected += [d for d in map(unique.check, read_file(file)) if not isinstance(d, BadRecord)]
    plan = plan_inputs([folder], docs_per_batch=4)
    assert all(sum(1 for piece in r for _ in read_piece(piece)) <= 4 for r in plan.ranges)
    read = [doc for r in plan.ranges for piece in r for doc in read_piece(piece)]
    assert read == expected  # ids, texts, meta, source and line, in input order
    assert plan.documents == len(expected) == 35
    assert [(b.line, b.id) for b in plan.bad] == [(2, None), (3, "no-text"), (4, None), (6, "year"), (7, "doc-005")]
    assert plan.bad[-1].reason == f"duplicate id 'doc-005': first seen at {folder / 'big.jsonl'}:6"
    assert [p.name for p in plan.skipped] == ["notes.md"]


# ---- runs ----

def test_folder_with_bad_records_is_the_local_engines_output(folder, tmp_path, ray_cluster):
    local_out, local_errors = local_run(tmp_path, str(folder))
    out, errors = tmp_path / "ray-out", tmp_path / "ray-errors.jsonl"
    result = runner.invoke(app, ["analyze", "--engine", "ray", "--runtime", RUNTIME, str(folder), "-o", str(out),
                                 "--errors", str(errors), "--docs-per-chunk", "4", "--actors", "2"])
    assert result.exit_code == 1, result.output  # bad records: 1, as the local engine
    assert_same_records(out, local_out)  # shards in name order: the local file's records
    assert shards_bytes(out).count(b"\n") == local_out.count(b"\n") == 35
    assert errors.read_bytes() == local_errors
    assert f"{folder / 'mixed.ndjson'}:4: not valid UTF-8" in result.output
    assert "35 document(s) analysed by 2 Ray actor(s)" in result.output and "5 bad record(s)" in result.output
    assert "notes.md" in result.output


def test_text_files_by_glob_and_many_shards(tmp_path, ray_cluster):
    from policytagger.batch import EngineOptions
    from policytagger.ray_engine import RayOptions, analyze_on_ray, read_output
    texts = tmp_path / "texts"
    texts.mkdir()
    for i in range(7):
        (texts / f"r{i}.txt").write_text("".join(SENTENCES[i % 6:i % 6 + 2]), encoding="utf-8")
    (texts / "skip.md").write_text("no", encoding="utf-8")
    local_out, _ = local_run(tmp_path, *sorted(str(p) for p in texts.glob("*.txt")))  # as a shell expands it
    run = analyze_on_ray([str(texts / "*.txt")], tmp_path / "out", engine=EngineOptions(runtime=RUNTIME, docs_per_chunk=2),
                         options=RayOptions(docs_per_shard=2, progress=False))
    assert run.analysed == 7 and not run.bad and len(run.shards) >= 2
    assert_same_records(tmp_path / "out", local_out)
    assert [r["id"] for r in read_output(tmp_path / "out")] == [f"r{i}.txt" for i in range(7)]


def test_parquet_in_and_out(tmp_path, ray_cluster):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from policytagger.batch import EngineOptions
    from policytagger.ray_engine import RayOptions, analyze_on_ray, read_output
    rows = records(25, prefix="pq")
    rows[5]["text"] = None   # row 6: bad record
    del rows[9]["id"]        # row 10: id is source:10
    rows[12]["year"] = 1800  # row 13: bad record
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=10)  # three row groups
    twin = tmp_path / "twin.jsonl"  # the same records as JSON Lines: rows are lines
    twin.write_bytes(jsonl(rows))
    local_out, local_errors = local_run(tmp_path, str(twin))
    errors = tmp_path / "errors.jsonl"
    run = analyze_on_ray([source], tmp_path / "out", errors=errors, include_text=False,
                         engine=EngineOptions(runtime=RUNTIME, docs_per_chunk=4),
                         options=RayOptions(output_format="parquet", docs_per_shard=8, progress=False))
    assert run.analysed == 23 and len(run.shards) >= 2 and all(s.suffix == ".parquet" for s in run.shards)
    schema = pq.read_schema(run.shards[0])
    assert schema.names == ["id", "meta", "sentences", "spans"] and all(t == pa.string() for t in schema.types)
    assert_same_records(tmp_path / "out", local_out, rename=(str(twin), str(source)))
    assert f"{source}:10" in [r["id"] for r in read_output(tmp_path / "out")]
    assert [(b["source"], b["line"], b["id"]) for b in map(json.loads, errors.read_text().splitlines())] == \
        [(str(source), 6, "pq-005"), (str(source), 13, "pq-012")]
    assert local_errors.decode().replace(str(twin), str(source)) == errors.read_text()


def test_a_killed_actor_is_restarted_and_its_batch_retried(folder, tmp_path, monkeypatch, ray_cluster):
    from policytagger.batch import EngineOptions
    from policytagger.ray_engine import FAIL_ONCE_ENV, RayOptions, analyze_on_ray
    local_out, local_errors = local_run(tmp_path, str(folder / "big.jsonl"))
    marker = tmp_path / "killed"
    monkeypatch.setenv(FAIL_ONCE_ENV, str(marker))
    run = analyze_on_ray([folder / "big.jsonl"], tmp_path / "out", engine=EngineOptions(runtime=RUNTIME, docs_per_chunk=5),
                         options=RayOptions(actors=2, progress=False))
    assert marker.exists(), "no actor was killed: the fault injection did not happen"
    assert int(marker.read_text()) != os.getpid()  # it was an actor process that died
    assert run.analysed == 30
    assert_same_records(tmp_path / "out", local_out)


def test_joining_an_existing_cluster_by_address(tmp_path, ray_cluster):
    """A second process joins this module's Ray as a client of its address (what --ray-address does
    on a real cluster)."""
    address = ray_cluster.get_runtime_context().gcs_address
    source = tmp_path / "docs.jsonl"
    source.write_bytes(jsonl(records(6)))
    local_out, _ = local_run(tmp_path, str(source))
    command = [sys.executable, "-m", "policytagger.cli", "analyze", "-q", "--engine", "ray", "--ray-address", address,
               "--runtime", RUNTIME, str(source), "-o", str(tmp_path / "out"), "--actors", "1"]
    done = subprocess.run(command, cwd=tmp_path, env=os.environ | {"PYTHONPATH": str(REPO)}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_same_records(tmp_path / "out", local_out)


# ---- clear errors ----

@pytest.mark.parametrize("address, message", [
    ("127.0.0.1:1", "no Ray cluster answers at 127.0.0.1:1"),
    ("nohost", "'nohost' is not host:port"),
])
def test_a_wrong_address_is_a_clear_error(tmp_path, ray_cluster, address, message):
    result = runner.invoke(app, ["analyze", "--engine", "ray", "--ray-address", address, str(REPO / "examples"),
                                 "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_ray_engine_needs_an_output_folder_and_files(tmp_path, ray_cluster):
    result = runner.invoke(app, ["analyze", "--engine", "ray", str(REPO / "examples")])
    assert result.exit_code == 2 and "--output DIR" in result.output
    (tmp_path / "file").write_text("x")
    result = runner.invoke(app, ["analyze", "--engine", "ray", str(REPO / "examples"), "-o", str(tmp_path / "file")])
    assert result.exit_code == 2 and "is a file" in result.output
    result = runner.invoke(app, ["analyze", "--engine", "ray", "-", "-o", str(tmp_path / "out")], input='{"text": "好。"}\n')
    assert result.exit_code == 2 and "not stdin" in result.output


def test_without_ray_the_cli_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    monkeypatch.delitem(sys.modules, "policytagger.ray_engine", raising=False)
    result = runner.invoke(app, ["analyze", "--engine", "ray", str(REPO / "examples"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert 'pip install "policytagger[ray]"' in result.output


def test_ray_options_are_refused_by_the_local_engine(tmp_path):
    result = runner.invoke(app, ["analyze", "--actors", "2", str(REPO / "examples"), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and "--engine ray" in result.output


def test_records_differ_only_by_a_rounding_unit_of_a_score():
    record = {"id": "a", "spans": [{"type": "TARGET", "score": 0.91234}], "sentences": [{"themes": []}]}
    assert differences(record, json.loads(json.dumps(record)) | {"spans": [{"type": "TARGET", "score": 0.9124}]}) == []
    assert differences(record, record | {"spans": [{"type": "TARGET", "score": 0.9126}]})
    assert differences(record, record | {"spans": [{"type": "STAT", "score": 0.91234}]})
    assert differences(record, record | {"id": "b"})
