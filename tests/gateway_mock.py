"""Local OpenAI-compatible upstreams for the gateway tests, and the designs they drive.

One threaded HTTP server on 127.0.0.1 stands in for every model path: a path's base URL is
``http://127.0.0.1:PORT/<path id>/v1``, so the request line says which path was called. Each
path answers as told: 200, 429, 500, a 400 context-length or content-policy error in OpenAI's
wording, or a stall past any timeout. Every call is recorded (path id, Authorization header).
"""

from __future__ import annotations

import contextlib
import copy
import json
import socket
import struct
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

import fallbackkit as fk
from fallbackkit import routers

DATA = Path(fk.__file__).parent / "data"
DESIGNS = {p.stem: p for p in sorted((DATA / "scenarios").glob("*.yaml"))}
DESIGNS["default"] = DATA / "default_design.yaml"
DESIGNS["router_design"] = Path(__file__).parent / "data" / "router_design.yaml"

#: Timeouts are capped for the timeout class so it runs in seconds; how many calls a gateway
#: makes does not depend on a timeout's length, only on its being passed.
TIMEOUT_CAP_MS = 250
STALL_S = 1.2

ERRORS = {
    "429": (429, {"error": {"message": "Rate limit reached for requests", "type": "requests",
                            "code": "rate_limit_exceeded"}}),
    "5xx": (500, {"error": {"message": "The server had an error while processing your request.",
                            "type": "server_error", "code": None}}),
    "context overflow": (400, {"error": {
        "message": "This model's maximum context length is 8192 tokens. However, your messages resulted in "
                   "9000 tokens. Please reduce the length of the messages.",
        "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}),
    "content policy": (400, {"error": {
        "message": "Your request was rejected as a result of our safety system. content_policy_violation",
        "type": "invalid_request_error", "param": None, "code": "content_policy_violation"}}),
}


def ok_body(path_id: str) -> dict:
    return {"id": "chatcmpl-mock", "object": "chat.completion", "created": int(time.time()), "model": path_id,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": f"answer from {path_id}"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4}}


class Upstream:
    """The mock upstreams: ``behave(cls, ok=[...])`` then read ``calls``."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []
        self.failure = "429"
        self.ok: set[str] = set()
        self.lock = threading.Lock()
        up = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                path_id = self.path.strip("/").split("/")[0]
                with up.lock:
                    up.calls.append((path_id, self.headers.get("Authorization", "")))
                    failure = None if path_id in up.ok else up.failure
                if failure == "timeout":
                    time.sleep(STALL_S)
                    failure = None
                if failure == "midstream":
                    self._break_after_first_chunk(path_id)
                    return
                if failure is None and b'"stream": true' in body:
                    self._stream(path_id)
                    return
                status, body = (200, ok_body(path_id)) if failure is None else ERRORS[failure]
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the gateway gave up (its timeout): that is the point

            def _chunk(self, path_id: str, text: str) -> bytes:
                event = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": int(time.time()),
                         "model": path_id, "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
                return f"data: {json.dumps(event)}\n\n".encode()

            def _stream_head(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()

            def _stream(self, path_id: str):
                self._stream_head()
                for word in ("answer ", "from ", path_id):
                    self.wfile.write(self._chunk(path_id, word))
                self.wfile.write(b"data: [DONE]\n\n")
                self.close_connection = True

            def _break_after_first_chunk(self, path_id: str):
                """200, the first token, then the connection drops: a failure after the first token."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                data = self._chunk(path_id, "partial ")
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
                time.sleep(0.05)
                # A reset, not a clean close: a close would end a close-delimited body normally.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def base_url(self, path_id: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path_id}/v1"

    def behave(self, failure: str, ok: list[str] | tuple = ()) -> None:
        with self.lock:
            self.calls.clear()
            self.failure, self.ok = failure, set(ok)

    def called(self) -> list[str]:
        with self.lock:
            return [p for p, _ in self.calls]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def load_design(name: str, failure: str):
    """The bundled design ``name``; for the timeout class, with model timeouts capped."""
    path = DESIGNS[name]
    if failure != "timeout":
        return fk.load(path)
    data = yaml.safe_load(path.read_text())
    data = copy.deepcopy(data)
    for p in data["matrix"]["paths"]:
        if p.get("model") and p.get("timeout_ms") is not None:
            p["timeout_ms"] = min(p["timeout_ms"], TIMEOUT_CAP_MS)
    return fk.Design.from_dict(data, str(path))


def base_urls(design, upstream: Upstream) -> dict[str, str]:
    return {p.id: upstream.base_url(p.id) for p in design.matrix.paths if p.model}


def cases():
    """Every (design, failure class) pair the gateway tests drive."""
    return [(name, failure) for name in DESIGNS for failure in routers.FAILURE_CLASSES]


@contextlib.contextmanager
def serving(cmd: list[str], probe_url: str, log_path: Path, *, what: str, wait_s: float, pause_s: float,
            stop_s: float, **popen):
    """Run a gateway ``cmd`` until ``probe_url`` answers (yields the process and its start-up
    seconds); terminate it afterwards, killing it if it has not stopped within ``stop_s``.

    Output goes to ``log_path``, never an unread pipe: a gateway logs every failed call, and a
    full pipe buffer would block it mid-request."""
    t0 = time.perf_counter()
    log = log_path.open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **popen)
    try:
        for _ in range(round(wait_s / pause_s)):
            try:
                with urllib.request.urlopen(probe_url, timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"{what} exited: {log_path.read_text()[-3000:]}")
                time.sleep(pause_s)
        else:
            raise RuntimeError(f"{what} did not answer within {wait_s:g} s")
        yield proc, time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=stop_s)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
