"""The only code that talks to the Hugging Face Hub: `models lock` and `models fetch --from-hub`.

Both are admin actions on a machine with hub access; the bot and workers never come here (they
load from local directories with ``HF_HUB_OFFLINE=1``). ``lock`` downloads a hub model at its
revision, then writes the resolved commit and every file's sha256 back into the manifest, so that
air-gapped hosts can be filled from a mirror and verified.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from inference.model_pack import (
    FetchResult,
    ManifestError,
    ModelEntry,
    ModelFile,
    load_manifest,
    refuse_pending,
    sha256_of,
    verify,
)

# Files the hub client leaves beside a download that are not part of the model.
_NOT_MODEL_FILES = (".cache/", ".gitattributes")


class HubSource(Protocol):
    """Where hub models come from: resolve a revision to a commit, download files at a commit."""

    def resolve(self, repo: str, revision: str) -> str:
        """The 40-hex commit a branch, tag or commit names."""
        ...

    def download(self, repo: str, commit: str, dest: Path, *, allow_patterns: list[str] | None,
                 ignore_patterns: list[str] | None) -> Path:
        """Download the matching files of ``repo`` at ``commit`` into ``dest``; returns ``dest``."""
        ...


class HuggingFaceHub:
    """:class:`HubSource` over ``huggingface_hub`` (token from ``HF_TOKEN`` for gated models)."""

    def __init__(self) -> None:
        # Importing `inference` pins HF_HUB_OFFLINE=1 for everything else; this explicit admin action
        # is the one place allowed online, so lift the pin for this process only.
        os.environ["HF_HUB_OFFLINE"] = "0"
        os.environ["TRANSFORMERS_OFFLINE"] = "0"
        from huggingface_hub import constants

        constants.HF_HUB_OFFLINE = False

    def resolve(self, repo: str, revision: str) -> str:
        """The commit the hub reports for ``revision``."""
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError

        try:
            sha = HfApi().model_info(repo, revision=revision).sha
        except HfHubHTTPError as exc:
            raise ManifestError(f"hub: {repo}@{revision}: {exc}") from exc
        if not sha:
            raise ManifestError(f"hub: {repo}@{revision} has no commit id")
        return sha

    def download(self, repo: str, commit: str, dest: Path, *, allow_patterns: list[str] | None,
                 ignore_patterns: list[str] | None) -> Path:
        """``snapshot_download`` into ``dest`` (the hub client writes ``.incomplete`` files, then renames)."""
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import HfHubHTTPError

        try:
            snapshot_download(repo, revision=commit, local_dir=dest, allow_patterns=allow_patterns,
                              ignore_patterns=ignore_patterns)
        except (HfHubHTTPError, OSError) as exc:
            raise ManifestError(f"hub: download of {repo}@{commit} failed: {exc}") from exc
        return dest


def _model_files(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not relative.startswith(_NOT_MODEL_FILES) and not relative.endswith(".partial"):
            found.append(relative)
    return found


def lock_entry(entry: ModelEntry, models_dir: Path, hub: HubSource) -> ModelEntry:
    """Download a hub model at its revision and return the entry with the commit and every sha256."""
    if entry.source_kind != "hub" or not entry.repo:
        raise ManifestError(f"{entry.name}: only hub models can be locked (source {entry.source_kind!r})")
    commit = hub.resolve(entry.repo, entry.revision or "main")
    target = models_dir / entry.dir
    hub.download(entry.repo, commit, target, allow_patterns=list(entry.allow_patterns) or None,
                 ignore_patterns=list(entry.ignore_patterns) or None)
    files = tuple(ModelFile(p, sha256_of(target / p)) for p in _model_files(target))
    if not files:
        raise ManifestError(f"{entry.name}: {entry.repo}@{commit} matched no files (check allow_patterns)")
    return replace(entry, revision=commit, files=files)


def fetch_from_hub(entry: ModelEntry, models_dir: Path, hub: HubSource) -> FetchResult:
    """Download a locked hub model at its pinned commit and verify every file against the manifest."""
    if entry.source_kind != "hub" or not entry.repo or not entry.revision:
        raise ManifestError(f"{entry.name}: source {entry.source_kind!r} does not come from the hub "
                            "(dev models: `dialog-keeper models install-dev`)")
    refuse_pending(entry)
    target = models_dir / entry.dir
    before = {f.path for f in entry.files if (target / f.path).exists() and sha256_of(target / f.path) == f.sha256}
    hub.download(entry.repo, entry.revision, target, allow_patterns=[f.path for f in entry.files],
                 ignore_patterns=None)
    problems = verify(entry, models_dir)
    if problems:
        for file in entry.files:  # never leave an altered file where the model server would load it
            path = target / file.path
            if path.exists() and sha256_of(path) != file.sha256:
                path.unlink()
        raise ManifestError("; ".join(problems))
    return FetchResult(fetched=[f.path for f in entry.files if f.path not in before], kept=sorted(before))


def render_entry(entry: ModelEntry) -> str:
    """One ``[[model]]`` block of the manifest, in the manifest's own layout."""
    q = json.dumps  # a JSON string is a valid TOML basic string
    source = [f"kind = {q(entry.source_kind)}"]
    if entry.repo:
        source.append(f"repo = {q(entry.repo)}")
    if entry.revision:
        source.append(f"revision = {q(entry.revision)}")
    if entry.packages:
        source.append(f"packages = [{', '.join(q(p) for p in entry.packages)}]")
    if entry.allow_patterns:
        source.append(f"allow_patterns = [{', '.join(q(p) for p in entry.allow_patterns)}]")
    if entry.ignore_patterns:
        source.append(f"ignore_patterns = [{', '.join(q(p) for p in entry.ignore_patterns)}]")
    lines = ["[[model]]", f"name = {q(entry.name)}", f"role = {q(entry.role)}", f"pack = {q(entry.pack)}"]
    if entry.default:
        lines.append("default = true")
    if entry.min_score is not None:
        lines.append(f"min_score = {entry.min_score}")
    lines += [f"dir = {q(entry.dir)}", f"source = {{ {', '.join(source)} }}", "files = ["]
    for f in entry.files:
        parts = f", from = [{', '.join(q(p) for p in f.parts)}]" if f.parts else ""
        lines.append(f"  {{ path = {q(f.path)}, sha256 = {q(f.sha256)}{parts} }},")
    lines.append("]")
    return "\n".join(lines)


def _block_spans(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line index of each ``[[model]]`` block: the header through the ``]`` closing ``files``."""
    spans = []
    starts = [i for i, line in enumerate(lines) if line.strip() == "[[model]]"]
    for n, start in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else len(lines)
        in_files, end = False, None
        for i in range(start, stop):
            stripped = lines[i].strip()
            if stripped.startswith("files") and stripped.endswith("["):
                in_files = True
            elif in_files and stripped == "]":
                end = i
                break
        if end is None:
            raise ManifestError(f"manifest block at line {start + 1}: expected a multi-line `files = [ … ]`")
        spans.append((start, end))
    return spans


def write_entries(manifest_path: Path, updated: list[ModelEntry]) -> None:
    """Replace the named blocks of the manifest in place, keeping every comment outside them."""
    lines = manifest_path.read_text().splitlines()
    spans = _block_spans(lines)
    names = [tomllib.loads("\n".join(lines[a:b + 1]))["model"][0]["name"] for a, b in spans]
    by_name = {e.name: e for e in updated}
    missing = set(by_name) - set(names)
    if missing:
        raise ManifestError(f"not in {manifest_path}: {', '.join(sorted(missing))}")
    for (start, end), name in reversed(list(zip(spans, names, strict=True))):
        if name in by_name:
            lines[start:end + 1] = render_entry(by_name[name]).splitlines()
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # never write a manifest that does not parse
    partial = manifest_path.with_name(manifest_path.name + ".partial")
    partial.write_text(text)
    partial.replace(manifest_path)
    reread = {e.name: e for e in load_manifest(manifest_path)}
    if any(reread[e.name] != e for e in updated):
        raise ManifestError(f"{manifest_path}: rewritten entries do not read back as written")


def lock(manifest_path: Path, models_dir: Path, entries: list[ModelEntry], hub: HubSource) -> list[ModelEntry]:
    """Lock every hub entry given (download, hash, pin), writing the manifest after each one."""
    locked = []
    for entry in entries:
        if entry.source_kind == "hub":
            locked.append(lock_entry(entry, models_dir, hub))
            write_entries(manifest_path, [locked[-1]])  # a later failure keeps what is already locked
    return locked
