"""`dialog-keeper tickets sync|review|approve|reject` as an operator runs them, against the Kaiten stand-in.

A sync that cannot see the board (wrong id, no access, no columns, a bad token) refuses with one sentence and
exit code 1 and leaves its cursor where it was, so fixing the setting still imports what was resolved before.
Without Telegram an operator reviews resolved tickets from the command line; turning review off imports the rest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.store.db import make_engine
from bot.store.escalation_models import TicketEntry, TicketSyncState
from bot.store.models import DocumentRecord
from tests.conftest import TEST_REDIS_URL
from tests.escalation.conftest import _env, tracker_settings
from tests.support.kaiten_standin import AGENT, BOARD_ID, DONE_COLUMN, QUEUE_COLUMN, KaitenStandIn

PRINTER = "How do I connect the printer in meeting room 3?"
PRINTER_FIX = "Press the WPS button on the printer, then choose the Office-Print network on your laptop."
CABLE = "Where is the spare monitor cable?"
CABLE_FIX = "In the cabinet next to the kitchen, second shelf."


def tickets(data_dir: Path, kaiten: KaitenStandIn, *args: str,
            **kaiten_overrides: Any) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot tickets …`` with the stand-in configured (review on unless overridden)."""
    settings = tracker_settings(kaiten, "unused", **{"sync_review": True, **kaiten_overrides})
    env = {**os.environ, "DK_DATA_DIR": str(data_dir), "DK_REDIS_URL": TEST_REDIS_URL, **_env(settings)}
    return subprocess.run([sys.executable, "-m", "bot", "tickets", *args], env=env, capture_output=True, text=True,
                          timeout=240)


def _rows(data_dir: Path, table: Any) -> list[Any]:
    engine = make_engine(f"sqlite:///{data_dir / 'dialog_keeper.db'}")
    try:
        with Session(engine) as session:
            return list(session.exec(select(table)))
    finally:
        engine.dispose()


def _resolved_two_hours_ago(kaiten: KaitenStandIn, title: str, fix: str) -> dict[str, Any]:
    card = kaiten.add_card(title=title, column_id=DONE_COLUMN, done_at=time.time() - 7200)
    kaiten.comment(card["id"], fix, author=AGENT)
    return card


def test_a_wrong_board_id_is_refused_with_exit_1_and_the_cursor_stays(tmp_path: Path, kaiten: KaitenStandIn) -> None:
    card = _resolved_two_hours_ago(kaiten, PRINTER, PRINTER_FIX)  # older than the sync's overlap window
    wrong = tickets(tmp_path, kaiten, "sync", board_id=999, sync_review=False)
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert wrong.stdout == "" and "Traceback" not in wrong.stderr
    assert wrong.stderr.strip().splitlines() == [
        "tickets sync refused, nothing was synced: Kaiten has no board 999 (check DK_KAITEN__BOARD_ID)."]
    assert [s.last_sync_at for s in _rows(tmp_path, TicketSyncState)] == [], "the cursor did not move"
    fixed = tickets(tmp_path, kaiten, "sync", sync_review=False)
    assert fixed.returncode == 0, fixed.stderr
    assert "found 1, added 1, replaced 0, skipped 0" in fixed.stdout, "the card resolved before is imported"
    assert [d.source for d in _rows(tmp_path, DocumentRecord)] == [f"kaiten:{card['id']}"]


@pytest.mark.parametrize(("fault", "sentence"), [
    ("forbidden", f"the Kaiten token has no access to board {BOARD_ID} (check DK_KAITEN__BOARD_ID and the token's "
                  "user)"),
    ("no columns", f"board {BOARD_ID} has no column {QUEUE_COLUMN} (check DK_KAITEN__COLUMN_ID)"),
    ("no done column", f"board {BOARD_ID} has no done column: resolved cards cannot be found"),
    ("bad token", "Kaiten refused DK_KAITEN__TOKEN (check the token)"),
])
def test_a_board_the_sync_cannot_see_is_refused_with_one_sentence(tmp_path: Path, kaiten: KaitenStandIn,
                                                                   fault: str, sentence: str) -> None:
    _resolved_two_hours_ago(kaiten, PRINTER, PRINTER_FIX)
    overrides: dict[str, Any] = {}
    if fault == "forbidden":
        kaiten.faults.forbidden_boards.add(BOARD_ID)
    elif fault == "no columns":
        kaiten.columns.clear()
    elif fault == "no done column":
        kaiten.columns[:] = [c for c in kaiten.columns if c["type"] != 3]
    else:
        overrides["token"] = "not-the-token"
    run = tickets(tmp_path, kaiten, "sync", **overrides)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.strip().splitlines() == [f"tickets sync refused, nothing was synced: {sentence}."]
    assert _rows(tmp_path, TicketSyncState) == [] and _rows(tmp_path, TicketEntry) == []


def test_review_approve_reject_from_the_command_line_and_review_off_imports_the_rest(
        tmp_path: Path, kaiten: KaitenStandIn) -> None:
    printer = _resolved_two_hours_ago(kaiten, PRINTER, PRINTER_FIX)
    cable = _resolved_two_hours_ago(kaiten, CABLE, CABLE_FIX)
    third = _resolved_two_hours_ago(kaiten, "Which VPN profile do I use abroad?", "The one called Travel.")
    synced = tickets(tmp_path, kaiten, "sync")
    assert synced.returncode == 0 and "found 3, added 0, replaced 0, skipped 0, for review 3" in synced.stdout
    assert _rows(tmp_path, DocumentRecord) == []

    listed = tickets(tmp_path, kaiten, "review")
    assert listed.returncode == 0, listed.stderr
    entries = {e.ticket_id: e.id for e in _rows(tmp_path, TicketEntry)}
    lines = listed.stdout.splitlines()
    for card, fix in ((printer, PRINTER_FIX), (cable, CABLE_FIX)):
        [line] = [ln for ln in lines if ln.split()[:2] == [str(entries[str(card["id"])]), str(card["id"])]]
        assert f"Заявка №{card['id']} (решена " in line and fix[:40] in line
    assert lines[-1] == "3 waiting: dialog-keeper tickets approve ID… | tickets reject ID…"

    approved = tickets(tmp_path, kaiten, "approve", str(entries[str(printer["id"])]))
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout.startswith(f"approved {entries[str(printer['id'])]}: Заявка №{printer['id']} (решена ")
    rejected = tickets(tmp_path, kaiten, "reject", str(entries[str(cable["id"])]), "999")
    assert rejected.returncode == 1, "one of the ids was not pending"
    assert rejected.stdout.splitlines()[1] == \
        "999: nothing waits for review under this id (see dialog-keeper tickets review)"
    assert [d.source for d in _rows(tmp_path, DocumentRecord)] == [f"kaiten:{printer['id']}"]
    again = tickets(tmp_path, kaiten, "approve", str(entries[str(printer["id"])]))
    assert again.returncode == 1, "decided already"
    usage = tickets(tmp_path, kaiten, "approve")
    assert usage.returncode == 2 and "needs entry ids" in usage.stderr and "Traceback" not in usage.stderr

    # review turned off: what still waits is imported on the next sync; the rejected entry stays out
    off = tickets(tmp_path, kaiten, "sync", sync_review=False)
    assert off.returncode == 0, off.stderr
    assert "added 1" in off.stdout
    assert sorted(d.source for d in _rows(tmp_path, DocumentRecord)) == sorted(
        [f"kaiten:{printer['id']}", f"kaiten:{third['id']}"])
    assert tickets(tmp_path, kaiten, "review").stdout.strip() == "nothing waiting for review"
