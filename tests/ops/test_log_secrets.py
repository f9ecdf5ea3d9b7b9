"""Logs never show the bot token: not in messages, not in rendered tracebacks (with or without locals), not cut short;
JSON logs keep the traceback as text."""

from __future__ import annotations

import json
import logging

import pytest
from telegram.error import NetworkError
from telegram.ext import ExtBot

from bot.ops.logging import add_secret, setup_logging

TOKEN = "7312345678:AAHk3v9QeX1-realistic_TokenValue_0123456789"


def _fail_with_the_bot_in_scope() -> None:
    bot = ExtBot(TOKEN)  # a local variable holding the token, as in PTB's own frames
    raise NetworkError(f"GET https://api.telegram.org/bot{bot.token}/getUpdates failed; token={TOKEN[:18]}…")


@pytest.mark.parametrize("as_json", [False, True])
def test_a_logged_exception_shows_no_token(capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                           as_json: bool) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # wide terminals printed the whole token before
    setup_logging("INFO", json=as_json)
    add_secret(TOKEN)
    try:
        _fail_with_the_bot_in_scope()
    except NetworkError:
        logging.getLogger("telegram.ext.Updater").exception("polling failed for %s", f"bot{TOKEN}")
    err = capfd.readouterr().err
    assert "NetworkError" in err and "Traceback" in err, err
    assert TOKEN.split(":")[1][:6] not in err, err
    assert "7312345678:" not in err
    if as_json:
        line = json.loads(err.strip().splitlines()[-1])
        assert "Traceback" in line["exception"], "JSON lines carry the traceback as text"


def test_a_token_not_registered_is_still_masked_by_its_shape(capfd: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO")
    logging.getLogger("x").warning("url https://api.telegram.org/bot987654321:ZZshort/getMe")
    err = capfd.readouterr().err
    assert "ZZshort" not in err and "987654321" not in err
