"""Use cases with no Telegram imports: answering, intents, escalation, meetings."""
