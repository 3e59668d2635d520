"""What a channel hands to the engine, and what the engine hands back.

Channels translate platform updates into `Event`s and render `Reply`s; the engine never
sees a Telegram object. Button actions are short strings (they travel as Telegram
callback data, limited to 64 bytes) and are looked up again server-side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.people import PersonRef


class EventKind(StrEnum):
    TEXT = "text"
    BUTTON = "button"
    COMMAND = "command"
    MEDIA = "media"


@dataclass(frozen=True)
class Event:
    ref: PersonRef
    kind: EventKind
    text: str = ""
    command: str = ""
    action: str = ""
    media: str = ""
    language_hint: str | None = None
    message_ref: str | None = None  # the channel's id of the message, to relay it
    office: str | None = None  # an office the channel knows the person came for (web URL)


@dataclass(frozen=True)
class Button:
    label: str
    action: str


@dataclass(frozen=True)
class Reply:
    """One message to show: a template name, its values, an optional pictogram, buttons."""

    template: str
    lang: str
    context: Mapping[str, object] = field(default_factory=dict)
    image: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: tuple[str, bytes] | None = None  # (file name, content), e.g. an .ics file
