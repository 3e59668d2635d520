"""The conversation engine: events in, replies out; no channel knowledge here."""
