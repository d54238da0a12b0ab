"""A run folder that is never half-written.

Work happens in `<runs>/<name>.partial/`; each finished stage leaves a marker with the hash of
its inputs, so an interrupted or repeated run redoes only what is missing or changed. When every
stage is done the partial folder is renamed to `<runs>/<name>/` in one step.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from chorus.engines import write_atomic


class RunFolderError(RuntimeError):
    pass


class RunFolder:
    def __init__(self, runs: Path, name: str) -> None:
        self.final = runs / name
        self.work = runs / f"{name}.partial"
        self._clock = time.monotonic()

    def open(self) -> Path:
        """The working folder: an interrupted run's, or the finished run's (to reuse it)."""
        self.work.parent.mkdir(parents=True, exist_ok=True)
        if not self.work.exists() and self.final.exists():
            os.replace(self.final, self.work)
        self.work.mkdir(exist_ok=True)
        (self.work / "stages").mkdir(exist_ok=True)
        return self.work

    def done(self, stage: str, key: str) -> bool:
        marker = self.work / "stages" / f"{stage}.json"
        return marker.exists() and json.loads(marker.read_text()).get("key") == key

    def mark(self, stage: str, key: str, info: dict[str, Any] | None = None) -> None:
        """Record a finished stage and the seconds it took (since the previous mark)."""
        now = time.monotonic()
        seconds = round(now - self._clock, 1)
        self._clock = now
        write_json(
            self.work / "stages" / f"{stage}.json", {"key": key, "seconds": seconds, **(info or {})}
        )

    def stage_seconds(self) -> dict[str, float]:
        """How long each stage took when it was computed (possibly by an earlier run)."""
        return {
            p.stem: json.loads(p.read_text()).get("seconds")
            for p in sorted((self.work / "stages").glob("*.json"))
        }

    def reset(self, stage: str, *paths: str) -> None:
        """Drop a stage's outputs before recomputing it (its inputs changed)."""
        (self.work / "stages" / f"{stage}.json").unlink(missing_ok=True)
        for p in paths:
            target = self.work / p
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()

    def finish(self) -> Path:
        if self.final.exists():
            shutil.rmtree(self.final)
        os.replace(self.work, self.final)
        return self.final


def write_json(path: Path, data: Any) -> None:
    write_bytes(path, json.dumps(data, indent=1, sort_keys=True, default=str).encode())


def write_bytes(path: Path, data: bytes) -> None:
    """Atomic write; a full disk becomes an error that says what to do."""
    try:
        write_atomic(path, lambda tmp: tmp.write_bytes(data))
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise RunFolderError(
                f"the disk is full while writing {path}; free some space and run the same "
                "command again: finished stages are kept and the run resumes"
            ) from exc
        raise
