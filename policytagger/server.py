"""The HTTP service (``policytagger serve``): a thin shell over ``model.analyzer.Analyzer``.

    POST /v1/analyze   {"documents": [{"id", "text", "region"?, "year"?, "genre"?}], "include_text"?}
                       → {"model": {...}, "documents": [the JSON Lines records of policytagger analyze]}
    GET  /v1/model     version, labels, runtime, card metrics, limits
    GET  /healthz      the process is up;  GET /readyz  the model is loaded and the batcher runs

The model loads once, at startup. Concurrent requests are batched together (policytagger.batching).
Every error is answered as {"error": "...", "detail": ...}; no answer carries a stack trace.

Run ``uvicorn --factory policytagger.server:create_app`` or, with the CLI's options,
``policytagger serve``.
"""
# No ``from __future__ import annotations`` here: FastAPI reads the route signatures, and the request
# models are local classes (built from the limits) that string annotations could not be resolved to.
import hashlib
import json
import logging
import signal
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from model.analyzer import DEFAULT_MODEL_DIR, Analyzer
from model.folder import META_FILE

from . import __version__
from .api_models import AnalyzeResponse, ErrorBody, Health, ModelInfo, Readiness, request_models
from .batching import AnalysisFailed, BatcherNotRunning, MicroBatcher
from .request_guard import RequestGuard
from .server_config import BatchingConfig, ServerLimits

logger = logging.getLogger("policytagger.server")

ANALYZE_PATH = "/v1/analyze"
_MAX_LISTED_PROBLEMS = 20


def create_app(analyzer: Optional[Analyzer] = None, *, model_path: Optional[Path] = None, runtime: str = "auto",
               threads: Optional[int] = None, limits: ServerLimits = ServerLimits(),
               batching: BatchingConfig = BatchingConfig()) -> FastAPI:
    """The service. Pass ``analyzer`` to serve one already loaded (tests); otherwise the model at
    ``model_path`` (default: the shipped one) is loaded once, when the app starts."""
    _, AnalyzeRequest = request_models(limits)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state = app.state
        if state.analyzer is None:
            state.analyzer = await run_in_threadpool(Analyzer.load, model_path, runtime=runtime, threads=threads)
        state.model_ref, state.model_info = describe_model(state.analyzer, model_path, limits, batching)
        state.batcher = MicroBatcher(state.analyzer.analyze_batch, batching)
        state.batcher.start()
        logger.info("serving model %s (%s, fingerprint %s); batching %s; limits %s", state.model_ref["name"],
                    state.model_ref["runtime"], state.model_ref["fingerprint"], asdict(batching), asdict(limits))
        try:
            yield
        finally:
            state.shutting_down = True
            await state.batcher.stop()  # finishes every queued document first
            logger.info("batcher stopped after %s", asdict(state.batcher.stats))

    app = FastAPI(title="policytagger", version=__version__, lifespan=lifespan,
                  description="Entities, quantitative targets/results (with normalised quantities) and "
                              "themes of Chinese government and economic texts.")
    app.state.analyzer = analyzer
    app.state.batcher = None
    app.state.shutting_down = False
    app.state.limits = limits
    app.add_middleware(RequestGuard, max_body_bytes=limits.max_body_bytes, json_routes={("POST", ANALYZE_PATH)})
    _install_error_handlers(app, limits)

    errors = {status: {"model": ErrorBody, "description": what} for status, what in {
        413: "Body larger than the limit", 415: "Body not sent as application/json",
        422: "Invalid JSON, or a document or field breaking the schema or a limit (path named in detail)",
        500: "The model failed on a document (logged server-side)", 503: "Model not loaded yet, or stopping",
    }.items()}

    @app.post(ANALYZE_PATH, response_model=AnalyzeResponse, responses=errors,
              summary="Analyse documents: sentences with themes, spans with quantities")
    async def analyze(body: AnalyzeRequest):
        batcher: Optional[MicroBatcher] = app.state.batcher
        docs = body.documents
        try:
            if batcher is None:
                raise BatcherNotRunning("the model is not loaded yet")
            results = await batcher.analyze([d.text for d in docs], [d.id for d in docs],
                                            [d.model_dump(include={"region", "year", "genre"}) for d in docs])
        except BatcherNotRunning as err:
            return _error(503, "service not ready", str(err))
        except AnalysisFailed as err:
            return _error(500, "internal error", f"the analysis of documents[{err.index}] failed; "
                                                 "the cause is logged on the server")
        return JSONResponse({"model": app.state.model_ref,
                             "documents": [d.to_dict(include_text=body.include_text) for d in results]})

    @app.get("/v1/model", response_model=ModelInfo, responses={503: {"model": ErrorBody}},
             summary="The model served: version, labels, runtime, metrics, limits")
    async def model_info():
        if getattr(app.state, "model_info", None) is None:
            return _error(503, "service not ready", "the model is not loaded yet")
        return JSONResponse(app.state.model_info)

    @app.get("/healthz", response_model=Health, summary="The process is up")
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}},
             summary="200 once the model is loaded and the batcher runs; 503 before and while stopping")
    async def readyz():
        batcher: Optional[MicroBatcher] = app.state.batcher
        if batcher is None:
            return JSONResponse({"status": "loading"}, status_code=503)
        body = {"queued": batcher.queued, **{k: v for k, v in asdict(batcher.stats).items()
                                             if k in ("requests", "documents", "batches")}}
        if app.state.shutting_down:
            return JSONResponse({"status": "shutting down", **body}, status_code=503)
        if not batcher.running:
            return JSONResponse({"status": "stopped", **body}, status_code=503)
        return {"status": "ready", **body}

    return app


def describe_model(analyzer: Analyzer, model_path: Optional[Path], limits: ServerLimits,
                   batching: BatchingConfig) -> tuple[dict, dict]:
    """(the short reference every analysis answer carries, the long GET /v1/model answer)."""
    meta = analyzer.meta
    fingerprint = _fingerprint(meta.__dict__)
    if model_path is not None:
        name = Path(model_path).resolve().name
    else:  # an analyzer handed in: name it after the shipped model if it is that one
        try:
            shipped = json.loads((DEFAULT_MODEL_DIR / META_FILE).read_text(encoding="utf-8"))
            name = DEFAULT_MODEL_DIR.name if _fingerprint(shipped) == fingerprint else "custom"
        except (OSError, ValueError):
            name = "custom"
    ref = {"name": name, "version": __version__, "runtime": getattr(analyzer.runtime, "name", "torch"),
           "fingerprint": fingerprint}
    training = {k: v for k, v in meta.training.items() if k != "history"}
    if len(json.dumps(training, ensure_ascii=False, default=str)) > 4000:  # keep the answer small
        training = {k: v for k, v in training.items() if isinstance(v, (str, int, float, bool))}
    info = {**ref, "folder": {"encoder": meta.encoder, "max_length": meta.max_length,
                              "format_version": meta.format_version},
            "labels": analyzer.labels, "metrics": meta.metrics, "training": training,
            "limits": asdict(limits), "batching": asdict(batching)}
    return ref, json.loads(json.dumps(info, ensure_ascii=False, default=str))


def _fingerprint(meta: dict) -> str:
    return hashlib.sha256(json.dumps(meta, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def _error(status: int, error: str, detail=None, headers: Optional[dict] = None) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


def _path(loc) -> str:
    """("body", "documents", 3, "text") → "documents[3].text"."""
    out = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def _problem(error: dict) -> dict:
    if error["type"] == "json_invalid":  # loc is ("body", character position)
        return {"loc": "body", "msg": f"{error['msg']} at character {error['loc'][-1]}", "type": "json_invalid"}
    msg = error["msg"].removeprefix("Value error, ")
    return {"loc": _path(error["loc"]), "msg": msg, "type": error["type"]}


def _summary(error: dict, body, limits: ServerLimits) -> str:
    """One line naming the first problem, in the terms of this API."""
    kind, loc, ctx = error["type"], tuple(error["loc"]), error.get("ctx") or {}
    where = _path(loc)
    if kind == "json_invalid":
        pos = loc[-1] if isinstance(loc[-1], int) else 0
        text = body if isinstance(body, str) else ""
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return f"invalid JSON at line {line}, column {column} (character {pos}): {ctx.get('error', 'parse error')}"
    if loc == ("body",) and kind == "missing":
        return 'the request body is empty: send {"documents": [{"text": "..."}]}'
    if where == "documents" and kind == "too_long":
        return f"too many documents: {ctx.get('actual_length', 'more than the limit')} " \
               f"(at most {limits.max_docs} per request)"
    if where == "documents" and kind == "too_short":
        return "no documents: send at least one in 'documents'"
    if kind == "string_too_long" and where.endswith((".text", ".id")):
        size = len(error["input"]) if isinstance(error.get("input"), str) else "too many"
        field = "text" if where.endswith(".text") else "id"
        return f"{where}: the {field} is too long: {size} characters (at most {ctx.get('max_length')})"
    return f"{where}: {_problem(error)['msg']}"


def _install_error_handlers(app: FastAPI, limits: ServerLimits) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        problems = exc.errors()
        detail = [_problem(e) for e in problems[:_MAX_LISTED_PROBLEMS]]
        if len(problems) > _MAX_LISTED_PROBLEMS:
            detail.append({"loc": "", "msg": f"and {len(problems) - _MAX_LISTED_PROBLEMS} more problems",
                           "type": "truncated"})
        return _error(422, _summary(problems[0], exc.body, limits), detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        path = request.url.path[:200]
        if exc.status_code == 404:
            routes = sorted(f"{m} {r.path}" for r in app.routes for m in getattr(r, "methods", ()) or ()
                            if m != "HEAD")
            return _error(404, f"no such route: {request.method} {path}", {"routes": routes})
        if exc.status_code == 405:
            allowed = (exc.headers or {}).get("allow", (exc.headers or {}).get("Allow", ""))
            return _error(405, f"method {request.method} is not allowed on {path}: use {allowed}",
                          {"allowed": allowed}, headers=exc.headers)
        return _error(exc.status_code, str(exc.detail), None, headers=exc.headers)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):
        logger.error("unhandled error on %s %s", request.method, request.url.path[:200], exc_info=exc)
        return _error(500, "internal server error", "the error is logged on the server")


def run_server(app: FastAPI, *, host: str = "127.0.0.1", port: int = 8000, shutdown_timeout: float = 30.0,
               access_log: bool = True) -> bool:
    """Serve ``app`` with uvicorn in this process (one worker: the model is loaded once). On SIGTERM
    or Ctrl-C uvicorn stops accepting connections and lets in-flight requests finish (at most
    ``shutdown_timeout`` s), then the batcher drains its queue. Returns whether the server started."""
    import uvicorn

    class _Server(uvicorn.Server):
        def handle_exit(self, sig, frame):
            app.state.shutting_down = True  # /readyz answers 503 while in-flight requests finish
            super().handle_exit(sig, frame)

    config = uvicorn.Config(app, host=host, port=port, lifespan="on", access_log=access_log,
                            timeout_graceful_shutdown=shutdown_timeout)
    ours = logging.getLogger("policytagger")  # log through uvicorn's handlers, in its format
    ours.setLevel(logging.INFO)
    ours.handlers = list(logging.getLogger("uvicorn").handlers)
    ours.propagate = False
    server = _Server(config)
    # uvicorn re-raises a caught SIGTERM once it has shut down; with a handler of ours in place
    # the process then ends normally (exit 0) instead of being killed by the signal.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return server.started
