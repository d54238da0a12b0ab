"""`chorus serve` in a child process on loopback, for benchmarks, tests and notebooks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`with ServerProcess(["--dtype", "float32"]) as url:` serves until the block ends."""

    def __init__(
        self,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        start_timeout: float = 300.0,
    ) -> None:
        self.args = list(args)
        self.env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
        self.start_timeout = start_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "chorus.cli", "serve", "--port", str(self.port), *self.args],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.time() + self.start_timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read() if self.proc.stderr else b""  # always piped
                raise RuntimeError(f"chorus serve exited: {err.decode()[-2000:]}")
            try:
                # any answer (401 included) means the server is up
                httpx.get(f"{self.url}/models", timeout=2)
                return self.url
            except httpx.HTTPError:
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"chorus serve did not start within {self.start_timeout:.0f} s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:  # uvicorn waits for requests in flight (a generation, an injected stall)
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
