"""Dialog Keeper: a self-hosted Telegram assistant on local models."""

__version__ = "0.1.0"
