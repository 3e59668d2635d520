"""Talking to a person: tickets and their lifecycle (engine side; no Telegram here)."""
