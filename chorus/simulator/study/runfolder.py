"""A run folder that is never half-written, and never lost to a later run.

Work happens in `<runs>/<name>.partial/`; each finished stage leaves a marker with the hash of
its inputs, so an interrupted or repeated run redoes only what is missing or changed. A rerun of
a published run starts its partial folder as hard links to the published files (writers replace
files, never edit them in place, so the published run cannot change through a link) and the
published `<runs>/<name>/` stays as it is until the new run has succeeded: then the two folders
are swapped in one step (renameat2 RENAME_EXCHANGE where the kernel has it). A lock file
`<runs>/<name>.lock` keeps a second run of the same study out, before any model work.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from chorus.core import write_atomic


class RunFolderError(RuntimeError):
    pass


class RunLockedError(RunFolderError):
    """Another run of the same study holds the lock."""


class RunFolder:
    def __init__(self, runs: Path, name: str) -> None:
        self.final = runs / name
        self.work = runs / f"{name}.partial"
        self._old = runs / f"{name}.old"  # a replaced run on its way out
        self._lock_path = runs / f"{name}.lock"
        self._lock: Any = None
        self._clock = time.monotonic()

    def lock(self) -> None:
        """Take the study's run lock (held until release() or the process ends, even by a
        SIGKILL); a second run of the same study is refused here."""
        self.final.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self._lock_path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunLockedError(
                f"{self.final}: another `chorus run` of this study is running ({holder}); "
                "wait for it to finish, or give this run another --runs folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._lock = handle

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing drops the flock
            self._lock = None

    def open(self) -> Path:
        """The working folder: an interrupted run's, or a new one seeded with hard links to the
        published run's files (so finished stages are reused and the published run is left
        alone)."""
        if self._lock is None:
            self.lock()
        if self._old.exists():
            shutil.rmtree(self._old)
        if not self.work.exists() and self.final.exists():
            seeding = self.work.with_name(self.work.name + ".seeding")
            if seeding.exists():
                shutil.rmtree(seeding)
            shutil.copytree(self.final, seeding, copy_function=_link_or_copy)
            os.replace(seeding, self.work)
        self.work.mkdir(exist_ok=True)
        (self.work / "stages").mkdir(exist_ok=True)
        self._clock = time.monotonic()  # the first stage's time leaves out loading the model
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
        """Drop a stage's outputs (in the partial folder only) before recomputing it."""
        (self.work / "stages" / f"{stage}.json").unlink(missing_ok=True)
        for p in paths:
            target = self.work / p
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()

    def finish(self) -> Path:
        """Publish the partial folder as the run, in one step, and release the lock."""
        if not self.final.exists():
            os.replace(self.work, self.final)
        elif _exchange(self.work, self.final):
            os.replace(self.work, self._old)  # the previous run, now out of sight
            shutil.rmtree(self._old)
        else:  # no atomic swap here: the old run is moved aside for the moment of the rename
            os.replace(self.final, self._old)
            os.replace(self.work, self.final)
            shutil.rmtree(self._old)
        self.release()
        return self.final


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or no hard links: a copy is as good
        shutil.copy2(src, dst)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where that is not available."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


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
