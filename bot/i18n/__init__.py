"""gettext catalogs via babel, and locale helpers (dates, language names, direction)."""
