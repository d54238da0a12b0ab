"""The engine options every model-using command shares, added by one decorator so that every
command that takes --engine takes the same set, with the same meaning: one option per EngineSpec
field (engines.flags)."""

from __future__ import annotations

import errno
import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer
from pydantic import BaseModel

from chorus.engines.flags import FLAGS, Flag, FlagError, options_from_flags
from chorus.engines.spec import EngineSpec

if TYPE_CHECKING:
    from chorus.engines import Engine


@dataclass(frozen=True)
class EngineChoice:
    """What the engine options say: `spec`, whose `model_fields_set` are the options given
    (the rest hold the spec's defaults), so that `chorus run` can tell an override from the
    study file's value."""

    spec: EngineSpec = field(default_factory=EngineSpec)

    def over(self, defaults: EngineSpec) -> EngineChoice:
        """These options were given, else the fields of `defaults` (a study's engine section)."""
        given = {k: getattr(self.spec, k) for k in self.spec.model_fields_set}
        base = {k: getattr(defaults, k) for k in EngineSpec.model_fields}
        if base["vllm_args"] and "vllm_args" in given:  # --vllm-arg adds to the study's
            given["vllm_args"] = {**base["vllm_args"], **given["vllm_args"]}
        return EngineChoice(EngineSpec(**{**base, **given}))

    def load(self) -> Engine:
        """The cached engine; errors become a clear message and a non-zero exit."""
        from chorus.engines import EngineError, load_engine

        try:
            return load_engine(self.spec)
        except (EngineError, ValueError) as exc:
            fail(str(exc))


def flag_options(
    param: str, model: type[BaseModel], flags: dict[str, Flag], wrap: Callable[[Any], Any]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator adding one option per flag (a field of the options `model`) to a command,
    which receives `wrap(model(options given))` as `param`; a bad value exits 2 naming the flag."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(command, eval_str=True)
        kept = [p for p in sig.parameters.values() if p.name != param]
        added = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[
                    Optional[list[str] if flag.kind is list else flag.kind],  # noqa: UP045
                    typer.Option(
                        f"{flag.flag}/--no-{flag.flag[2:]}" if flag.kind is bool else flag.flag,
                        help=flag.help,
                    ),
                ],
            )
            for name, flag in flags.items()
        ]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                options = options_from_flags(model, flags, {n: kwargs.pop(n) for n in flags})
            except FlagError as exc:
                fail(str(exc), code=2)
            return command(*args, **{param: wrap(options)}, **kwargs)

        wrapper.__signature__ = sig.replace(parameters=kept + added)  # type: ignore[attr-defined]
        return wrapper

    return decorate


# the shared engine options: the command receives them as `engine: EngineChoice`
engine_options = flag_options("engine", EngineSpec, FLAGS, EngineChoice)


def check_writable(folder: Path, option: str) -> None:
    """Fail now, before any model work, if `folder` cannot be created or written (a read-only
    or full file system), rather than after hours of work when the results are saved."""
    existing = next(p for p in (folder.absolute(), *folder.absolute().parents) if p.exists())
    try:
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(existing))
        probe = existing / f".chorus-write-test-{os.getpid()}"  # nothing created for good
        probe.write_bytes(b"0" * 4096)
        probe.unlink()
    except OSError as exc:
        fail(f"{option} {folder}: cannot write there: {describe_error(exc)}")


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


_OS_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run the same command again",
    errno.EDQUOT: "the disk quota is used up; free some space and run the same command again",
    errno.EROFS: "the file system is read-only; write somewhere else (--out / --runs)",
    errno.EACCES: "permission denied; fix the permissions or write somewhere else",
    errno.EPERM: "permission denied; fix the permissions or write somewhere else",
    errno.ENOENT: "no such file or folder; check the path",
    errno.EISDIR: "a folder where a file was expected; check the path",
    errno.ENOTDIR: "a file where a folder was expected; check the path",
}


def describe_error(exc: BaseException) -> str:
    """One line for an error a command reports: operating-system errors name the file and
    what to do; chorus's own errors already do."""
    if isinstance(exc, OSError) and exc.errno in _OS_HINTS:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{_OS_HINTS[exc.errno]} ({exc.strerror})"
    return str(exc)
