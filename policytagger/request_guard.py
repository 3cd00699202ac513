"""An ASGI middleware that checks a request's body before FastAPI parses it: its size (the declared
Content-Length AND the bytes actually received, since a client may lie or stream without a length),
the content type of JSON routes, and that a JSON body is UTF-8. Answers 413 / 415 / 422 / 400 with
the service's error body {"error", "detail"}.
"""
from __future__ import annotations

import json

_NO_BODY_METHODS = {"GET", "HEAD", "OPTIONS"}


def is_json_media_type(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


async def send_error(send, status: int, error: str, detail=None, headers: dict | None = None) -> None:
    body = json.dumps({"error": error, "detail": detail}, ensure_ascii=False).encode("utf-8")
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    def __init__(self, app, max_body_bytes: int, json_routes: set[tuple[str, str]]):
        """``json_routes``: (method, path) pairs whose body must be JSON."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.json_routes = json_routes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in _NO_BODY_METHODS:
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                return await send_error(send, 400, f"invalid Content-Length header: {declared[:40]!r}")
            if int(declared) > self.max_body_bytes:
                return await self._too_large(send, f"Content-Length is {int(declared)} bytes")
        is_json_route = (scope["method"], scope["path"]) in self.json_routes
        content_type = headers.get("content-type", "").strip()
        if is_json_route and not is_json_media_type(content_type):
            return await send_error(
                send, 415, f"unsupported content type {content_type or '(none)'!r}: "
                           "send the body as JSON with 'Content-Type: application/json'")
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return await self._too_large(send, f"received more than {self.max_body_bytes} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if is_json_route:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as err:
                return await send_error(send, 422, f"the body is not valid UTF-8 (byte {err.start}): "
                                                   "JSON must be sent as UTF-8")
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # later calls wait for the disconnect, as usual

        await self.app(scope, replay, send)

    async def _too_large(self, send, what: str) -> None:
        # Connection: close, since the rest of the body is left unread
        await send_error(send, 413, f"request body too large: {what}; the limit is {self.max_body_bytes} bytes",
                         {"limit_bytes": self.max_body_bytes}, headers={"connection": "close"})
