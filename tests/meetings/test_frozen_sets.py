"""Regression slice of the frozen meeting phrases (written before tuning) and the tuning set, per kind.

Thresholds sit a little under the figures the benchmark reports (`python benchmarks/meeting_parse.py`:
frozen 97/97 exact, 0 silently wrong days; tuning 77/77; tuning3 79/80, 0 wrong days; tuning4 90/90, 0 wrong days;
frozen2, written blind and never tuned on, 98/100 and no silently wrong day), so a change that costs a few phrases
fails here.
"""

from __future__ import annotations

from benchmarks.meeting_parse import measure


def test_frozen_and_tuning_meeting_phrases() -> None:
    result = measure()
    frozen, tuning = result["frozen"], result["tuning"]
    assert frozen["phrases"] >= 80 and frozen["by_language"]["ru"]["phrases"] >= 55
    assert frozen["by_language"]["en"]["phrases"] >= 25
    assert frozen["silently_wrong_days"] == 0, [m for m in frozen["misses"] if m["silently_wrong_day"]]
    assert tuning["silently_wrong_days"] == 0, [m for m in tuning["misses"] if m["silently_wrong_day"]]
    assert frozen["exact_match"] >= 0.97, frozen["misses"]
    assert tuning["exact_match"] >= 0.97, tuning["misses"]
    for kind, figures in frozen["by_kind"].items():
        assert figures["exact_match"] >= 0.85, (kind, frozen["misses"])


def test_tuning3_meeting_phrases() -> None:
    """Written blind before its round; its one miss asks («3/12» is read both ways) instead of booking."""
    tuning3 = measure()["tuning3"]
    assert tuning3["phrases"] == 80
    assert tuning3["silently_wrong_days"] == 0, [m for m in tuning3["misses"] if m["silently_wrong_day"]]
    assert tuning3["exact_match"] >= 0.97, tuning3["misses"]


def test_tuning4_meeting_phrases() -> None:
    """Written blind before its round: typos of day, time and month words, relative days, vague requests."""
    tuning4 = measure()["tuning4"]
    assert tuning4["phrases"] == 90
    assert tuning4["silently_wrong_days"] == 0, [m for m in tuning4["misses"] if m["silently_wrong_day"]]
    assert tuning4["exact_match"] >= 0.97, tuning4["misses"]


def test_blind_frozen2_meeting_phrases() -> None:
    """Only the figures are asserted, never the phrases: a failure here is fixed on the tuning sets."""
    frozen2 = measure()["frozen2"]
    assert frozen2["phrases"] >= 80
    assert frozen2["exact_match"] >= 0.95
    # none is read as a wrong day since the tuning4 round (its last one went without anyone looking at it)
    assert frozen2["silently_wrong_days"] == 0
