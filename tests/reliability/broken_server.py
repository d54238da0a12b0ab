"""A broken OpenAI-compatible server for the bad-input corpus: it lists a model, then answers
every request badly (not JSON, a dropped connection, or no log-probabilities)."""

from __future__ import annotations

import contextlib
import http.server
import json
import socketserver
import threading
from collections.abc import Iterator
from typing import Any


class _Handler(http.server.BaseHTTPRequestHandler):
    """A broken OpenAI-compatible server: lists a model, then answers requests badly."""

    mode = "non_json"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.mode == "drop":
            self.connection.close()
            return
        self._send(200, json.dumps({"object": "list", "data": [{"id": "m"}]}).encode())

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "non_json":
            self._send(200, b"<html>proxy login</html>", "text/html")
        elif self.mode == "no_logprobs":
            message = {"role": "assistant", "content": "yes"}
            choice = {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
            body = {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
                    "choices": [choice]}  # fmt: skip
            self._send(200, json.dumps(body).encode())
        else:
            self.connection.close()


@contextlib.contextmanager
def broken_server(mode: str) -> Iterator[str]:
    """Serve `_Handler` in `mode`; yields the base URL. The SDK's retry waits are shortened to
    milliseconds (timing only: the retries themselves still happen)."""
    import openai._base_client as base

    handler = type("H", (_Handler,), {"mode": mode})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = base.INITIAL_RETRY_DELAY, base.MAX_RETRY_DELAY
    base.INITIAL_RETRY_DELAY, base.MAX_RETRY_DELAY = 0.001, 0.002
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        base.INITIAL_RETRY_DELAY, base.MAX_RETRY_DELAY = saved
        server.shutdown()
        server.server_close()
