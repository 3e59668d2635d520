"""Channels: thin adapters that turn platform events into engine Events and render Replies."""
