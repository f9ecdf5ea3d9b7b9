"""`dialog-keeper chat` goes through the same pipeline as Telegram: a hand-off and meeting slots from the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.i18n import t
from bot.settings import ROOT
from tests.conftest import free_port
from tests.meetings.conftest import CalDAVServer


def test_chat_hands_off_and_offers_meeting_slots(tmp_path: Path, radicale: CalDAVServer, calendar_name: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DK_DATA_DIR": str(tmp_path),
           "DK_LLM__BASE_URL": f"http://127.0.0.1:{free_port()}/v1",  # neither route needs the model
           "DK_CALDAV__URL": radicale.url, "DK_CALDAV__USERNAME": "bot", "DK_CALDAV__PASSWORD": "s3cret",
           "DK_CALDAV__CALENDAR": calendar_name, "DK_MEETINGS__WORK_DAYS": "Mon-Sun"}
    script = "позовите человека\nсозвонимся завтра в 15:00 на полчаса\n/exit\n"
    done = subprocess.run([sys.executable, "-m", "bot", "chat"], input=script, capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    hand_off, meeting = done.stdout.split("> ")[1:3]
    assert t("human_requested", "ru") in hand_off
    assert "[admins]" in done.stderr, "the admins hear of the hand-off"
    assert "15:00" in meeting and "  • " in meeting, "free slots are offered as choices"
    assert "Traceback" not in done.stderr
