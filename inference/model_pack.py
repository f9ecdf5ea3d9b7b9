"""The models manifest: install packaged models into ``models/`` and verify every sha256."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path


class ManifestError(RuntimeError):
    """A model cannot be installed as the manifest describes."""


@dataclass(frozen=True)
class ModelFile:
    """One file of a model: where it goes, its hash, and the parts it is assembled from."""

    path: str
    sha256: str
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelEntry:
    """One model of the manifest."""

    name: str
    role: str
    pack: str
    dir: str
    source_kind: str
    files: tuple[ModelFile, ...]


def load_manifest(path: Path) -> list[ModelEntry]:
    """Parse ``manifest.toml``."""
    data = tomllib.loads(path.read_text())
    return [ModelEntry(name=m["name"], role=m["role"], pack=m["pack"], dir=m["dir"],
                       source_kind=m["source"]["kind"],
                       files=tuple(ModelFile(f["path"], f["sha256"], tuple(f.get("from", ())))
                                   for f in m["files"]))
            for m in data["model"]]


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def verify(entry: ModelEntry, models_dir: Path) -> list[str]:
    """Problems with an installed model (missing or altered files); empty when it is intact."""
    problems = []
    for file in entry.files:
        target = models_dir / entry.dir / file.path
        if not target.exists():
            problems.append(f"{entry.name}: missing {target}")
        elif sha256_of(target) != file.sha256:
            problems.append(f"{entry.name}: sha256 mismatch for {target}")
    return problems


def _package_file(spec: str) -> Path:
    module, _, relative = spec.partition("/")
    found = importlib.util.find_spec(module)
    if found is None or not found.submodule_search_locations:
        raise ManifestError(f"Python package {module!r} is not installed (run `make install`)")
    return Path(next(iter(found.submodule_search_locations))) / relative


def install_from_packages(entry: ModelEntry, models_dir: Path) -> Path:
    """Assemble a model's files from installed PyPI packages, then verify them."""
    if entry.source_kind != "pypi":
        raise ManifestError(f"{entry.name}: source {entry.source_kind!r} is not installable from packages")
    target_dir = models_dir / entry.dir
    for file in entry.files:
        target = target_dir / file.path
        if target.exists() and sha256_of(target) == file.sha256:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with partial.open("wb") as out:
            for part in file.parts:
                with _package_file(part).open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        partial.replace(target)  # a crash mid-copy never leaves a plausible-looking file
    problems = verify(entry, models_dir)
    if problems:
        raise ManifestError("; ".join(problems))
    return target_dir
