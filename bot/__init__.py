"""Passerelle: a multilingual information point for newcomers in Belgium."""

__version__ = "0.1.0"
