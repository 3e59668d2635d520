"""Send rendered replies to a Telegram chat within Telegram's limits.

Pictograms are uploaded once; afterwards the cached `file_id` is re-sent. When Telegram
rejects a cached id (e.g. another bot token), the file is uploaded again.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.application.outbound import Progress
from bot.render.renderer import Rendered
from bot.storage.ports import MediaCache

CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
_TAG = re.compile(r"<[^>]+>")


def visible_length(telegram_html: str) -> int:
    """Length as Telegram counts it: text after entity parsing, in UTF-16 code units."""
    text = html.unescape(_TAG.sub("", telegram_html))
    return len(text.encode("utf-16-le")) // 2


def keyboard(rendered: Rendered) -> InlineKeyboardMarkup | None:
    if not rendered.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
         for row in rendered.buttons]
    )


def split_text(telegram_html: str) -> list[str]:
    """Split an over-long message at paragraph breaks (never inside a tag)."""
    if visible_length(telegram_html) <= MAX_TEXT:
        return [telegram_html]
    parts: list[str] = []
    current = ""
    for paragraph in telegram_html.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if visible_length(candidate) > MAX_TEXT and current:
            parts.append(current)
            current = paragraph
        else:
            current = candidate
    parts.append(current)
    return parts


class TelegramSender:
    def __init__(self, bot: Bot, media: MediaCache, pictograms: dict[str, Path]) -> None:
        self._bot = bot
        self._media = media
        self._pictograms = pictograms

    def use_pictograms(self, pictograms: dict[str, Path]) -> None:
        """Follow a content reload (new or changed pictograms)."""
        self._pictograms = pictograms

    async def send(self, chat_id: int, rendered: Rendered, *, skip_parts: int = 0,
                   progress: Progress | None = None) -> None:
        """Part 1 is the message (pictogram and text), part 2 the attached file if any;
        parts already accepted (`skip_parts`) are not sent again."""
        if skip_parts < 1:
            await self._send_reply(chat_id, rendered)
            if progress is not None:
                await progress(1)
        if rendered.attachment is not None and skip_parts < 2:
            name, data = rendered.attachment
            await self._bot.send_document(chat_id, data, filename=name)
            if progress is not None:
                await progress(2)

    async def _send_reply(self, chat_id: int, rendered: Rendered) -> None:
        markup = keyboard(rendered)
        picture = self._pictograms.get(rendered.image or "")
        if picture is not None:
            if visible_length(rendered.text) <= MAX_CAPTION:
                await self._send_photo(
                    chat_id, picture, rendered.image or "", rendered.text, markup)
                return
            await self._send_photo(chat_id, picture, rendered.image or "", None, None)
        chunks = split_text(rendered.text)
        for index, chunk in enumerate(chunks):
            await self._bot.send_message(
                chat_id, chunk, parse_mode=ParseMode.HTML,
                reply_markup=markup if index == len(chunks) - 1 else None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )

    async def _send_photo(
        self, chat_id: int, path: Path, name: str, caption: str | None,
        markup: InlineKeyboardMarkup | None,
    ) -> Message:
        asset = f"pictogram:{name}"
        data = path.read_bytes()
        fingerprint = hashlib.sha256(data).hexdigest()[:16]
        cached = await self._media.remote_id(CHANNEL, asset, fingerprint)
        options = {"caption": caption, "parse_mode": ParseMode.HTML if caption else None,
                   "reply_markup": markup}
        if cached is not None:
            try:
                return await self._bot.send_photo(chat_id, cached, **options)  # type: ignore[arg-type]
            except BadRequest:
                await self._media.forget_remote_id(CHANNEL, asset)
        message = await self._bot.send_photo(
            chat_id, data, filename=f"{name}.png", **options)  # type: ignore[arg-type]
        if message.photo:
            await self._media.remember_remote_id(
                CHANNEL, asset, fingerprint, message.photo[-1].file_id)
        return message
