"""Validation of Bot API calls against the vendored machine-readable spec (``botapi/api.json``).

The validator decodes request parameters the way the Bot API does (form values arrive as
strings; arrays and objects are JSON-serialized), checks them against the method's field table
and the referenced types recursively, and applies the limits the field tables do not carry
(text/caption length after entity parsing, callback_data bytes, HTML markup rules...).

Public helpers:

* :func:`validate_call` -- list of human-readable violations for one request;
* :func:`decode_call` -- the same, plus the decoded parameters;
* :func:`validate_object` -- check a (native JSON) value against a spec type, e.g. ``"Update"``;
* :func:`parse_html` / :func:`parse_markdown_v2` / :func:`formatted_text` -- Telegram-style
  entity parsing returning the visible text, the entities and the errors.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parent / "botapi" / "api.json"

TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX_BYTES = 64
CALLBACK_ANSWER_MAX = 200
TOPIC_NAME_MAX = 128

PARSE_MODES = {"html": "HTML", "markdownv2": "MarkdownV2", "markdown": "Markdown"}

# InlineKeyboardButton: exactly one of these must be present (icon/style are decorations).
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_BOT_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_DISCRIMINATOR_RE = re.compile(r"(?:always|must be) \"?([a-z0-9_]+)\"?\s*$")


# --------------------------------------------------------------------------------------------
# Spec loading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    version: str
    methods: dict[str, dict[str, Any]]
    types: dict[str, dict[str, Any]]
    # type name -> (field name, constant value), e.g. InputMediaPhoto -> ("type", "photo")
    discriminators: dict[str, tuple[str, str]] = field(default_factory=dict)

    def method_fields(self, method: str) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in self.methods[method].get("fields", [])}

    def type_fields(self, type_name: str) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in self.types[type_name].get("fields", [])}


@functools.cache
def load_spec() -> Spec:
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    discriminators: dict[str, tuple[str, str]] = {}
    for name, typ in raw["types"].items():
        for f in typ.get("fields", []):
            if f["name"] in ("type", "status", "source") and f["types"] == ["String"]:
                m = _DISCRIMINATOR_RE.search(f["description"])
                if m:
                    discriminators[name] = (f["name"], m.group(1))
    return Spec(
        version=raw["version"],
        methods=raw["methods"],
        types=raw["types"],
        discriminators=discriminators,
    )


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, which is how Telegram counts characters and offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Formatted:
    """Result of entity parsing: visible text, entities (Bot API dicts) and errors."""

    text: str
    entities: list[dict[str, Any]]
    errors: list[str]


_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)"
    r"((?:\s+[A-Za-z][A-Za-z0-9_-]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'=<>`]+))?)*)"
    r"\s*(/?)>"
)
_ATTR_RE = re.compile(
    r"([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*(\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'=<>`]+))?"
)
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]+)|#[xX]([0-9a-fA-F]+));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
_ALLOWED_TAGS = {*_SIMPLE_TAGS, "span", "a", "tg-emoji", "code", "pre", "blockquote"}


def _unescape(text: str, where: str, errors: list[str]) -> str:
    """Decode the allowed HTML entities; any other '&' is an error."""
    out: list[str] = []
    i = 0
    while i < len(text):
        amp = text.find("&", i)
        if amp < 0:
            out.append(text[i:])
            break
        out.append(text[i:amp])
        m = _ENTITY_RE.match(text, amp)
        if not m:
            snippet = text[amp : amp + 12]
            errors.append(
                f"unescaped '&' {where} (near {snippet!r}); use &amp; -- only &lt; &gt; &amp; "
                "&quot; and numeric entities are supported"
            )
            out.append("&")
            i = amp + 1
            continue
        if m.group(1):
            out.append(_NAMED[m.group(1)])
        else:
            cp = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
            if cp <= 0 or cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                errors.append(f"invalid numeric entity {m.group(0)!r} {where}")
            else:
                out.append(chr(cp))
        i = m.end()
    return "".join(out)


def _parse_attrs(raw: str) -> list[tuple[str, str | None]]:
    attrs: list[tuple[str, str | None]] = []
    for m in _ATTR_RE.finditer(raw):
        value = m.group(2)
        if value is not None and value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs.append((m.group(1).lower(), value))
    return attrs


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset
    entity: dict[str, Any] | None
    language: str | None = None


def parse_html(source: str) -> Formatted:
    """Parse Telegram's HTML subset strictly.

    Returns the visible text (entities unescaped, tags removed), the resulting MessageEntity
    dicts (UTF-16 offsets) and the list of errors. Anything not in the documented subset is an
    error: unknown tags or attributes, stray '<' '>' '&', bad nesting, unclosed tags.
    """
    errors: list[str] = []
    out: list[str] = []
    pos16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)

    def emit(chunk: str) -> None:
        nonlocal pos16
        if chunk:
            out.append(chunk)
            pos16 += utf16_len(chunk)

    while i < n:
        lt = source.find("<", i)
        gt = source.find(">", i)
        nxt = min(x for x in (lt, gt, n) if x >= 0)
        emit(_unescape(source[i:nxt], f"at offset {i}", errors))
        if nxt >= n:
            break
        if source[nxt] == ">":
            errors.append(f"unescaped '>' at offset {nxt}; use &gt;")
            emit(">")
            i = nxt + 1
            continue
        m = _TAG_RE.match(source, nxt)
        if not m:
            errors.append(
                f"unescaped '<' at offset {nxt} (near {source[nxt : nxt + 12]!r}); use &lt;"
            )
            emit("<")
            i = nxt + 1
            continue
        i = m.end()
        closing, tag, raw_attrs, selfclose = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
        if tag not in _ALLOWED_TAGS:
            errors.append(f"unsupported tag <{closing}{tag}> at offset {nxt}")
            continue
        if selfclose:
            errors.append(f"self-closing tag <{tag}/> at offset {nxt} is not supported")
            continue
        if closing:
            if raw_attrs.strip():
                errors.append(f"closing tag </{tag}> at offset {nxt} must not have attributes")
            if not stack:
                errors.append(f"unexpected end tag </{tag}> at offset {nxt}: no tag is open")
                continue
            top = stack[-1]
            if top.tag != tag:
                errors.append(
                    f"unmatched end tag </{tag}> at offset {nxt}, expected </{top.tag}>"
                )
                continue
            stack.pop()
            if top.entity is not None:
                length = pos16 - top.start
                if top.tag == "pre" and top.language:
                    top.entity["language"] = top.language
                if length > 0:
                    top.entity.update(offset=top.start, length=length)
                    entities.append(top.entity)
            continue
        # Opening tag.
        attrs = _parse_attrs(raw_attrs)
        names = [a for a, _ in attrs]
        if len(set(names)) != len(names):
            errors.append(f"duplicate attribute in <{tag}> at offset {nxt}")
        attr = {a: (_unescape(v, f"in <{tag}> attribute", errors) if v is not None else None)
                for a, v in attrs}
        open_tags = [o.tag for o in stack]
        entity: dict[str, Any] | None = None
        language: str | None = None

        def bad_attrs(allowed: set[str], _tag: str = tag, _attr: dict[str, str | None] = attr,
                      _off: int = nxt) -> bool:
            extra = sorted(set(_attr) - allowed)
            if extra:
                errors.append(f"unsupported attribute(s) {extra} in <{_tag}> at offset {_off}")
                return True
            return False

        parent = stack[-1].tag if stack else None
        if parent == "code" or (parent == "pre" and tag != "code"):
            errors.append(f"<{tag}> at offset {nxt} cannot be nested inside <{stack[-1].tag}>")
        if tag in _SIMPLE_TAGS:
            bad_attrs(set())
            entity = {"type": _SIMPLE_TAGS[tag]}
        elif tag == "span":
            if attr.get("class") != "tg-spoiler" or set(attr) != {"class"}:
                errors.append(f'<span> at offset {nxt} needs exactly class="tg-spoiler"')
            entity = {"type": "spoiler"}
        elif tag == "a":
            bad_attrs({"href"})
            href = attr.get("href")
            if not href:
                errors.append(f"<a> at offset {nxt} needs a non-empty href")
            if "a" in open_tags:
                errors.append(f"<a> at offset {nxt} cannot be nested inside <a>")
            entity = {"type": "text_link", "url": href or ""}
        elif tag == "tg-emoji":
            bad_attrs({"emoji-id"})
            eid = attr.get("emoji-id")
            if not eid or not eid.isdigit():
                errors.append(f"<tg-emoji> at offset {nxt} needs a numeric emoji-id")
            entity = {"type": "custom_emoji", "custom_emoji_id": eid or ""}
        elif tag == "code":
            in_pre = bool(stack) and stack[-1].tag == "pre"
            if in_pre:
                bad_attrs({"class"})
                cls = attr.get("class")
                if cls is not None:
                    if not cls.startswith("language-") or len(cls) == len("language-"):
                        errors.append(f'<code> class at offset {nxt} must be "language-…"')
                    else:
                        stack[-1].language = cls[len("language-"):]
                entity = None  # the enclosing pre carries the entity
            else:
                bad_attrs(set())
                entity = {"type": "code"}
        elif tag == "pre":
            bad_attrs(set())
            entity = {"type": "pre"}
        elif tag == "blockquote":
            bad_attrs({"expandable"})
            if attr.get("expandable") not in (None, ""):
                errors.append(f"<blockquote expandable> at offset {nxt} takes no value")
            if "blockquote" in open_tags:
                errors.append(f"<blockquote> at offset {nxt} cannot be nested in a blockquote")
            entity = {"type": "expandable_blockquote" if "expandable" in attr else "blockquote"}
        stack.append(_Open(tag=tag, start=pos16, entity=entity, language=language))
    for o in reversed(stack):
        errors.append(f"unclosed tag <{o.tag}>")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return Formatted(text="".join(out), entities=entities, errors=errors)


_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def parse_markdown_v2(source: str) -> Formatted:
    """A reasonably strict MarkdownV2 parser (reserved characters must be escaped)."""
    errors: list[str] = []
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int]] = []  # (marker, utf16 start)
    pos16 = 0
    i = 0
    n = len(source)
    markers = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough",
               "||": "spoiler"}

    def emit(chunk: str) -> None:
        nonlocal pos16
        out.append(chunk)
        pos16 += utf16_len(chunk)

    while i < n:
        c = source[i]
        if c == "\\":
            if i + 1 < n and 0 < ord(source[i + 1]) <= 126:
                emit(source[i + 1])
                i += 2
            else:
                errors.append(f"stray '\\' at offset {i}")
                i += 1
            continue
        if c == "`":
            fence = "```" if source.startswith("```", i) else "`"
            j = i + len(fence)
            body: list[str] = []
            closed = False
            while j < n:
                if source[j] == "\\" and j + 1 < n:
                    body.append(source[j + 1])
                    j += 2
                    continue
                if source.startswith(fence, j):
                    closed = True
                    break
                body.append(source[j])
                j += 1
            if not closed:
                errors.append(f"can't find end of {'pre' if fence == '```' else 'code'} entity "
                              f"at offset {i}")
                i = n
                continue
            text = "".join(body)
            entity: dict[str, Any] = {"type": "code"}
            if fence == "```":
                entity = {"type": "pre"}
                first, sep, rest = text.partition("\n")
                if sep and first and " " not in first:
                    entity["language"] = first
                    text = rest
            start = pos16
            emit(text)
            if pos16 > start:
                entity.update(offset=start, length=pos16 - start)
                entities.append(entity)
            i = j + len(fence)
            continue
        if c in "*_~|":
            tok = c
            if c in "_|" and source.startswith(c * 2, i):
                tok = c * 2
            if tok == "|":
                errors.append(f"character '|' at offset {i} is reserved and must be escaped")
                i += 1
                continue
            if stack and stack[-1][0] == tok:
                _, start = stack.pop()
                if pos16 > start:
                    entities.append({"type": markers[tok], "offset": start,
                                     "length": pos16 - start})
            elif any(m == tok for m, _ in stack):
                errors.append(f"entity {tok!r} at offset {i} closes across another entity")
            else:
                stack.append((tok, pos16))
            i += len(tok)
            continue
        if c == "!" and source.startswith("![", i):
            stack.append(("![", pos16))
            i += 2
            continue
        if c == "[":
            stack.append(("[", pos16))
            i += 1
            continue
        if c == "]":
            if not stack or stack[-1][0] not in ("[", "!["):
                errors.append(f"character ']' at offset {i} is reserved and must be escaped")
                i += 1
                continue
            kind, start = stack.pop()
            if not source.startswith("(", i + 1):
                errors.append(f"link at offset {i} must be followed by (url)")
                i += 1
                continue
            j = i + 2
            url: list[str] = []
            while j < n and source[j] != ")":
                if source[j] == "\\" and j + 1 < n:
                    url.append(source[j + 1])
                    j += 2
                    continue
                url.append(source[j])
                j += 1
            if j >= n:
                errors.append(f"can't find end of URL for link at offset {i}")
                i = n
                continue
            u = "".join(url)
            if pos16 > start:
                if kind == "![":
                    emoji_id = u.rpartition("id=")[2]
                    entities.append({"type": "custom_emoji", "offset": start,
                                     "length": pos16 - start, "custom_emoji_id": emoji_id})
                else:
                    entities.append({"type": "text_link", "offset": start,
                                     "length": pos16 - start, "url": u})
            i = j + 1
            continue
        if c == ">" or (c == "*" and source.startswith("**>", i)):
            at_line_start = i == 0 or source[i - 1] == "\n"
            if at_line_start:
                i += 3 if c == "*" else 1
                continue
        if c in _MDV2_RESERVED:
            errors.append(f"character {c!r} at offset {i} is reserved and must be escaped "
                          "with the preceding '\\'")
            emit(c)
            i += 1
            continue
        emit(c)
        i += 1
    for tok, _ in stack:
        errors.append(f"can't find end of the entity starting with {tok!r}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return Formatted(text="".join(out), entities=entities, errors=errors)


def formatted_text(text: str, parse_mode: str | None) -> Formatted:
    """Visible text and entities of ``text`` under ``parse_mode`` (None = plain)."""
    mode = PARSE_MODES.get((parse_mode or "").lower()) if parse_mode else None
    if parse_mode and mode is None:
        return Formatted(text, [], [f"unsupported parse_mode {parse_mode!r}"])
    if mode == "HTML":
        return parse_html(text)
    if mode == "MarkdownV2":
        return parse_markdown_v2(text)
    if mode == "Markdown":  # legacy Markdown: only a rough strip of the markers
        return Formatted(re.sub(r"[*_`\[\]]", "", text), [], [])
    return Formatted(text, [], [])


def check_formatted(
    text: str, parse_mode: Any, *, what: str, min_len: int, max_len: int
) -> list[str]:
    """Markup and length checks for a text/caption (length counted after entity parsing)."""
    if parse_mode is not None and not isinstance(parse_mode, str):
        return []  # already reported as a type error
    parsed = formatted_text(text, parse_mode)
    problems = [f"{what}: can't parse entities: {e}" for e in parsed.errors]
    visible = parsed.text.strip()
    size = utf16_len(visible)
    if size < min_len:
        problems.append(f"{what} is empty" if min_len == 1 else
                        f"{what} is too short ({size} < {min_len})")
    if size > max_len:
        problems.append(f"{what} is too long: {size} characters after entity parsing "
                        f"(max {max_len})")
    return problems


# --------------------------------------------------------------------------------------------
# Type checking
# --------------------------------------------------------------------------------------------

_MISSING = object()
_INT_RE = re.compile(r"^-?[0-9]+$")


@dataclass
class _Ctx:
    spec: Spec
    files: Mapping[str, bytes]
    attached: set[str] = field(default_factory=set)


def _describe(value: Any) -> str:
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


def _check_input_file_string(value: str, path: str, ctx: _Ctx) -> list[str]:
    if value.startswith("attach://"):
        name = value[len("attach://"):]
        ctx.attached.add(name)
        if name not in ctx.files:
            return [f"{path}: refers to {value!r} but no file part {name!r} was uploaded"]
    elif not value:
        return [f"{path}: empty file identifier"]
    return []


def _check_native(value: Any, type_expr: str, path: str, ctx: _Ctx) -> list[str]:
    """Errors for a decoded (JSON-native) value against one spec type expression."""
    if type_expr.startswith("Array of "):
        inner = type_expr[len("Array of "):]
        if not isinstance(value, list):
            return [f"{path}: expected {type_expr}, got {_describe(value)}"]
        errs: list[str] = []
        for k, item in enumerate(value):
            errs.extend(_check_native(item, inner, f"{path}[{k}]", ctx))
        return errs
    if type_expr == "String":
        if not isinstance(value, str):
            return [f"{path}: expected String, got {_describe(value)}"]
        if value.startswith("attach://"):  # e.g. InputMedia*.media is typed String
            return _check_input_file_string(value, path, ctx)
        return []
    if type_expr == "Integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected Integer, got {_describe(value)}"]
    if type_expr == "Float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and math.isfinite(value)
        return [] if ok else [f"{path}: expected Float, got {_describe(value)}"]
    if type_expr == "Boolean":
        ok = isinstance(value, bool)
        return [] if ok else [f"{path}: expected Boolean, got {_describe(value)}"]
    if type_expr == "InputFile":
        if isinstance(value, str):
            return _check_input_file_string(value, path, ctx)
        return [f"{path}: expected InputFile (attach:// reference, file_id or URL), "
                f"got {_describe(value)}"]
    typ = ctx.spec.types.get(type_expr)
    if typ is None:
        return [f"{path}: spec has no type {type_expr!r}"]
    if typ.get("subtypes"):
        return _check_union(value, typ["subtypes"], path, ctx, type_expr)
    if not isinstance(value, dict):
        return [f"{path}: expected {type_expr} object, got {_describe(value)}"]
    return _check_object(value, type_expr, path, ctx)


def _check_union(value: Any, alternatives: list[str], path: str, ctx: _Ctx,
                 label: str | None = None) -> list[str]:
    if len(alternatives) == 1:
        return _check_native(value, alternatives[0], path, ctx)
    results: list[tuple[str, list[str]]] = []
    for alt in alternatives:
        sub = _Ctx(ctx.spec, ctx.files)
        errs = _check_native(value, alt, path, sub)
        if not errs:
            ctx.attached |= sub.attached
            return []
        results.append((alt, errs))
    # Pick the most plausible alternative for the report: discriminator match, else key overlap.
    best: tuple[str, list[str]] | None = None
    if isinstance(value, dict):
        for alt, errs in results:
            disc = ctx.spec.discriminators.get(alt)
            if disc and value.get(disc[0]) == disc[1]:
                best = (alt, errs)
                break
        if best is None:
            def overlap(item: tuple[str, list[str]]) -> int:
                t = ctx.spec.types.get(item[0])
                names = {f["name"] for f in t.get("fields", [])} if t else set()
                return len(names & set(value))
            best = max(results, key=overlap)
            if overlap(best) == 0:
                best = None
    expected = label or " or ".join(alternatives)
    if best is None:
        return [f"{path}: expected {expected}, got {_describe(value)}"]
    return [f"{path}: not a valid {expected} (as {best[0]}): {best[1][0]}", *best[1][1:]]


def _check_fields(
    obj: Mapping[str, Any], fields: list[dict[str, Any]], path: str, ctx: _Ctx,
    present_files: set[str] | None = None,
) -> list[str]:
    errs: list[str] = []
    by_name = {f["name"]: f for f in fields}
    for name in obj:
        if name not in by_name:
            errs.append(f"{path}{name}: unknown field")
    for f in fields:
        name = f["name"]
        if name not in obj:
            if f["required"] and not (present_files and name in present_files):
                errs.append(f"{path}{name}: required field is missing")
            continue
        errs.extend(_check_union(obj[name], f["types"], f"{path}{name}", ctx))
    return errs


def _check_object(obj: dict[str, Any], type_name: str, path: str, ctx: _Ctx) -> list[str]:
    fields = ctx.spec.types[type_name].get("fields", [])
    if not fields:  # placeholder types such as CallbackGame
        return []
    errs = _check_fields(obj, fields, f"{path}.", ctx)
    disc = ctx.spec.discriminators.get(type_name)
    if disc and disc[0] in obj and obj[disc[0]] != disc[1]:
        errs.append(f"{path}.{disc[0]}: must be {disc[1]!r} for {type_name}, "
                    f"got {_describe(obj[disc[0]])}")
    if not errs:
        errs.extend(_semantic_object_checks(obj, type_name, path))
    return errs


def _semantic_object_checks(obj: dict[str, Any], type_name: str, path: str) -> list[str]:
    errs: list[str] = []
    if type_name == "InlineKeyboardButton":
        if not obj["text"].strip():
            errs.append(f"{path}.text: button text must be non-empty")
        actions = [a for a in _BUTTON_ACTIONS if a in obj]
        if len(actions) != 1:
            errs.append(f"{path}: exactly one of the optional action fields must be used, "
                        f"got {actions or 'none'}")
        if "callback_data" in obj:
            size = len(obj["callback_data"].encode("utf-8"))
            if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
                errs.append(f"{path}.callback_data: must be 1-{CALLBACK_DATA_MAX_BYTES} bytes "
                            f"in UTF-8, got {size} bytes")
    elif type_name == "KeyboardButton":
        if not obj["text"].strip():
            errs.append(f"{path}.text: button text must be non-empty")
    elif type_name == "BotCommand":
        if not _BOT_COMMAND_RE.match(obj["command"]):
            errs.append(f"{path}.command: must be 1-32 characters of a-z, 0-9 and _, "
                        f"got {obj['command']!r}")
        if not 1 <= utf16_len(obj["description"]) <= 256:
            errs.append(f"{path}.description: must be 1-256 characters")
    elif type_name == "InputTextMessageContent":
        errs.extend(check_formatted(obj["message_text"], obj.get("parse_mode"),
                                    what=f"{path}.message_text", min_len=1, max_len=TEXT_MAX))
    elif type_name.startswith("InputMedia") and isinstance(obj.get("caption"), str):
        errs.extend(check_formatted(obj["caption"], obj.get("parse_mode"),
                                    what=f"{path}.caption", min_len=0, max_len=CAPTION_MAX))
    return errs


# --------------------------------------------------------------------------------------------
# Form decoding (top-level parameters)
# --------------------------------------------------------------------------------------------


def _decode_one(raw: str, type_expr: str, path: str, ctx: _Ctx) -> tuple[Any, list[str]]:
    if type_expr == "String":
        return raw, []
    if type_expr == "Integer":
        if _INT_RE.match(raw.strip()):
            return int(raw), []
        return raw, [f"{path}: expected Integer, got {raw!r}"]
    if type_expr == "Float":
        try:
            val = float(raw)
        except ValueError:
            return raw, [f"{path}: expected Float, got {raw!r}"]
        if not math.isfinite(val):
            return raw, [f"{path}: expected Float, got {raw!r}"]
        return val, []
    if type_expr == "Boolean":
        if raw in ("true", "false"):
            return raw == "true", []
        return raw, [f"{path}: expected Boolean (true/false), got {raw!r}"]
    if type_expr == "InputFile":
        return raw, _check_input_file_string(raw, path, ctx)
    try:
        val = json.loads(raw)
    except ValueError:
        return raw, [f"{path}: expected JSON-serialized {type_expr}, got {_describe(raw)}"]
    return val, _check_native(val, type_expr, path, ctx)


_PRIMITIVES = ("Integer", "Float", "Boolean", "String", "InputFile")


def _decode_value(value: Any, types: list[str], path: str, ctx: _Ctx) -> tuple[Any, list[str]]:
    if not isinstance(value, str):  # JSON body: already native
        return value, _check_union(value, types, path, ctx)
    if "InputFile" in types and value.startswith("attach://"):
        return value, _check_input_file_string(value, path, ctx)
    errors: list[str] = []
    for t in (t for t in types if t in _PRIMITIVES):
        decoded, errs = _decode_one(value, t, path, ctx)
        if not errs:
            return decoded, []
        errors.extend(errs)
    complex_types = [t for t in types if t not in _PRIMITIVES]
    if complex_types:
        try:
            native = json.loads(value)
        except ValueError:
            errors.append(f"{path}: expected JSON-serialized {' or '.join(complex_types)}, "
                          f"got {_describe(value)}")
        else:
            errs = _check_union(native, complex_types, path, ctx)
            if not errs:
                return native, []
            errors.extend(errs)
    if len(types) > 1 and not complex_types:
        return value, [f"{path}: expected {' or '.join(types)}, got {_describe(value)}"]
    return value, errors


def decode_call(
    method: str, params: Mapping[str, Any], files: Mapping[str, bytes] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Decode and validate one request. Returns (decoded params, violations).

    ``params`` are the non-file parameters as received: strings for urlencoded and multipart
    bodies, JSON-native values for application/json bodies. ``files`` maps multipart part names
    to their bytes.
    """
    spec = load_spec()
    files = files or {}
    if method not in spec.methods:
        lower = {m.lower(): m for m in spec.methods}
        hint = f" (did you mean {lower[method.lower()]!r}?)" if method.lower() in lower else ""
        return dict(params), [f"unknown method {method!r}{hint}"]
    ctx = _Ctx(spec, files)
    fields = spec.method_fields(method)
    violations: list[str] = []
    decoded: dict[str, Any] = {}
    for name, value in params.items():
        if name not in fields:
            violations.append(f"{name}: unknown parameter for {method}")
            decoded[name] = value
            continue
        val, errs = _decode_value(value, fields[name]["types"], name, ctx)
        decoded[name] = val
        violations.extend(errs)
    for name, f in fields.items():
        if f["required"] and name not in params and name not in files:
            violations.append(f"{name}: required parameter is missing")
    for part in files:
        if part in params:
            violations.append(f"{part}: sent both as a form value and as a file part")
        elif part in fields:
            if "InputFile" not in fields[part]["types"]:
                violations.append(f"{part}: file uploaded for a parameter that is not InputFile")
        elif part not in ctx.attached:
            violations.append(f"{part}: file part neither a parameter nor referenced by "
                              "attach://")
    if not violations:
        violations.extend(_semantic_call_checks(method, decoded, fields))
    return decoded, violations


def _semantic_call_checks(
    method: str, p: dict[str, Any], fields: dict[str, dict[str, Any]]
) -> list[str]:
    errs: list[str] = []
    if isinstance(p.get("parse_mode"), str) and p["parse_mode"].lower() not in PARSE_MODES:
        errs.append(f"parse_mode: unsupported parse mode {p['parse_mode']!r}")
        return errs
    if method in ("sendMessage", "editMessageText") and isinstance(p.get("text"), str):
        errs.extend(check_formatted(p["text"], p.get("parse_mode"), what="text",
                                    min_len=1, max_len=TEXT_MAX))
    if "caption" in fields and isinstance(p.get("caption"), str):
        errs.extend(check_formatted(p["caption"], p.get("parse_mode"), what="caption",
                                    min_len=0, max_len=CAPTION_MAX))
    if method == "answerCallbackQuery" and isinstance(p.get("text"), str):
        size = utf16_len(p["text"])
        if size > CALLBACK_ANSWER_MAX:
            errs.append(f"text: must be 0-{CALLBACK_ANSWER_MAX} characters, got {size}")
    if method in ("createForumTopic", "editForumTopic") and isinstance(p.get("name"), str):
        size = utf16_len(p["name"])
        low = 1 if method == "createForumTopic" else 0
        if not low <= size <= TOPIC_NAME_MAX:
            errs.append(f"name: topic name must be {low}-{TOPIC_NAME_MAX} characters, got {size}")
    if {"inline_message_id", "chat_id", "message_id"} <= set(fields) and method.startswith(
        ("editMessage", "stopMessageLiveLocation", "stopPoll", "setGameScore")
    ):
        has_inline = "inline_message_id" in p
        has_chat = "chat_id" in p and "message_id" in p
        if has_inline == has_chat:
            errs.append("either inline_message_id or both chat_id and message_id must be "
                        "specified (not both)")
    if method == "editMessageText" and "text" not in p and "rich_message" not in p:
        errs.append("text: required parameter is missing")
    return errs


def validate_call(method: str, params: Mapping[str, Any],
                  files: Mapping[str, bytes] | None = None) -> list[str]:
    """Human-readable violations of one Bot API request (empty list = valid)."""
    return decode_call(method, params, files)[1]


def validate_object(type_name: str, value: Any) -> list[str]:
    """Check a JSON-native value (e.g. an Update we build) against a spec type."""
    return _check_native(value, type_name, type_name, _Ctx(load_spec(), {}))
