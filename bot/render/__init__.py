"""Replies → a channel's text format (Telegram HTML, plain text) through jinja2 templates."""
