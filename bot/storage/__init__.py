"""Storage ports (Protocols) and their SQLite implementation with migrations."""
