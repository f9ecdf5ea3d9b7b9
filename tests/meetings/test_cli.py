"""`dialog-keeper meetings parse|slots` as a user runs them (subprocesses; slots against Radicale)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.integrations.caldav_calendar import NewEvent
from bot.settings import ROOT
from tests.conftest import free_port
from tests.meetings.conftest import MSK, CalDAVServer


def run_cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The CLI in its own directory (no .env), the repository on the path, a dead LLM unless given."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "DK_DATA_DIR": str(cwd),
               "DK_LLM__BASE_URL": f"http://127.0.0.1:{free_port()}/v1", **env}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=environ,
                          cwd=cwd, timeout=120)


def test_parse_prints_the_json_fields(tmp_path: Path, people_file: Path) -> None:
    done = run_cli(tmp_path, "meetings", "parse", "давайте созвонимся завтра в 15 на полчаса с Ивановым",
                   "--now", "2026-11-26T12:00:00+03:00", DK_MEETINGS__DIRECTORY=str(people_file))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["start"] == "2026-11-27T15:00:00+03:00" and out["day"] is None and out["duration_min"] == 30
    assert out["participants"] == ["Иван Иванов"] and out["needs"] == [] and out["title"] == "Встреча"


def test_parse_day_only_other_zone_and_missing_parts(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "meetings", "parse", "in", "the", "next", "Tuesday", "morning", "--now",
                   "2026-11-26T12:00:00", "--tz", "America/New_York")
    out = json.loads(done.stdout)
    assert out["start"] == "2026-12-01T10:00:00-05:00" and out["needs"] == ["duration"]
    vague = json.loads(run_cli(tmp_path, "meetings", "parse", "созвон в пятницу", "--now",
                               "2026-11-26T12:00:00+03:00", "--no-llm").stdout)
    assert vague["start"] is None and vague["day"] == "2026-11-27" and vague["needs"] == ["time", "duration"]
    past = json.loads(run_cli(tmp_path, "meetings", "parse", "вчера в 10", "--now", "2026-11-26T12:00:00+03:00",
                              "--no-llm").stdout)
    assert past["start"] is None and "date" in past["needs"] and past["problem"] == "past"


async def test_slots_lists_the_free_time_of_a_day(tmp_path: Path, radicale: CalDAVServer,
                                                  calendar_name: str) -> None:
    from datetime import datetime

    from bot.integrations.caldav_calendar import CalDAVCalendar

    calendar = CalDAVCalendar(radicale.settings(calendar_name), MSK)
    await calendar.create(NewEvent("cli-busy@x", datetime(2030, 12, 2, 10, tzinfo=MSK),
                                   datetime(2030, 12, 2, 12, tzinfo=MSK), "busy"))
    env = {"DK_CALDAV__URL": radicale.url, "DK_CALDAV__USERNAME": "bot", "DK_CALDAV__PASSWORD": "s3cret",
           "DK_CALDAV__CALENDAR": calendar_name}
    done = run_cli(tmp_path, "meetings", "slots", "--date", "2030-12-02", "--duration", "60", **env)
    assert done.returncode == 0, done.stderr
    starts = [line.split()[1].split("-")[0] for line in done.stdout.splitlines() if not line.startswith("#")]
    # 10:00–12:00 busy, padded by the 10-minute buffer: a 60-minute slot fits from 12:30 to 17:00 (09:00 would
    # end at 10:00, inside the buffer)
    assert starts == ["12:30", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00"]

    wrong = run_cli(tmp_path, "meetings", "slots", "--date", "2030-12-02", **{**env, "DK_CALDAV__PASSWORD": "no"})
    assert wrong.returncode == 1 and "refused" in wrong.stderr and "Traceback" not in wrong.stderr
    off = run_cli(tmp_path, "meetings", "slots", "--date", "2030-12-02")
    assert off.returncode == 4 and "not configured" in off.stderr
