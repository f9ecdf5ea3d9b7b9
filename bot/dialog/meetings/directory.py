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

from bot.dialog.meetings.names import heard_as, is_cyrillic, is_declined, sound_key

log = logging.getLogger(__name__)

_WORD = re.compile(r"[\w-]+", re.UNICODE)


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
        """Lower-case words and phrases that refer to this person («ё» written «е», as people type it)."""
        name = self.name.lower().replace("ё", "е")
        keys = {f.lower().replace("ё", "е") for f in self.forms} | {name}
        keys.update(word for word in _WORD.findall(name) if len(word) >= 3)
        return keys


class Directory:
    """Finds people by any of their forms: declined by Russian grammar, or spelled in the other alphabet."""

    def __init__(self, people: list[Person]) -> None:
        self.people = people
        self._by_key: dict[str, Person] = {}
        self._by_start: dict[str, list[tuple[str, Person]]] = {}  # a key's first three letters: its declined forms'
        # (sound key, written in Cyrillic) → person, as written and with a final vowel off («Анной» → "an" of "ana")
        self._by_sound: dict[tuple[str, bool], Person] = {}
        self._by_sound_stem: dict[tuple[str, bool], Person] = {}
        for person in people:
            for key in person.refs():
                self._by_key.setdefault(key, person)
                self._by_start.setdefault(key[:3], []).append((key, person))
                if " " not in key:
                    self._index_sound(key, person)

    def _index_sound(self, key: str, person: Person) -> None:
        sound, cyrillic = sound_key(key), is_cyrillic(key)
        if len(sound) >= 3:
            self._by_sound.setdefault((sound, cyrillic), person)
            if sound[-1] in "aeiou":
                self._by_sound_stem.setdefault((sound[:-1], cyrillic), person)

    def find(self, words: str) -> Person | None:
        """The person a word or phrase refers to («Ивановым», «Anna Smith», «Джоном» for John), or None."""
        key = words.strip().lower().replace("ё", "е")
        if key in self._by_key:
            return self._by_key[key]
        for known, person in self._by_start.get(key[:3], ()):
            if is_declined(key, known):
                return person
        return None if " " in key else self._sounds_like(key)

    def _sounds_like(self, word: str) -> Person | None:
        """A name of the other alphabet only: «Джоном» is John, "Vanya" is «Ваня» (the keys are rough: within one
        alphabet «вверх» would sound like «Вера»)."""
        (whole, cut), other = heard_as(word), not is_cyrillic(word)
        stems = sorted(cut, key=lambda s: (-len(s), s))  # the least cut off first, and always in one order
        for sound in (*whole, *stems):
            if (person := self._by_sound.get((sound, other))) is not None:
                return person
        return next((p for s in stems if (p := self._by_sound_stem.get((s, other))) is not None), None)

    def as_written(self, word: str) -> bool:
        """Whether a word names someone as it stands, with no case ending («Ваня», «Джон»; not «Ване», «Джону»)."""
        key = word.strip().lower().replace("ё", "е")
        return key in self._by_key or (sound_key(key), not is_cyrillic(key)) in self._by_sound

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
