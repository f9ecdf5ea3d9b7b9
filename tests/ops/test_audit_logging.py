"""Audit entries: stored, listed newest first, logged as one JSON line carrying the update id."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.dialog import audit
from bot.ops.logging import bind_update, setup_logging
from bot.store.db import make_engine, migrate


async def test_audit_is_stored_and_logged_as_json_with_the_update_id(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = make_engine(url)
    migrate(url)
    setup_logging("INFO", json=True)
    try:
        bind_update(987654)
        await audit.record(engine, 700, "allow", "user 555", "by command")
        await audit.record(engine, 700, "deny", "user 556")
        bind_update(None)
        logging.getLogger("bot.test").info("no update here")
    finally:
        setup_logging("WARNING")
    entries = await audit.recent(engine, 20)
    assert [(e.action, e.target) for e in entries] == [("deny", "user 556"), ("allow", "user 555")]
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    allow = next(line for line in lines if line.get("action") == "allow")
    assert allow["update_id"] == 987654 and allow["actor"] == 700 and allow["target"] == "user 555"
    assert allow["audit"] is True and allow["level"] == "info"
    assert "update_id" not in next(line for line in lines if line["event"] == "no update here")
    engine.dispose()
