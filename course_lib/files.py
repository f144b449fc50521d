"""Files the course writes (trained models, caches, results): written atomically, verified on read.

A half-written or corrupted file must never be used silently. Every file written here gets a
``<name>.sha256`` sidecar; ``verify`` recomputes the hash and raises ``FileIntegrityError``
when the file is missing, the sidecar is missing, or the two disagree.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

Loaded = TypeVar("Loaded")
Model = TypeVar("Model")


class FileIntegrityError(RuntimeError):
    """A course file is missing, incomplete or corrupted."""


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sidecar(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.with_name(path.name + ".sha256")


def write_atomic(path: str | os.PathLike, write: Callable[[Path], None], *,
                 with_hash: bool = True) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then move it into place.

    The temporary name keeps the suffix (Keras picks the format from it). The sidecar hash is
    moved in last, so a crash in between leaves a file that ``verify`` rejects. Files people
    edit by hand (translations) and files a tool shows (built notebooks) go ``with_hash=False``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-",
                                        suffix=path.suffix)
    os.close(handle)
    tmp = Path(tmp_name)
    tmp_hash = tmp.with_name(tmp.name + ".sha256")
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; course files are for everyone to read
        if with_hash:
            tmp_hash.write_text(f"{sha256_of(tmp)}  {path.name}\n")
        os.replace(tmp, path)
        if with_hash:
            os.replace(tmp_hash, sidecar(path))
    finally:
        tmp.unlink(missing_ok=True)
        tmp_hash.unlink(missing_ok=True)
    return path


def write_bytes_atomic(path: str | os.PathLike, data: bytes, *, with_hash: bool = True) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_bytes(data), with_hash=with_hash)


def write_text_atomic(path: str | os.PathLike, text: str, *, with_hash: bool = True) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"), with_hash=with_hash)


def verify(path: str | os.PathLike) -> Path:
    """Return ``path`` if its content matches its sidecar hash, else raise FileIntegrityError."""
    path = Path(path)
    if not path.exists():
        raise FileIntegrityError(f"{path}: file is missing")
    hash_file = sidecar(path)
    if not hash_file.exists():
        raise FileIntegrityError(f"{path}: no {hash_file.name} beside it, so it may be a "
                                 "half-written file; delete it and make it again")
    expected = hash_file.read_text().split()[0]
    actual = sha256_of(path)
    if actual != expected:
        raise FileIntegrityError(f"{path}: corrupted (sha256 {actual[:12]}..., expected "
                                 f"{expected[:12]}... from {hash_file.name}); delete it and "
                                 "make it again")
    return path


def write_arrays(path: str | os.PathLike, arrays: Mapping[str, np.ndarray],
                 card: Mapping | None = None) -> Path:
    """Arrays in one compressed .npz (atomic, with sha256), and a JSON card beside it if given."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    path = write_bytes_atomic(path, buffer.getvalue())
    if card is not None:
        write_card(path, card)
    return path


def write_card(model_path: str | os.PathLike, card: Mapping) -> Path:
    """A model's JSON card, beside it (same name, ``.json``), written atomically."""
    return write_text_atomic(Path(model_path).with_suffix(".json"),
                             json.dumps(card, indent=2) + "\n")


def read_card(model_path: str | os.PathLike) -> dict:
    """The JSON card ``write_card`` wrote beside a model, its hash checked first."""
    return json.loads(verify(Path(model_path).with_suffix(".json")).read_text())


def read_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array of an .npz written by ``write_arrays``, its hash checked first."""
    with np.load(verify(path)) as archive:
        return {key: archive[key] for key in archive.files}


def write_weights(path: str | os.PathLike, weights: list[np.ndarray], spec: Mapping,
                  card: Mapping | None = None, **extra: np.ndarray) -> Path:
    """A model's weights in order (``w000``, ``w001``, ...), its shape as JSON (``spec``) and
    any ``extra`` arrays, in one .npz written by ``write_arrays``."""
    arrays = {f"w{i:03d}": w for i, w in enumerate(weights)}
    arrays.update(extra, spec=np.array(json.dumps(dict(spec))))
    return write_arrays(path, arrays, card)


def read_weights(path: str | os.PathLike
                 ) -> tuple[dict, list[np.ndarray], dict[str, np.ndarray]]:
    """What ``write_weights`` wrote, hash checked: (spec, weights in order, extra arrays)."""
    arrays = read_arrays(path)
    spec = json.loads(str(arrays.pop("spec")))
    names = sorted(key for key in arrays if key.startswith("w"))
    return spec, [arrays.pop(key) for key in names], arrays


def write_model(path: str | os.PathLike, model: Any, card: Mapping | None = None) -> Path:
    """A Keras model with a dataclass ``spec`` (its shape): ``write_weights`` of its weights."""
    return write_weights(path, model.get_weights(), asdict(model.spec), card)


def read_model(path: str | os.PathLike, build: Callable[[dict], Model]) -> Model:
    """What ``write_model`` wrote, hash checked: ``build(spec)`` given the weights."""
    spec, weights, _ = read_weights(path)
    model = build(spec)
    model.set_weights(weights)
    return model


def load_shipped(load: Callable[[Path], Loaded], path: str | os.PathLike,
                 script: str) -> Loaded:
    """``load(path)`` for a model shipped in ``data/``: if it is missing or corrupted, the
    error says how to restore it from git or remake it with ``script``."""
    try:
        return load(Path(path))
    except FileIntegrityError as error:
        shipped = f"data/{Path(path).name}"
        raise FileIntegrityError(
            f"{error}. Restore it with `git checkout -- {shipped} {shipped}.sha256`, "
            f"or remake it with `python {script}`.") from error
