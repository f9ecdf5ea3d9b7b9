"""`doctor` checks against real services, and what it says when something is wrong."""

from __future__ import annotations

from pathlib import Path

from bot.ops.doctor import run_checks
from bot.ops.logging import redact
from tests.conftest import free_port, make_settings


def test_everything_up_reports_ok(tmp_path: Path, llm_base_url: str) -> None:
    from bot.store.db import migrate

    settings = make_settings(tmp_path, llm={"base_url": llm_base_url})
    migrate(settings.db_url)
    checks = {c.name: c for c in run_checks(settings)}
    assert all(c.ok for c in checks.values()), [c for c in checks.values() if not c.ok]
    assert set(checks) == {"embedding model", "llm model (embedded)", "database", "redis", "qdrant", "llm server"}


def test_each_failure_names_a_fix(tmp_path: Path, dead_llm_url: str) -> None:
    settings = make_settings(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0",
                             database_url=f"postgresql+psycopg://dk:secret-pw@127.0.0.1:{free_port()}/x",
                             llm={"base_url": dead_llm_url}, embeddings={"model_dir": tmp_path / "nope"})
    failed = {c.name: c for c in run_checks(settings) if not c.ok}
    assert set(failed) == {"embedding model", "database", "redis", "llm server"}
    assert "models install-dev" in failed["embedding model"].fix
    assert "llm-server start" in failed["llm server"].fix
    assert "secret-pw" not in failed["database"].detail, "passwords are masked"
    assert "DK_REDIS_URL" in failed["redis"].fix


def test_wrong_served_model_name_is_caught(tmp_path: Path, llm_base_url: str) -> None:
    settings = make_settings(tmp_path, llm={"base_url": llm_base_url, "model": "qwen2.5-7b-instruct"})
    llm = next(c for c in run_checks(settings) if c.name == "llm server")
    assert not llm.ok and "DK_LLM__MODEL" in llm.fix


def test_tokens_are_redacted_from_log_text() -> None:
    line = "POST https://api.telegram.org/bot123456789:AAHk2v-EXAMPLE_token_value_abcdefghijkl/getMe Bearer sk-local-1"
    cleaned = redact(line)
    assert "AAHk2v" not in cleaned and "sk-local-1" not in cleaned and "getMe" in cleaned


def test_configured_logging_masks_tokens_from_any_library(capsys) -> None:  # type: ignore[no-untyped-def]
    import logging

    from bot.ops.logging import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("INFO", json=True)
    try:
        logging.getLogger("telegram.ext").warning(
            "request to %s failed", "https://api.telegram.org/bot123456789:AAHk2vSECRETtokenvalue_abcdefghijkl/getMe")
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    err = capsys.readouterr().err
    assert "SECRETtoken" not in err and "getMe" in err and '"level": "warning"' in err
