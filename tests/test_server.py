"""The HTTP service (policytagger/server.py, batching.py, request_guard.py, `policytagger serve`):
answers equal to the analyser's and the CLI's, micro-batching, limits and bad input, OpenAPI
conformance (schemathesis), graceful shutdown, and a short locust load run.

The slow tests (marked ``slow``; deselect with ``-m "not slow"``) start real server processes.
"""
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

import uvicorn  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from model.analyzer import Analyzer  # noqa: E402
from policytagger.api_models import AnalyzeResponse, ModelInfo  # noqa: E402
from policytagger.batching import AnalysisFailed, MicroBatcher  # noqa: E402
from policytagger.server import create_app  # noqa: E402
from policytagger.server_config import BatchingConfig, ServerLimits  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}

# Written for these tests (not corpus text).
TEXTS = [
    "2024年，全省地区生产总值增长5.8%，社会消费品零售总额突破3万亿元。",
    "今年主要预期目标是：城镇新增就业60万人以上，居民消费价格涨幅3%左右。",
    "市长李明在座谈会上表示，要加快建设杭州湾跨海铁路，支持吉利汽车做大做强新能源汽车产业。",
    "持续优化营商环境，全面落实减税降费政策，全年为企业减负150亿元。",
    "推进乡村振兴，新建高标准农田20万亩，农村居民人均可支配收入增长7%。",
    "过去一年，全市规上工业增加值增长8.1%，新增市场主体12万户。今年力争引进外资20亿美元。",
]
META = {"region": "宁波", "year": 2025, "genre": "government_work_report"}


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer.load()  # the shipped model, default runtime (onnx-int8)


@pytest.fixture(scope="module")
def client(analyzer):
    with TestClient(create_app(analyzer), raise_server_exceptions=False) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app):
    """``app`` served by a real uvicorn on a free loopback port, in a thread of this process."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(30)


def post(client, body, headers=None):
    headers = {k: v for k, v in {"content-type": "application/json", **(headers or {})}.items() if v is not None}
    content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    return client.post("/v1/analyze", content=content, headers=headers)


# ---- answers ------------------------------------------------------------------------------------

def test_analyze_equals_the_analyzer_in_order_with_meta(client, analyzer):
    docs = [{"id": f"d{i}", "text": t} for i, t in enumerate(TEXTS)]
    docs[5] |= META
    docs[1] |= {"year": "2025"}  # a digit string, as the CLI's JSON Lines reader accepts
    response = post(client, {"documents": docs})
    assert response.status_code == 200, response.text
    metas = [None] * len(TEXTS)
    metas[5], metas[1] = META, {"year": 2025}
    expected = [d.to_dict() for d in analyzer.analyze_batch(TEXTS, ids=[d["id"] for d in docs], metas=metas)]
    body = response.json()
    assert body["documents"] == expected
    assert [d["id"] for d in body["documents"]] == [f"d{i}" for i in range(len(TEXTS))]
    assert body["documents"][5]["meta"] == META and body["documents"][1]["meta"] == {"year": 2025}
    # the metadata really reached the analyser: without it the quantities of doc 5 come out otherwise
    without_meta = analyzer.analyze_batch(TEXTS, ids=[d["id"] for d in docs])[5].to_dict()
    assert without_meta["spans"] != expected[5]["spans"]
    assert body["model"]["name"] == "default" and body["model"]["runtime"] == analyzer.runtime.name
    AnalyzeResponse.model_validate(body)  # the published response schema (extra keys forbidden)


def test_include_text_and_a_null_id(client, analyzer):
    response = post(client, {"documents": [{"text": TEXTS[0]}], "include_text": True})
    assert response.status_code == 200
    doc = response.json()["documents"][0]
    assert doc == analyzer.analyze_batch([TEXTS[0]])[0].to_dict(include_text=True)
    assert doc["id"] is None and doc["text"] == TEXTS[0] and list(doc) == ["id", "text", "sentences", "spans"]


def test_analyze_equals_the_cli_output(client, tmp_path):
    """One request holding the records of a JSON Lines file answers what `policytagger analyze` writes."""
    records = [json.loads(line) for line in (ROOT / "examples" / "documents.jsonl").read_text(encoding="utf-8").splitlines()
               if line.strip()]
    records += [{"id": f"own-{i}", "text": t, **(META if i % 2 else {})} for i, t in enumerate(TEXTS)]
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "policytagger.cli", "analyze", str(source), "-q"],
                         cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    from_cli = [json.loads(line) for line in cli.stdout.splitlines()]
    response = post(client, {"documents": records})
    assert response.status_code == 200
    assert response.json()["documents"] == from_cli


def test_model_health_and_readiness(client, analyzer):
    info = client.get("/v1/model").json()
    ModelInfo.model_validate(info)
    assert info["labels"] == analyzer.labels and info["runtime"] == analyzer.runtime.name
    assert info["metrics"] == json.loads(json.dumps(analyzer.meta.metrics))
    assert info["version"] == __import__("policytagger").__version__ and len(info["fingerprint"]) == 16
    assert "history" not in info["training"] and info["limits"]["max_docs"] == ServerLimits().max_docs
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert client.get("/openapi.json").status_code == 200 and client.get("/docs").status_code == 200


def test_not_ready_before_the_app_starts(analyzer):
    app = create_app(analyzer)
    c = TestClient(app)  # not entered: the lifespan (model, batcher) has not run
    assert c.get("/healthz").status_code == 200
    assert c.get("/readyz").status_code == 503 and c.get("/readyz").json()["status"] == "loading"
    answer = post(c, {"documents": [{"text": TEXTS[0]}]})
    assert answer.status_code == 503 and answer.json()["error"] == "service not ready"


# ---- micro-batching -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def torch_analyzer():
    # PyTorch gives a sentence the same scores whatever shares its batch; the int8 ONNX graph does
    # not (its activations are quantised per batch), so exact answers under batching are checked here
    return Analyzer.load(runtime="torch")


def test_concurrent_requests_are_batched_and_each_gets_its_own_answers(torch_analyzer):
    app = create_app(torch_analyzer, batching=BatchingConfig(max_wait_ms=50))
    requests = [[{"id": f"r{r}-d{k}", "text": TEXTS[(r + k) % len(TEXTS)]} for k in range(1 + r % 3)] for r in range(16)]
    expected = {t: torch_analyzer.analyze_batch([t])[0].to_dict() for t in TEXTS}
    barrier, answers = threading.Barrier(len(requests)), [None] * len(requests)

    def send(r, url):
        with httpx.Client(base_url=url, timeout=120) as c:
            barrier.wait()
            answers[r] = c.post("/v1/analyze", json={"documents": requests[r]})

    with live_server(app) as url:
        threads = [threading.Thread(target=send, args=(r, url)) for r in range(len(requests))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        stats = app.state.batcher.stats
        for docs, answer in zip(requests, answers):
            assert answer.status_code == 200, answer.text
            got = answer.json()["documents"]
            assert [d["id"] for d in got] == [d["id"] for d in docs]
            for doc, result in zip(docs, got):
                assert_same_analysis(result, expected[doc["text"]] | {"id": doc["id"]})
    assert stats.requests == 16 and stats.documents == sum(len(d) for d in requests)
    assert stats.batches < stats.requests  # requests really were combined
    assert stats.largest_batch > 1


def assert_same_analysis(got: dict, want: dict, tol: float = 2e-3):
    """Equal, except scores may differ by float noise of a different batch shape."""
    assert set(got) == set(want)
    assert [(s["start"], s["end"], s["type"], s["text"], s.get("quantity")) for s in got["spans"]] == \
           [(s["start"], s["end"], s["type"], s["text"], s.get("quantity")) for s in want["spans"]]
    assert [[t["label"] for t in s["themes"]] for s in got["sentences"]] == \
           [[t["label"] for t in s["themes"]] for s in want["sentences"]]
    for a, b in zip([t["score"] for s in got["sentences"] for t in s["themes"]] + [s["score"] for s in got["spans"]],
                    [t["score"] for s in want["sentences"] for t in s["themes"]] + [s["score"] for s in want["spans"]]):
        assert abs(a - b) <= tol


def _fake_analyze_batch(calls):
    def analyze_batch(texts, ids=None, metas=None):
        calls.append(list(texts))
        if any("FAIL" in t for t in texts):
            raise RuntimeError("the model broke on purpose")
        return [f"result of {t}" for t in texts]
    return analyze_batch


def test_batcher_keeps_order_across_batches_and_isolates_a_failing_document():
    async def scenario():
        calls = []
        batcher = MicroBatcher(_fake_analyze_batch(calls), BatchingConfig(max_wait_ms=20, max_batch_docs=4))
        batcher.start()
        texts = [f"t{i}" for i in range(10)]
        ok, bad, other = await asyncio.gather(
            batcher.analyze(texts, [None] * 10, [None] * 10),
            batcher.analyze(["x", "FAIL"], [None] * 2, [None] * 2),
            batcher.analyze(["y"], [None], [None]), return_exceptions=True)
        assert ok == [f"result of {t}" for t in texts]  # split over several batches, still in order
        assert isinstance(bad, AnalysisFailed) and bad.index == 1
        assert other == ["result of y"]  # shared a batch with the failing document, still answered
        assert any(len(c) > 1 and "FAIL" in c for c in calls)  # the failure happened inside a shared batch
        assert batcher.running and batcher.stats.failed_documents == 1
        assert await batcher.analyze(["z"], [None], [None]) == ["result of z"]  # the worker lives on
        # stopping finishes what is queued
        pending = asyncio.ensure_future(batcher.analyze(["last"], [None], [None]))
        await asyncio.sleep(0)
        await batcher.stop()
        assert await pending == ["result of last"] and not batcher.running
        assert batcher.stats.batches >= 4 and batcher.stats.largest_batch == 4

    asyncio.run(scenario())


class _Breaking:
    """The real analyser, except that it raises on texts holding FAIL."""

    def __init__(self, analyzer):
        self._analyzer = analyzer

    def __getattr__(self, name):
        return getattr(self._analyzer, name)

    def analyze_batch(self, texts, ids=None, metas=None):
        if any("FAIL" in t for t in texts):
            raise RuntimeError("secret internal detail")
        return self._analyzer.analyze_batch(texts, ids=ids, metas=metas)


def test_model_failure_is_a_generic_500_for_that_request_only(analyzer):
    app = create_app(_Breaking(analyzer))
    with TestClient(app, raise_server_exceptions=False) as c:
        broken = post(c, {"documents": [{"text": TEXTS[0]}, {"text": "FAIL"}]})
        assert broken.status_code == 500
        assert broken.json() == {"error": "internal error", "detail": "the analysis of documents[1] failed; "
                                                                       "the cause is logged on the server"}
        assert "secret" not in broken.text and "Traceback" not in broken.text
        assert post(c, {"documents": [{"text": TEXTS[1]}]}).status_code == 200


def test_unhandled_errors_answer_a_generic_500(analyzer):
    app = create_app(analyzer)

    @app.get("/boom")
    async def boom():
        raise ValueError("secret internal detail")

    with TestClient(app, raise_server_exceptions=False) as c:
        answer = c.get("/boom")
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal server error", "detail": "the error is logged on the server"}


# ---- bad input ----------------------------------------------------------------------------------

LIMITS = ServerLimits()
TOO_BIG = b'{"documents": [{"text": "' + b"a" * (LIMITS.max_body_bytes + 10) + b'"}]}'
J = "application/json"

FAULTS = [  # (name, body, headers, status, words the answer must contain)
    ("invalid JSON", b'{"documents": [{"text": "a"},]}', {}, 422, ["invalid JSON at line 1, column 30"]),
    ("invalid JSON, line 3", b'{\n "documents": [\n  {"text": "a" "id": "b"}]}', {}, 422, ["invalid JSON at line 3", "delimiter"]),
    ("body is a list", b"[1, 2]", {}, 422, ["body", "valid dictionary"]),
    ("empty body", b"", {}, 422, ["body is empty"]),
    ("documents not a list", {"documents": "abc"}, {}, 422, ["documents", "valid list"]),
    ("documents missing", {"docs": []}, {}, 422, ["documents", "Field required"]),
    ("text missing", {"documents": [{"id": "a"}]}, {}, 422, ["documents[0].text", "Field required"]),
    ("text null", {"documents": [{"text": None}]}, {}, 422, ["documents[0].text", "valid string"]),
    ("text a number", {"documents": [{"text": 5}]}, {}, 422, ["documents[0].text", "valid string"]),
    ("4th document bad", {"documents": [{"text": "a"}] * 3 + [{"text": ["a"]}]}, {}, 422, ["documents[3].text"]),
    ("id a number", {"documents": [{"id": 7, "text": "a"}]}, {}, 422, ["documents[0].id", "valid string"]),
    ("year out of range", {"documents": [{"text": "a", "year": 1800}]}, {}, 422,
     ["documents[0].year", "'year' must be a year such as 2025, got 1800"]),
    ("year a word", {"documents": [{"text": "a"}, {"text": "b", "year": "去年"}]}, {}, 422, ["documents[1].year"]),
    ("year a boolean", {"documents": [{"text": "a", "year": True}]}, {}, 422, ["documents[0].year"]),
    ("region a number", {"documents": [{"text": "a", "region": 330000}]}, {}, 422,
     ["documents[0].region", "'region' must be a string, got int"]),
    ("genre a list", {"documents": [{"text": "a", "genre": ["x"]}]}, {}, 422, ["documents[0].genre"]),
    ("include_text a list", {"documents": [{"text": "a"}], "include_text": [1]}, {}, 422, ["include_text"]),
    ("empty list", {"documents": []}, {}, 422, ["no documents"]),
    ("too many documents", {"documents": [{"text": "a"}] * (LIMITS.max_docs + 1)}, {}, 422,
     [f"too many documents: {LIMITS.max_docs + 1}", f"at most {LIMITS.max_docs}"]),
    ("text too long", {"documents": [{"text": "a"}, {"text": "字" * (LIMITS.max_chars + 1)}]}, {}, 422,
     ["documents[1].text", f"{LIMITS.max_chars + 1} characters", f"at most {LIMITS.max_chars}"]),
    ("huge id", {"documents": [{"id": "x" * 500_000, "text": "a"}]}, {}, 422, ["documents[0].id", "too long"]),
    ("lone surrogate", b'{"documents": [{"text": "ab\\ud800c"}]}', {}, 422, ["documents[0].text"]),
    ("not UTF-8", b'{"documents": [{"text": "\xff\xfe"}]}', {}, 422, ["not valid UTF-8", "byte 25"]),
    ("over the size limit, truthful Content-Length", TOO_BIG, {}, 413,
     ["too large", f"Content-Length is {len(TOO_BIG)} bytes", str(LIMITS.max_body_bytes)]),
    ("over the size limit, Content-Length lies", TOO_BIG, {"content-length": "100"}, 413,
     ["too large", f"received more than {LIMITS.max_body_bytes} bytes"]),
    ("bad Content-Length", {"documents": [{"text": "a"}]}, {"content-length": "ten"}, 400, ["invalid Content-Length"]),
    ("text/plain", {"documents": [{"text": "a"}]}, {"content-type": "text/plain"}, 415, ["text/plain", J]),
    ("form", b"documents=a", {"content-type": "application/x-www-form-urlencoded"}, 415, ["x-www-form-urlencoded"]),
    ("no content type", {"documents": [{"text": "a"}]}, {"content-type": None}, 415, ["(none)", J]),
    ("empty content type", {"documents": [{"text": "a"}]}, {"content-type": ""}, 415, ["(none)", J]),
]


@pytest.mark.parametrize("name,body,headers,status,words", FAULTS, ids=[f[0] for f in FAULTS])
def test_bad_requests_get_a_clear_4xx(client, name, body, headers, status, words):
    response = post(client, body, headers)
    assert response.status_code == status, response.text[:500]
    answer = response.json()
    assert set(answer) == {"error", "detail"} and answer["error"]
    said = json.dumps(answer, ensure_ascii=False)
    for word in words:
        assert word in said, f"{word!r} not in {said[:500]}"
    assert "Traceback" not in response.text and len(response.content) < 20_000  # nothing echoed back in bulk


def test_wrong_routes_and_methods(client):
    missing = client.get("/v1/analyse")
    assert missing.status_code == 404 and "no such route: GET /v1/analyse" in missing.json()["error"]
    assert "POST /v1/analyze" in missing.json()["detail"]["routes"]
    for method in ("GET", "PUT", "DELETE"):
        wrong = client.request(method, "/v1/analyze", json={"documents": [{"text": "a"}]})
        assert wrong.status_code == 405 and wrong.json()["error"].endswith("use POST"), wrong.text
        assert wrong.headers["allow"] == "POST"
    assert client.post("/v1/model", json={}).status_code == 405


ODD_TEXTS = ["", "   \n\t ", "a\x00b增长5%\x00", "😀" * 50 + "增长5%", "\u200b\ufeff\u202e测试\u0301", "𠀀𠀁" * 10,
             "\r\n" * 100, "。" * 300, "1" * 1000, "增长" + "9" * 400 + "%"]


def test_odd_but_valid_text_is_analysed(client, analyzer):
    response = post(client, {"documents": [{"id": "😀\x00", "text": t} for t in ODD_TEXTS]})
    assert response.status_code == 200, response.text[:500]
    docs = response.json()["documents"]
    assert docs == [d.to_dict() for d in analyzer.analyze_batch(ODD_TEXTS, ids=["😀\x00"] * len(ODD_TEXTS))]
    for text, doc in zip(ODD_TEXTS, docs):
        assert all(text[s["start"]:s["end"]] == s["text"] for s in doc["spans"])


def test_a_streamed_body_over_the_limit_is_cut_off(analyzer):
    """Chunked upload without Content-Length, through a real server: stopped at the limit."""
    limit = 50_000
    app = create_app(analyzer, limits=ServerLimits(max_body_bytes=limit))

    def chunks():
        yield b'{"documents": [{"text": "'
        for _ in range(40):
            yield b"a" * 10_000
        yield b'"}]}'

    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        answer = c.post("/v1/analyze", content=chunks(), headers={"content-type": J})
        assert answer.status_code == 413 and f"received more than {limit} bytes" in answer.json()["error"]
        ok = c.post("/v1/analyze", json={"documents": [{"text": TEXTS[0]}]})
        assert ok.status_code == 200


# ---- OpenAPI conformance (schemathesis) -----------------------------------------------------------

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402


@pytest.fixture(scope="module")
def api_schema(analyzer):
    # small limits keep generated documents small (the schema publishes them as maxLength/maxItems)
    app = create_app(analyzer, limits=ServerLimits(max_docs=4, max_chars=300, max_body_bytes=20_000))
    with live_server(app) as url:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json")


openapi = schemathesis.pytest.from_fixture("api_schema")


@openapi.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_conformance(case):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])


# ---- a real server process ------------------------------------------------------------------------

def start_serve(*options: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "policytagger.cli", "serve", "--port", str(port),
                                "--no-access-log", *options], cwd=ROOT, env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        assert process.poll() is None, f"serve exited early: {process.stdout.read()}"
        assert time.monotonic() < deadline, "serve was not ready in 120 s"
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)


@pytest.mark.slow
def test_sigterm_lets_the_running_request_finish():
    process, url = start_serve("--max-batch-docs", "2", "--max-wait-ms", "0")
    try:
        text = (ROOT / "examples" / "report-excerpt.txt").read_text(encoding="utf-8")
        docs = [{"id": f"doc-{i}", "text": text} for i in range(ServerLimits().max_docs)]
        result = {}

        def send():
            with httpx.Client(timeout=300) as c:
                result["answer"] = c.post(url + "/v1/analyze", json={"documents": docs})

        request = threading.Thread(target=send)
        request.start()
        with httpx.Client(timeout=5) as probe:  # wait until the server is working on it
            while probe.get(url + "/readyz").json()["documents"] == 0:
                time.sleep(0.01)
        in_flight = request.is_alive()
        process.send_signal(signal.SIGTERM)
        request.join(300)
        exit_code = process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    log = process.stdout.read()
    assert in_flight, "the request finished before SIGTERM: nothing was tested"
    answer = result["answer"]
    assert answer.status_code == 200, answer.text[:500]
    assert [d["id"] for d in answer.json()["documents"]] == [d["id"] for d in docs]
    assert all(d["sentences"] for d in answer.json()["documents"])
    assert exit_code == 0, log
    assert "Shutting down" in log and "batcher stopped" in log


def test_serve_reports_a_bad_model_folder(tmp_path):
    run = subprocess.run([sys.executable, "-m", "policytagger.cli", "serve", "--model", str(tmp_path / "nope")],
                         cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "does not exist" in run.stderr


def test_cli_works_without_fastapi():
    code = ("import sys; sys.modules['fastapi'] = None\n"  # as if not installed
            "import policytagger.cli as cli\n"
            "assert 'uvicorn' not in sys.modules\n"
            "from typer.testing import CliRunner\n"
            "r = CliRunner().invoke(cli.app, ['serve'])\n"
            "print(r.exit_code, r.output)")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("2 ") and 'pip install "policytagger[serve]"' in run.stdout


@pytest.mark.slow
def test_short_load_run_has_no_failures(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load.py"), "--users", "3", "--duration", "5",
                          "--out-dir", str(tmp_path)], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["requests"] > 0 and result["documents"] > 0
    assert result["failures"] == 0 and result["server_5xx"] == 0, result["errors"]
    assert result["server"]["exit_code"] == 0 and result["server"]["documents"] == result["documents"]
    assert (tmp_path / "load-batching-3u-5s.json").exists()
