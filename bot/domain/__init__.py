"""The domain: people, tickets, follow-up, messages, button actions and errors.

Plain dataclasses and enums that every layer shares. This package imports nothing of
Passerelle's own (a fitness test checks it), so no two packages import each other in a
circle through it.
"""
