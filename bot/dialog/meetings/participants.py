"""Who a meeting is with: the directory's people a request names, in any case and either alphabet.

Two ways a person is named. After «с»/«со»/"with" comes a list («с Ваней и Анной», "with John and Anna"), in
any letter case; an unknown capitalised name there («с Сидоровым») is kept apart, as written, since only the
directory's people can be invited. Elsewhere a capitalised name the directory knows counts too («Ване и Анне
напомни», "John will join") — except the person the message is addressed to («Ваня, давай созвонимся…»).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.dialog.meetings.directory import Directory, Person

_NAME = r"[A-ZА-ЯЁ][a-zа-яё]+(?:-[A-ZА-ЯЁ][a-zа-яё]+)?"
# «с»/«со» (also typed with the Latin look-alikes «c», «co»), "with", "w/"; then up to six words
_WITH = re.compile(r"(?:\b(?:[сc][оo]?|with)\s+|\bw/\s*)((?:[\w-]+)(?:(?:\s*,\s*|\s+(?:и|and)\s+|\s+)[\w-]+){0,5})",
                   re.IGNORECASE)
_TOKEN = re.compile(r"[\w-]+|,")
# What may come before the names a message is addressed to: a greeting, and the names before («Иван, Анна — …»).
_ADDRESS_BEFORE = re.compile(r"\s*(?:(?i:привет|здравствуй\w*|добр\w+\s+\w+|hi|hello|hey|dear)\b[\s,!]*)?"
                             r"(?:[A-ZА-ЯЁ][\w-]*\s*(?:,|\bи\b|\band\b)\s*)*")
_ADDRESS_AFTER = re.compile(r"\s*(?:[,!:]|[—–-]\s)")
_JOINERS = {",", "и", "and"}
_STOP_NAMES = {"утра", "обеда", "работы", "вами", "тобой", "you", "me", "us", "the", "a", "an",
               "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "tues",
               "wed", "thu", "thurs", "fri", "sat", "sun", "today", "tomorrow", "tonight", "next", "this", "on",
               "at", "in", "for"}


@dataclass
class People:
    """The directory's people named (full names), unknown names after «с»/"with", and the spans of those lists."""

    names: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)

    def add(self, name: str, known: bool = True) -> None:
        """One person, once."""
        names = self.names if known else self.unknown
        if name not in names:
            names.append(name)


def _person_at(words: list[re.Match[str]], i: int, directory: Directory) -> tuple[Person | None, int]:
    """The directory person ``words[i]`` starts, and how many words name them («Анной Смирновой»: two)."""
    word = words[i][0]
    following = words[i + 1][0] if i + 1 < len(words) else None
    if following and following not in _JOINERS and (person := directory.find(f"{word} {following}")):
        return person, 2
    person = directory.find(word)
    if person is not None and following and following not in _JOINERS and directory.find(following) is person:
        return person, 2  # «Иваном Ивановым»: both words name the same person
    return person, 1


def _unknown_at(words: list[re.Match[str]], i: int, directory: Directory) -> tuple[str | None, int]:
    """A capitalised name the directory does not know («Сидоровым», "Peter Brown"), and how many words it takes."""
    def is_name(j: int) -> bool:
        return j < len(words) and bool(re.fullmatch(_NAME, words[j][0])) and words[j][0].lower() not in _STOP_NAMES

    if not is_name(i):
        return None, 0
    if is_name(i + 1) and not directory.find(words[i + 1][0]):
        return f"{words[i][0]} {words[i + 1][0]}", 2
    return words[i][0], 1


def _take_list(text: str, span: tuple[int, int], directory: Directory, people: People) -> int:
    """The names listed in ``span`` («Ваней и Анной», "John and Peter"); returns where the names end."""
    start, stop = span
    words = list(_TOKEN.finditer(text, start, stop))
    end, i = start, 0
    while i < len(words):
        if words[i][0].lower() in _JOINERS:
            i += 1
            continue
        person, step = _person_at(words, i, directory)
        if person is not None:
            people.add(person.name)
        else:
            unknown, step = _unknown_at(words, i, directory)
            if unknown is None:
                break
            people.add(unknown, known=False)
        end = words[i + step - 1].end()
        i += step
    return end


def _addressed(text: str, words: list[re.Match[str]], i: int, step: int, directory: Directory) -> bool:
    """Whom the message opens by calling («Ваня, давай…», «Привет, Ваня!», "John, Anna — …"): addressed, not
    invited. One is called by the name as it stands: «Ване и Анне: созвон…» (to Vanya and Anna) is no address."""
    start, end = words[i].start(), words[i + step - 1].end()
    return _ADDRESS_BEFORE.fullmatch(text[:start]) is not None and _ADDRESS_AFTER.match(text[end:]) is not None \
        and directory.as_written(words[i][0])


def _take_mentions(text: str, directory: Directory, people: People) -> None:
    """Capitalised names the directory knows, outside the «с»/"with" lists, unless the message is addressed to them."""
    words = list(_TOKEN.finditer(text))
    i = 0
    while i < len(words):
        taken = any(a <= words[i].start() < b for a, b in people.spans)
        person, step = (None, 1) if taken or not words[i][0][:1].isupper() else _person_at(words, i, directory)
        if person is not None and not _addressed(text, words, i, step, directory):
            people.add(person.name)
        i += step


def find_people(text: str, directory: Directory) -> People:
    """Everyone a request names (``text`` as written: capitals tell names from words)."""
    people = People()
    for match in _WITH.finditer(text):
        end = _take_list(text, match.span(1), directory, people)
        if end > match.start(1):
            people.spans.append((match.start(), end))
    _take_mentions(text, directory, people)
    return people
