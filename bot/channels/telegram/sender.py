"""Send rendered replies to a Telegram chat within Telegram's limits.

Pictograms are uploaded once; afterwards the cached `file_id` is re-sent. When Telegram
rejects a cached id (e.g. another bot token), the file is uploaded again.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from pathlib import Path

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.application.outbound import Progress
from bot.render.renderer import Rendered
from bot.storage.ports import MediaCache

log = logging.getLogger(__name__)
CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
_TAG = re.compile(r"<[^>]+>")


def visible_length(telegram_html: str) -> int:
    """Length as Telegram counts it: text after entity parsing, in UTF-16 code units."""
    text = html.unescape(_TAG.sub("", telegram_html))
    return len(text.encode("utf-16-le")) // 2


async def answer_query(query: CallbackQuery, text: str | None = None, *,
                       show_alert: bool = False) -> None:
    """Answer a button press (the spinner stops). A press too old to answer (the bot was
    down for a while: Telegram keeps a query about 15 minutes) is no error: the press is
    still handled."""
    try:
        await query.answer(text, show_alert=show_alert)
    except BadRequest as error:
        log.info("a button press could not be answered: %s", error.message)


def is_blank(telegram_html: str) -> bool:
    """Nothing to read once the tags are gone: Telegram answers "message text is empty"."""
    return not html.unescape(_TAG.sub("", telegram_html)).strip()


def keyboard(rendered: Rendered) -> InlineKeyboardMarkup | None:
    if not rendered.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
         for row in rendered.buttons]
    )


def split_text(telegram_html: str, limit: int = MAX_TEXT) -> list[str]:
    """Split an over-long message, preferably at a paragraph break, else at a line break
    or a space, else anywhere; never inside a tag or an entity, closing and reopening
    the tags open around each cut (a 10,000-character worker's answer, a bold line with
    blank lines in it). Blank parts are dropped: Telegram refuses an empty message."""
    if visible_length(telegram_html) <= limit:
        return [] if is_blank(telegram_html) else [telegram_html]
    return [part.strip() for part in _cut(telegram_html, limit) if not is_blank(part)]


_EMPTY_TAG = re.compile(r"<([a-z-]+)(?: [^>]*)?></\1>")
_PIECE = re.compile(r"<[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|.", re.DOTALL)
PARAGRAPH, LINE, SPACE = 0, 1, 2


def _cut(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    pieces: list[str] = []  # the chunk being filled: tags and visible pieces
    size = 0
    opened: list[str] = []  # tags open at the end of `pieces`
    cuts: dict[int, tuple[int, int, list[str]]] = {}  # kind → (index, size, open tags)

    def close(tags: list[str]) -> str:
        return "".join(f"</{tag[1:-1].split()[0]}>" for tag in reversed(tags))

    for piece in _PIECE.findall(text):
        if piece.startswith("<") and piece.endswith(">") and len(piece) > 2:
            pieces.append(piece)
            if not piece.startswith("</"):
                opened.append(piece)
            elif opened:
                opened.pop()
            continue
        width = visible_length(piece)
        if size + width > limit and size > 0:
            best = next((cuts[kind] for kind, share in ((PARAGRAPH, 3), (LINE, 2), (SPACE, 2))
                         if kind in cuts and cuts[kind][1] >= limit // share), None)
            if best is not None:
                index, cut_size, cut_open = best
                chunks.append("".join(pieces[:index]) + close(cut_open))
                pieces = [*cut_open, *pieces[index:]]
                size -= cut_size
            else:
                chunks.append("".join(pieces) + close(opened))
                pieces, size = list(opened), 0
            cuts = {}
        previous = pieces[-1] if pieces else ""
        pieces.append(piece)
        size += width
        if piece == "\n":
            cuts[PARAGRAPH if previous == "\n" else LINE] = (len(pieces), size, list(opened))
        elif piece.isspace():
            cuts[SPACE] = (len(pieces), size, list(opened))
    chunks.append("".join(pieces))
    return [_EMPTY_TAG.sub("", chunk) for chunk in chunks]


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
        if not chunks:
            log.warning("an empty reply was not sent")
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
