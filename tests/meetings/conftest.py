"""Radicale 3.9 on loopback (a real CalDAV server), a people directory and a fixed "now"."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.settings import CalDAVSettings
from tests.conftest import free_port

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=MSK)  # a Thursday
PEOPLE = """
[[person]]
name = "Иван Иванов"
forms = ["Иванов", "Ивановым", "Иванова", "Ивану", "Ваня"]
email = "ivanov@example.org"
telegram_id = 701

[[person]]
name = "Анна Смирнова"
email = "anna@example.org"

[[person]]
name = "John Smith"
forms = ["John"]
email = "john@example.org"
"""


@dataclass(frozen=True)
class CalDAVServer:
    """A running Radicale: its URL, the bot's account, and the process."""

    url: str
    username: str
    password: str
    process: subprocess.Popen[bytes]

    def settings(self, calendar: str | None = None, **overrides: object) -> CalDAVSettings:
        """Settings for the bot's account (optionally one calendar by name)."""
        values: dict[str, object] = {"url": self.url, "username": self.username, "password": self.password,
                                     "calendar": calendar, "timeout_s": 5}
        values.update(overrides)
        return CalDAVSettings(**values)  # type: ignore[arg-type]  # pydantic coerces the password


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"radicale exited with {process.returncode}: {log.read_text()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"radicale did not open port {port}: {log.read_text()}")


@contextmanager
def running_radicale(folder: Path) -> Iterator[CalDAVServer]:
    """Radicale with htpasswd (plain) auth and no login delay, user ``bot``, stopped on exit."""
    (folder / "users").write_text("bot:s3cret\n")
    port = free_port()
    log = folder / "log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", f"--server-hosts=127.0.0.1:{port}",
             f"--storage-filesystem-folder={folder / 'collections'}", "--rights-type=owner_only",
             "--logging-level=warning", "--auth-type=htpasswd", f"--auth-htpasswd-filename={folder / 'users'}",
             "--auth-htpasswd-encryption=plain", "--auth-delay=0"], stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, process, log)
        yield CalDAVServer(f"http://127.0.0.1:{port}/", "bot", "s3cret", process)
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CalDAVServer]:
    """One Radicale for the test session."""
    with running_radicale(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture
def calendar_name(radicale: CalDAVServer) -> str:
    """A fresh, empty calendar of the bot's account, made over CalDAV (MKCALENDAR) for one test."""
    from caldav.davclient import DAVClient

    name = f"Встречи {uuid.uuid4().hex[:8]}"
    with DAVClient(url=radicale.url, username=radicale.username, password=radicale.password) as client:
        client.get_principal().make_calendar(name=name, cal_id=name.split()[1])
    return name


@pytest.fixture
def people_file(tmp_path: Path) -> Path:
    """The directory file (TOML) of three people."""
    path = tmp_path / "people.toml"
    path.write_text(PEOPLE, encoding="utf-8")
    return path


def put_ics(server: CalDAVServer, calendar: str, ics: str) -> None:
    """Store raw iCalendar text on a calendar, as another client would."""
    from caldav.davclient import DAVClient

    with DAVClient(url=server.url, username=server.username, password=server.password) as client:
        client.get_principal().calendar(name=calendar).add_event(ics)
