"""Every setting is read somewhere: a field nobody reads is a knob that silently does nothing."""

from __future__ import annotations

import re

from pydantic import BaseModel

from bot.settings import ROOT, Settings

# Fields consumed inside bot/settings.py itself (a validator or a property reads them), so no other module
# needs to name them. Each entry says who reads it.
READ_IN_SETTINGS = {
    "meetings.work_hours",  # MeetingsSettings.hours
    "meetings.work_days",  # MeetingsSettings.weekdays
    "database_url",  # Settings.db_url
}


def _sources() -> dict[str, str]:
    """The code that may read settings: bot/, inference/, benchmarks/, settings.py excluded."""
    return {str(p.relative_to(ROOT)): p.read_text()
            for top in ("bot", "inference", "benchmarks") for p in (ROOT / top).rglob("*.py")
            if p != ROOT / "bot/settings.py"}


def unread_settings(model: type[BaseModel], sources: dict[str, str]) -> set[str]:
    """Dotted names of leaf fields no source reads as an attribute.

    A nested field counts as read only in a file that also names its section (``.stt`` or the section's
    class, e.g. ``STTSettings``), so ``stt.retries`` is not satisfied by ``llm.retries``.
    """
    unread = set()

    def attr(name: str) -> re.Pattern[str]:
        return re.compile(rf"\.{re.escape(name)}\b")

    for name, field in model.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            owners = [text for text in sources.values()
                      if attr(name).search(text) or re.search(rf"\b{section.__name__}\b", text)]
            unread |= {f"{name}.{leaf}" for leaf in section.model_fields
                       if not any(attr(leaf).search(text) for text in owners)}
        elif not any(attr(name).search(text) for text in sources.values()):
            unread.add(name)
    return unread


def test_every_setting_is_read_somewhere() -> None:
    assert unread_settings(Settings, _sources()) - READ_IN_SETTINGS == set()


def test_the_allow_list_holds_only_fields_that_exist_and_settings_py_reads() -> None:
    settings_py = (ROOT / "bot/settings.py").read_text()
    assert unread_settings(Settings, _sources()) >= READ_IN_SETTINGS, "allow-list entries that are read elsewhere"
    for dotted in READ_IN_SETTINGS:
        field = dotted.split(".")[-1]  # read as self.<field> inside its own settings class
        assert re.search(rf"self\.(?:{re.escape(dotted)}|{re.escape(field)})\b", settings_py), dotted


def test_an_unread_field_is_caught() -> None:
    class KnobSettings(BaseModel):
        used: int = 1
        forgotten: int = 2

    class Tree(BaseModel):
        knob: KnobSettings = KnobSettings()
        top: str = ""

    sources = {"a.py": "def f(settings):\n    return settings.knob.used\n"}
    assert unread_settings(Tree, sources) == {"knob.forgotten", "top"}
