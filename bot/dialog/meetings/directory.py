"""The people meetings can be booked with: names, declined forms, emails (``DK_MEETINGS__DIRECTORY``).

A TOML file (``[[person]]`` tables) or a JSON list with the same keys::

    [[person]]
    name = "Иван Иванов"
    forms = ["Иванов", "Иванова", "Ивановым", "Ваня"]   # optional: declined forms and aliases
    email = "ivanov@example.org"
    telegram_id = 123456789                             # optional
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_WORD = re.compile(r"[\w-]+", re.UNICODE)
# Russian case endings that may follow a name's stem («Иванов» → «Ивановым», «Анна» → «Анной»).
_ENDINGS = ("", "а", "у", "ом", "ым", "ой", "ою", "е", "ы", "и", "ем", "ей", "ю", "я", "ой")


class DirectoryError(ValueError):
    """The directory file cannot be read or has an invalid entry."""


@dataclass(frozen=True)
class Person:
    """One person: display name, forms that refer to them, email and optional Telegram id."""

    name: str
    email: str = ""
    forms: tuple[str, ...] = field(default_factory=tuple)
    telegram_id: int | None = None

    def refs(self) -> set[str]:
        """Lower-case words and phrases that refer to this person."""
        keys = {f.lower() for f in self.forms} | {self.name.lower()}
        for word in _WORD.findall(self.name.lower()):
            if len(word) >= 3:
                keys.add(word)
        return keys


class Directory:
    """Finds people by any of their forms; a bare stem also matches its Russian case endings."""

    def __init__(self, people: list[Person]) -> None:
        self.people = people
        self._by_key: dict[str, Person] = {}
        for person in people:
            for key in person.refs():
                self._by_key.setdefault(key, person)

    def find(self, words: str) -> Person | None:
        """The person a word or phrase refers to («Ивановым», «Anna Smith»), or None."""
        key = words.strip().lower()
        if key in self._by_key:
            return self._by_key[key]
        for stem_len in (0, 1):  # «Анной»: drop the stem's last vowel («анн») before adding endings
            for known, person in self._by_key.items():
                stem = known[:-stem_len] if stem_len and known[-1] in "аяоеь" else known
                if len(stem) >= 3 and key.startswith(stem) and key[len(stem):] in _ENDINGS:
                    return person
        return None

    def by_name(self, name: str) -> Person | None:
        """The person with exactly this display name."""
        return next((p for p in self.people if p.name == name), None)


def load_directory(path: Path | None) -> Directory:
    """Read the directory file; no path means an empty directory."""
    if path is None:
        return Directory([])
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw).get("person", [])
    except (OSError, ValueError) as exc:
        raise DirectoryError(f"cannot read the people directory {path}: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("person") or data.get("people") or []
    if not isinstance(data, list):
        raise DirectoryError(f"{path}: expected a list of people")
    people = []
    for number, entry in enumerate(data, 1):
        if not isinstance(entry, dict) or not str(entry.get("name", "")).strip():
            raise DirectoryError(f"{path}: entry {number} has no name")
        tid = entry.get("telegram_id")
        people.append(Person(name=str(entry["name"]).strip(), email=str(entry.get("email", "")).strip(),
                             forms=tuple(str(f) for f in entry.get("forms") or entry.get("aliases") or ()),
                             telegram_id=int(tid) if tid not in (None, "") else None))
    log.info("people directory %s: %d people", path, len(people))
    return Directory(people)
