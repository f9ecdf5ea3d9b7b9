"""Adapters to systems outside the bot (calendars, trackers)."""
