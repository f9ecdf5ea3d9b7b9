"""Telegram-facing application (PTB): keeping updates, thin handlers, streamed replies, guards."""
