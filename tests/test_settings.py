"""Settings: environment parsing, defaults, and the production profile's refusal of placeholders."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_nested_values_come_from_dk_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DK_LLM__MODEL", "qwen2.5-7b-instruct")
    monkeypatch.setenv("DK_RETRIEVAL__TOP_K", "7")
    monkeypatch.setenv("DK_LANGUAGE", "en")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.llm.model == "qwen2.5-7b-instruct"
    assert settings.retrieval.top_k == 7
    assert settings.language == "en"


def test_database_defaults_to_sqlite_in_the_data_dir(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.db_url == f"sqlite:///{tmp_path / 'dialog_keeper.db'}"
    assert settings.qdrant_path == tmp_path / "qdrant"


def test_production_refuses_placeholder_secrets_and_sqlite() -> None:
    with pytest.raises(ValidationError) as error:
        Settings(_env_file=None, profile="production")  # type: ignore[call-arg]
    message = str(error.value)
    assert "DK_LLM__API_KEY" in message and "DK_TELEGRAM__TOKEN" in message and "DK_DATABASE_URL" in message


def test_production_starts_with_real_secrets() -> None:
    settings = Settings(_env_file=None, profile="production",  # type: ignore[call-arg]
                        database_url="postgresql+psycopg://dk:pw@db:5432/dk",
                        llm={"api_key": "9f2c1e7a-vllm-key"},
                        telegram={"token": "123456:AAE-real-looking-token-value-000000000"})
    assert settings.profile == "production"
    assert "real-looking" not in repr(settings), "secrets never show in a repr (and so in logs)"


def test_env_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".env").write_text("DK_LLM__BASE_URL=http://vllm:8000/v1\n")
    monkeypatch.chdir(tmp_path)
    assert Settings().llm.base_url == "http://vllm:8000/v1"


def _keys(model: type, prefix: str = "DK_") -> set[str]:
    from pydantic import BaseModel

    keys = set()
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _keys(annotation, f"{prefix}{name.upper()}__")
        else:
            keys.add(f"{prefix}{name.upper()}")
    return keys


def test_env_example_documents_every_setting_and_parses() -> None:
    from bot.settings import ROOT

    example = (ROOT / ".env.example").read_text()
    documented = {line.lstrip("# ").split("=")[0] for line in example.splitlines() if "DK_" in line and "=" in line}
    assert _keys(Settings) - documented == set(), "every setting is in .env.example"
    parsed = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert parsed.retrieval.min_score == Settings(_env_file=None).retrieval.min_score  # type: ignore[call-arg]
    assert parsed.qdrant.url is None and parsed.database_url is None


def _model_paths(settings: Settings) -> dict[str, object]:
    """Every path-valued field of the model sections (llama_server, embeddings, stt)."""
    from pathlib import Path

    found = {}
    for section in ("llama_server", "embeddings", "stt"):
        sub = getattr(settings, section)
        found |= {f"{section}.{name}": getattr(sub, name) for name in type(sub).model_fields
                  if isinstance(getattr(sub, name), Path)}
    return found


def test_every_model_path_follows_dk_models_dir(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    monkeypatch.setenv("DK_MODELS_DIR", "/x")
    monkeypatch.setenv("DK_LLAMA_SERVER__PORT", "9999")  # a section built from the environment still resolves
    monkeypatch.chdir(tmp_path)
    paths = _model_paths(Settings(_env_file=None))  # type: ignore[call-arg]
    assert set(paths) == {"llama_server.model_path", "embeddings.model_dir", "stt.model_dir"}
    assert all(Path(p).is_relative_to("/x") for p in paths.values()), paths
    explicit = Settings(_env_file=None, stt={"model_dir": "/y/whisper"})  # type: ignore[call-arg]
    assert explicit.stt.model_dir == Path("/y/whisper") and explicit.embeddings.model_dir.is_relative_to("/x")


def test_data_and_models_dirs_do_not_depend_on_the_source_tree(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    import bot

    monkeypatch.delenv("DK_DATA_DIR", raising=False)
    monkeypatch.delenv("DK_MODELS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    source = Path(bot.__file__).resolve().parent.parent
    assert settings.data_dir == tmp_path.resolve() / "var" and settings.models_dir == tmp_path.resolve() / "models"
    for path in [settings.data_dir, settings.models_dir, *_model_paths(settings).values()]:
        assert not Path(str(path)).is_relative_to(source), path
