"""The Kaiten stand-in for tests."""

from __future__ import annotations





