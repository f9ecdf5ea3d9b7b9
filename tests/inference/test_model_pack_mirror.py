"""Model delivery to air-gapped hosts: fetch from a directory or HTTP mirror, verify, lock hub models.

The dev pack installed by `make` (models/dev/…) is itself a mirror laid out as <mirror>/<dir>/<file>,
so the real dev models travel through the real fetch code. The hub cannot be reached here: `lock`
is driven through a local stand-in that implements the same two calls (resolve, download).
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli import build_parser, run_guarded
from bot.cli.models import cmd_models
from bot.settings import ROOT, Settings
from inference.model_hub import fetch_from_hub, lock, write_entries
from inference.model_pack import (
    ManifestError,
    ModelEntry,
    ModelFile,
    fetch_from_mirror,
    load_manifest,
    select,
    sha256_of,
    verify,
)

MANIFEST = ROOT / "models/manifest.toml"
DEV_MIRROR = ROOT / "models"  # what `make install` filled


@pytest.fixture(scope="module")
def dev_pack() -> list[ModelEntry]:
    """The dev entries, after checking the packaged copies under models/ are intact."""
    entries = select(load_manifest(MANIFEST), pack="dev")
    assert all(verify(e, DEV_MIRROR) == [] for e in entries), "run `make install` first"
    return entries


@pytest.fixture
def http_mirror() -> Iterator[functools.partial[str]]:
    """Serve a directory over HTTP on 127.0.0.1 (a throwaway http.server): call it with the directory."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(directory: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/mirror"

    yield functools.partial(serve)
    for server in servers:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves <directory>/… under the URL prefix /mirror/ (a mirror need not sit at the root)."""

    def translate_path(self, path: str) -> str:
        return super().translate_path(path.removeprefix("/mirror"))

    def log_message(self, format: str, *args: object) -> None:  # the base class's name for its argument
        pass


def _small_entry(name: str = "tiny", pack: str = "test") -> tuple[ModelEntry, dict[str, bytes]]:
    contents = {"config.json": b'{"dim": 4}\n', "weights/part.bin": bytes(range(256)) * 64}
    files = tuple(ModelFile(p, hashlib.sha256(c).hexdigest()) for p, c in contents.items())
    return ModelEntry(name=name, role="llm", pack=pack, dir=f"{pack}/{name}", source_kind="hub",
                      files=files, repo="org/tiny", revision="a" * 40), contents


def _write_mirror(root: Path, entry: ModelEntry, contents: dict[str, bytes]) -> Path:
    for path, data in contents.items():
        target = root / entry.dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def test_the_whole_dev_pack_comes_from_a_directory_mirror_and_a_second_run_changes_nothing(
        dev_pack: list[ModelEntry], tmp_path: Path) -> None:
    for entry in dev_pack:
        result = fetch_from_mirror(entry, tmp_path, str(DEV_MIRROR))
        assert sorted(result.fetched) == sorted(f.path for f in entry.files) and result.kept == []
        assert verify(entry, tmp_path) == []
    assert not list(tmp_path.rglob("*.partial"))
    again = fetch_from_mirror(dev_pack[0], tmp_path, f"file://{DEV_MIRROR}")
    assert again.fetched == [] and len(again.kept) == len(dev_pack[0].files)


def test_a_dev_model_comes_from_an_http_mirror(dev_pack: list[ModelEntry], tmp_path: Path,
                                               http_mirror: functools.partial[str]) -> None:
    entry = next(e for e in dev_pack if e.name == "all-minilm-l6-v2")
    url = http_mirror(DEV_MIRROR)
    result = fetch_from_mirror(entry, tmp_path, url)
    assert "1_Pooling/config.json" in result.fetched and verify(entry, tmp_path) == []
    weights = f"{entry.dir}/model.safetensors"
    assert sha256_of(tmp_path / weights) == sha256_of(DEV_MIRROR / weights)


@pytest.mark.parametrize("over_http", [False, True], ids=["directory", "http"])
def test_a_corrupt_mirror_file_is_refused_and_nothing_is_left_behind(
        tmp_path: Path, http_mirror: functools.partial[str], over_http: bool) -> None:
    entry, contents = _small_entry()
    mirror_dir = _write_mirror(tmp_path / "mirror", entry, {**contents, "weights/part.bin": b"tampered"})
    mirror = http_mirror(mirror_dir) if over_http else str(mirror_dir)
    models = tmp_path / "models"
    with pytest.raises(ManifestError, match=r"weights/part.bin.*refused"):
        fetch_from_mirror(entry, models, mirror)
    assert not (models / entry.dir / "weights/part.bin").exists()
    assert not list(models.rglob("*.partial"))


def test_an_altered_installed_file_is_replaced_from_the_mirror(tmp_path: Path) -> None:
    entry, contents = _small_entry()
    mirror = _write_mirror(tmp_path / "mirror", entry, contents)
    models = tmp_path / "models"
    fetch_from_mirror(entry, models, str(mirror))
    (models / entry.dir / "config.json").write_text("{}")
    result = fetch_from_mirror(entry, models, str(mirror))
    assert result.fetched == ["config.json"] and result.kept == ["weights/part.bin"]
    assert verify(entry, models) == []


def test_a_file_missing_on_the_mirror_is_named(tmp_path: Path, http_mirror: functools.partial[str]) -> None:
    entry, contents = _small_entry()
    mirror_dir = _write_mirror(tmp_path / "mirror", entry, {"config.json": contents["config.json"]})
    with pytest.raises(ManifestError, match="missing"):
        fetch_from_mirror(entry, tmp_path / "a", str(mirror_dir))
    with pytest.raises(ManifestError, match="HTTP 404"):
        fetch_from_mirror(entry, tmp_path / "b", http_mirror(mirror_dir))


def test_pending_prod_entries_are_refused_before_any_transfer(tmp_path: Path) -> None:
    prod = select(load_manifest(MANIFEST), pack="prod")
    assert {e.role for e in prod} == {"llm", "stt", "embeddings"}
    assert {e.repo for e in prod if e.default} == {
        "Qwen/Qwen2.5-7B-Instruct", "mobiuslabsgmbh/faster-whisper-large-v3-turbo", "intfloat/multilingual-e5-large"}
    for entry in prod:
        assert not entry.locked and entry.revision == "main"
        problems = verify(entry, tmp_path)
        assert problems and all("models lock --pack prod" in p for p in problems)
        # Nothing listens on this port: a refusal that mentions the lock proves no connection was tried.
        with pytest.raises(ManifestError, match="no locked sha256"):
            fetch_from_mirror(entry, tmp_path, "http://127.0.0.1:9/mirror")
    assert not any(tmp_path.iterdir())


def _run_models(tmp_path: Path, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    settings = Settings(_env_file=None, models_dir=tmp_path, data_dir=tmp_path / "var")  # type: ignore[call-arg]
    args = build_parser()[0].parse_args(["models", *argv, "--manifest", str(MANIFEST)])
    code = run_guarded(cmd_models, settings, args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_fetch_verify_and_pending_refusal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run_models(tmp_path, "fetch", "--name", "smollm2-135m-instruct", "--from-mirror",
                               str(DEV_MIRROR), capsys=capsys)
    assert code == 0 and "changed: 1 file(s)" in out
    code, out, _ = _run_models(tmp_path, "fetch", "--name", "smollm2-135m-instruct", "--from-mirror",
                               str(DEV_MIRROR), capsys=capsys)
    assert code == 0 and "changed: 0 file(s)" in out  # what Ansible's changed_when reads
    assert _run_models(tmp_path, "verify", "--name", "smollm2-135m-instruct", capsys=capsys)[0] == 0

    code, out, err = _run_models(tmp_path, "verify", "--pack", "prod", capsys=capsys)
    assert code == 1 and "FAIL qwen2.5-7b-instruct" in out and "models lock --pack prod" in err
    code, out, err = _run_models(tmp_path, "fetch", "--pack", "prod", "--from-mirror", str(DEV_MIRROR), capsys=capsys)
    assert code == 1 and "no locked sha256" in err and "changed: 0 file(s)" in out
    assert _run_models(tmp_path, "fetch", "--pack", "dev", capsys=capsys)[0] == 2  # no source given


class LocalHub:
    """A stand-in for the hub: a directory per repo, one fixed commit, the hub client's pattern rules."""

    def __init__(self, root: Path, commit: str) -> None:
        self.root, self.commit, self.calls = root, commit, []  # type: ignore[var-annotated]

    def resolve(self, repo: str, revision: str) -> str:
        self.calls.append(("resolve", repo, revision))
        return self.commit

    def download(self, repo: str, commit: str, dest: Path, *, allow_patterns: list[str] | None,
                 ignore_patterns: list[str] | None) -> Path:
        assert commit == self.commit
        self.calls.append(("download", repo, commit))
        source = self.root / repo
        for path in source.rglob("*"):
            rel = path.relative_to(source).as_posix()
            if path.is_dir() or (allow_patterns and not any(fnmatch.fnmatch(rel, p) for p in allow_patterns)):
                continue
            if ignore_patterns and any(fnmatch.fnmatch(rel, p) for p in ignore_patterns):
                continue
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest / rel)
        (dest / ".cache/huggingface").mkdir(parents=True, exist_ok=True)  # what huggingface_hub leaves
        (dest / ".cache/huggingface/download.lock").write_text("")
        return dest


def test_lock_pins_the_commit_and_writes_every_hash_back(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.toml"
    shutil.copyfile(MANIFEST, manifest)
    repo = tmp_path / "hub/intfloat/multilingual-e5-large"
    for rel, data in {"config.json": b"{}", "model.safetensors": b"w" * 1000, "1_Pooling/config.json": b"{}",
                      "sentencepiece.bpe.model": b"spm", "onnx/model.onnx": b"x", "README.md": b"#"}.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_bytes(data)
    commit = "0123456789abcdef0123456789abcdef01234567"
    hub = LocalHub(tmp_path / "hub", commit)
    models = tmp_path / "models"
    entry = select(load_manifest(manifest), pack="prod", names=["multilingual-e5-large"])
    locked = lock(manifest, models, entry, hub)

    assert hub.calls[0] == ("resolve", "intfloat/multilingual-e5-large", "main")
    after = {e.name: e for e in load_manifest(manifest)}
    e5 = after["multilingual-e5-large"]
    assert locked == [e5] and e5.revision == commit and e5.locked
    assert [f.path for f in e5.files] == ["1_Pooling/config.json", "config.json", "model.safetensors",
                                          "sentencepiece.bpe.model"]  # onnx/, README.md and .cache/ left out
    assert dict((f.path, f.sha256) for f in e5.files)["model.safetensors"] == hashlib.sha256(b"w" * 1000).hexdigest()
    assert verify(e5, models) == []
    before = {e.name: e for e in load_manifest(MANIFEST)}
    assert all(after[n] == before[n] for n in before if n != "multilingual-e5-large"), "other entries untouched"
    assert manifest.read_text().startswith(MANIFEST.read_text().split("[[model]]")[0]), "header comments kept"

    # A locked entry then travels through a mirror to an air-gapped host, hashes checked on arrival.
    result = fetch_from_mirror(e5, tmp_path / "host", str(models))
    assert len(result.fetched) == 4 and verify(e5, tmp_path / "host") == []


def test_fetch_from_hub_removes_a_file_whose_hash_differs(tmp_path: Path) -> None:
    entry, contents = _small_entry()
    repo = _write_mirror(tmp_path / "hub", replace(entry, dir="org/tiny"), {**contents, "config.json": b"{}"})
    with pytest.raises(ManifestError, match="sha256 mismatch"):
        fetch_from_hub(entry, tmp_path / "models", LocalHub(repo, entry.revision or ""))
    assert not (tmp_path / "models" / entry.dir / "config.json").exists()
    assert (tmp_path / "models" / entry.dir / "weights/part.bin").exists()


def test_write_entries_refuses_an_unknown_model(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.toml"
    shutil.copyfile(MANIFEST, manifest)
    with pytest.raises(ManifestError, match="not in"):
        write_entries(manifest, [_small_entry("nope")[0]])
    assert manifest.read_text() == MANIFEST.read_text()
