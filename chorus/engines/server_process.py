"""`chorus serve` (or another OpenAI-compatible server: engines.vllm_server) in a child process
on loopback, for benchmarks, tests and notebooks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """`with ServerProcess(["--dtype", "float32"]) as url:` serves until the block ends.
    `command`: another server's command line, given the port; `log`: its output goes to this
    file (a chatty server would fill a pipe and stall)."""

    def __init__(
        self,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        start_timeout: float = 300.0,
        command: Callable[[int], list[str]] | None = None,
        log: Path | None = None,
    ) -> None:
        self.args = list(args)
        self.command = command
        self.log = log
        self.env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
        self.start_timeout = start_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        cmd = (
            self.command(self.port)
            if self.command
            else [sys.executable, "-m", "chorus.cli", "serve", "--port", str(self.port)]
        )
        out = self.log.open("wb") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [*cmd, *self.args],
            env=self.env,
            stdout=out,
            stderr=out if self.log else subprocess.PIPE,
        )
        deadline = time.time() + self.start_timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                err = self.log.read_bytes() if self.log else self.proc.stderr.read()  # type: ignore[union-attr]
                raise RuntimeError(f"{' '.join(cmd[:4])} exited: {err.decode()[-2000:]}")
            try:
                # any answer (401 included) means the server is up
                httpx.get(f"{self.url}/models", timeout=2)
                return self.url
            except httpx.HTTPError:
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"{' '.join(cmd[:4])} did not start within {self.start_timeout:.0f} s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:  # uvicorn waits for requests in flight (a generation, an injected stall)
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
