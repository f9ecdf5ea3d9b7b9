"""Data model and Telegram-compatible text parsing for the Bot API emulator.

Entity offsets/lengths are UTF-16 code units and error offsets are UTF-8 byte
offsets, exactly as the real Bot API reports them, so bots that slice text by
entities or log parse errors behave the same as in production.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """A Bot API error response: HTTP status == error_code, plus optional retry_after."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_api(self) -> JSON:
        """Render the error exactly as Telegram's JSON error body."""
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """Build a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units (Telegram's unit for offsets and limits)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _sorted(entities: list[JSON]) -> list[JSON]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
    """Apply parse_mode like Telegram does: return (plain text, entities) or raise ApiError."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return _HtmlParser(text).run()
    if mode in ("markdownv2", "markdown"):
        return _MarkdownParser(text, legacy=mode == "markdown").run()
    raise bad_request(f"unsupported parse_mode {parse_mode!r}")


_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_HTML_ESCAPES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[a-zA-Z]+);?")
_UNQUOTED_VALUE_RE = re.compile(r"[A-Za-z0-9.\-]*")


def _decode_html_entity(name: str) -> str | None:
    if name.startswith(("#x", "#X")):
        code = int(name[2:], 16)
    elif name.startswith("#"):
        code = int(name[1:])
    else:
        return _HTML_ESCAPES.get(name)
    return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else None


def _unescape_html(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        return _decode_html_entity(match.group(1)) or match.group(0)

    return _HTML_ENTITY_RE.sub(replace, text)


class _HtmlParser:
    """Telegram's HTML subset; error texts mirror tdlib's parse_html."""

    def __init__(self, src: str) -> None:
        self.src, self.i, self.u16 = src, 0, 0
        self.out: list[str] = []
        self.stack: list[tuple[str, dict[str, str], int]] = []
        self.entities: list[JSON] = []

    def run(self) -> tuple[str, list[JSON]]:
        while self.i < len(self.src):
            if self.src.startswith("</", self.i):
                self._end_tag()
            elif self.src[self.i] == "<":
                self._start_tag()
            elif self.src[self.i] == "&":
                self._char_entity()
            else:
                self._emit(self.src[self.i])
                self.i += 1
        if self.stack:
            raise _parse_error(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        return "".join(self.out), _sorted(self.entities)

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.u16 += utf16_len(text)

    def _at(self, index: int) -> str:
        return f"at byte offset {_byte_offset(self.src, index)}"

    def _char_entity(self) -> None:
        match = _HTML_ENTITY_RE.match(self.src, self.i)
        decoded = _decode_html_entity(match.group(1)) if match else None
        if match and decoded is not None:
            self._emit(decoded)
            self.i = match.end()
        else:
            self._emit("&")
            self.i += 1

    def _start_tag(self) -> None:
        begin, src = self.i, self.src
        j = begin + 1
        while j < len(src) and not src[j].isspace() and src[j] != ">":
            j += 1
        if j >= len(src):
            raise _parse_error(f"Unclosed start tag {self._at(begin)}")
        name = src[begin + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise _parse_error(f'Unsupported start tag "{name}" {self._at(begin)}')
        attrs, j = self._attributes(name, begin, j)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _parse_error(f'Tag "span" must have class "tg-spoiler" {self._at(begin)}')
        self.stack.append((name, attrs, self.u16))
        self.i = j + 1

    def _skip_spaces(self, j: int) -> int:
        while j < len(self.src) and self.src[j].isspace():
            j += 1
        return j

    def _attributes(self, tag: str, begin: int, j: int) -> tuple[dict[str, str], int]:
        src, attrs = self.src, dict[str, str]()
        while True:
            j = self._skip_spaces(j)
            if j >= len(src):
                raise _parse_error(f"Unclosed start tag {self._at(begin)}")
            if src[j] == ">":
                return attrs, j
            start = j
            while j < len(src) and not src[j].isspace() and src[j] not in "=>":
                j += 1
            attr = src[start:j].lower()
            if not attr:
                raise _parse_error(f'Empty attribute name in the tag "{tag}" {self._at(begin)}')
            j = self._skip_spaces(j)
            if j >= len(src):
                raise _parse_error(f'Unclosed start tag "{tag}" {self._at(begin)}')
            if src[j] != "=":
                if tag == "blockquote" and attr == "expandable":  # the one valueless attribute
                    attrs[attr] = ""
                    continue
                raise _parse_error(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" {self._at(begin)}'
                )
            attrs[attr], j = self._attribute_value(tag, begin, self._skip_spaces(j + 1))

    def _attribute_value(self, tag: str, begin: int, j: int) -> tuple[str, int]:
        src = self.src
        if j >= len(src):
            raise _parse_error(f'Unclosed start tag "{tag}" {self._at(begin)}')
        if src[j] in "\"'":
            end = src.find(src[j], j + 1)
            if end < 0:
                raise _parse_error(f"Unclosed start tag {self._at(begin)}")
            return _unescape_html(src[j + 1 : end]), end + 1
        end = _UNQUOTED_VALUE_RE.match(src, j).end()  # type: ignore[union-attr]
        if end >= len(src) or not (src[end].isspace() or src[end] == ">"):
            raise _parse_error(f"Unexpected end of name token {self._at(j)}")
        return src[j:end], end

    def _end_tag(self) -> None:
        begin, src = self.i, self.src
        if not self.stack:
            raise _parse_error(f"Unexpected end tag {self._at(begin)}")
        j = begin + 2
        while j < len(src) and not src[j].isspace() and src[j] != ">":
            j += 1
        name = src[begin + 2 : j].lower()
        j = self._skip_spaces(j)
        if j >= len(src) or src[j] != ">":
            raise _parse_error(f"Unclosed end tag {self._at(begin)}")
        open_name, attrs, start = self.stack.pop()
        if name and name != open_name:
            raise _parse_error(
                f'Unmatched end tag {self._at(begin)}, expected "</{open_name}>", found "</{name}>"'
            )
        self._close(open_name, attrs, start)
        self.i = j + 1

    def _close(self, tag: str, attrs: dict[str, str], start: int) -> None:
        length = self.u16 - start
        language = attrs.get("class", "").removeprefix("language-") if tag == "code" else ""
        if language and self.stack and self.stack[-1][0] == "pre":
            self.stack[-1][1]["language"] = language  # <pre><code class="language-x"> is one entity
            return
        entity: JSON = {"type": _HTML_TAGS[tag], "offset": start, "length": length}
        if tag == "a":
            if not attrs.get("href"):
                return
            entity["url"] = attrs["href"]
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attrs.get("emoji-id", "")
        elif tag == "pre" and attrs.get("language"):
            entity["language"] = attrs["language"]
        elif tag == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        if length > 0:  # Telegram silently drops empty entities
            self.entities.append(entity)


_MD_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD_LEGACY_RESERVED = frozenset("_*[`")
_MD_TOGGLES = {"*": "bold", "_": "italic", "~": "strikethrough", "__": "underline", "||": "spoiler"}
_MD_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "code": "Code", "pre": "Pre", "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
}


class _MarkdownParser:
    """MarkdownV2 (and the legacy Markdown subset); error texts mirror tdlib's parse_markdown_v2."""

    def __init__(self, src: str, *, legacy: bool) -> None:
        self.src, self.legacy, self.i, self.u16 = src, legacy, 0, 0
        self.out: list[str] = []
        self.stack: list[tuple[str, int, int, str]] = []  # (type, utf16 start, source index, language)
        self.entities: list[JSON] = []
        self.quote_start: int | None = None

    def run(self) -> tuple[str, list[JSON]]:
        reserved = _MD_LEGACY_RESERVED if self.legacy else _MD_RESERVED
        while self.i < len(self.src):
            ch = self.src[self.i]
            top = self.stack[-1][0] if self.stack else ""
            if ch == "\\" and self.i + 1 < len(self.src) and 0 < ord(self.src[self.i + 1]) <= 126:
                self._emit(self.src[self.i + 1])
                self.i += 2
            elif top in ("code", "pre"):
                self._inside_code(ch, top)
            elif ch in reserved or (ch == "]" and top in ("text_link", "custom_emoji")):
                self._markup(ch)
            else:
                self._plain(ch)
        self._end_quote()
        if self.stack:
            kind, _, index, language = self.stack[-1]
            name = "PreCode" if kind == "pre" and language else _MD_NAMES[kind]
            where = f"at byte offset {_byte_offset(self.src, index)}"
            if self.legacy:
                raise _parse_error(f"Can't find end of the entity starting {where}")
            raise _parse_error(f"Can't find end of {name} entity {where}")
        return "".join(self.out), _sorted(self.entities)

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.u16 += utf16_len(text)

    def _plain(self, ch: str) -> None:
        if ch == "\n" and self.quote_start is not None and not self.src.startswith(">", self.i + 1):
            self._end_quote()
        self._emit(ch)
        self.i += 1

    def _end_quote(self) -> None:
        if self.quote_start is not None and self.u16 > self.quote_start:
            length = self.u16 - self.quote_start
            self.entities.append({"type": "blockquote", "offset": self.quote_start, "length": length})
        self.quote_start = None

    def _inside_code(self, ch: str, top: str) -> None:
        fence = "`" if top == "code" else "```"
        if self.src.startswith(fence, self.i):
            self._close()
            self.i += len(fence)
        else:
            self._emit(ch)
            self.i += 1

    def _markup(self, ch: str) -> None:
        pair = self.src[self.i : self.i + 2]
        if not self.legacy and pair in _MD_TOGGLES:
            self._toggle(_MD_TOGGLES[pair], 2)
        elif ch in "*_" or (ch == "~" and not self.legacy):
            self._toggle(_MD_TOGGLES[ch], 1)
        elif ch == "`":
            self._open_code()
        elif ch == "[" or (pair == "![" and not self.legacy):
            self._push("custom_emoji" if ch == "!" else "text_link")
            self.i += len(pair) if ch == "!" else 1
        elif ch == "]" and self.stack and self.stack[-1][0] in ("text_link", "custom_emoji"):
            self._close_link()
        elif ch == ">" and (self.i == 0 or self.src[self.i - 1] == "\n"):
            self.quote_start = self.u16 if self.quote_start is None else self.quote_start
            self.i += 1
        else:
            raise _parse_error(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")

    def _push(self, kind: str, language: str = "") -> None:
        self.stack.append((kind, self.u16, self.i, language))

    def _toggle(self, kind: str, width: int) -> None:
        if self.stack and self.stack[-1][0] == kind:
            self._close()
        else:
            self._push(kind)
        self.i += width

    def _open_code(self) -> None:
        if not self.src.startswith("```", self.i):
            self._push("code")
            self.i += 1
            return
        j = self.i + 3
        while j < len(self.src) and not self.src[j].isspace() and self.src[j] != "`":
            j += 1
        self._push("pre", self.src[self.i + 3 : j])
        self.i = j + 1 if self.src.startswith("\n", j) else j

    def _close_link(self) -> None:
        j = self.i + 1
        if self.src.startswith("(", j):
            url, j = self._read_url(j + 1)
        else:  # "[text]" without "(url)" links to its own text
            url = "".join(self.out).encode("utf-16-le")[self.stack[-1][1] * 2 :].decode("utf-16-le")
        self._close(url)
        self.i = j

    def _read_url(self, j: int) -> tuple[str, int]:
        begin, chars = j, []
        while j < len(self.src) and self.src[j] != ")":
            if self.src[j] == "\\" and j + 1 < len(self.src):
                j += 1
            chars.append(self.src[j])
            j += 1
        if j >= len(self.src):
            raise _parse_error(f"Can't find end of a URL at byte offset {_byte_offset(self.src, begin)}")
        return "".join(chars), j + 1

    def _close(self, url: str = "") -> None:
        kind, start, _, language = self.stack.pop()
        entity: JSON = {"type": kind, "offset": start, "length": self.u16 - start}
        if kind == "text_link":
            entity["url"] = url
        elif kind == "custom_emoji":
            entity["custom_emoji_id"] = url.partition("id=")[2]
        elif kind == "pre" and language:
            entity["language"] = language
        if entity["length"] > 0 and (kind != "text_link" or url):
            self.entities.append(entity)


_AUTO_ENTITY_RE = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{4,32})"
    r"|(?P<url>\bhttps?://[^\s<>\"]+)"
    r"|(?P<hashtag>(?<![\w#])#\w+)"
)
_OPAQUE_TYPES = frozenset({"code", "pre", "text_link", "custom_emoji"})


def with_auto_entities(text: str, entities: list[JSON]) -> list[JSON]:
    """Add the mention/bot_command/url/hashtag entities Telegram detects by itself."""
    opaque = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _OPAQUE_TYPES]
    found = list(entities)
    for match in _AUTO_ENTITY_RE.finditer(text):
        offset, length = utf16_len(text[: match.start()]), utf16_len(match.group(0))
        if not any(lo < offset + length and offset < hi for lo, hi in opaque):
            found.append({"type": match.lastgroup, "offset": offset, "length": length})
    return _sorted(found)


def now() -> int:
    """Current Unix time in whole seconds, the Bot API's date format."""
    return int(time.time())


@dataclass
class TgUser:
    """A Telegram user (or the bot itself) as it appears in updates."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "ru"
    is_bot: bool = False

    def to_api(self) -> JSON:
        """Serialise as a Bot API User object (absent optional fields omitted)."""
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class TgChat:
    """A chat known to the emulator: private (with its user), group or supergroup."""

    id: int
    type: str
    title: str | None = None
    user: TgUser | None = None

    def to_api(self) -> JSON:
        """Serialise as a Bot API Chat object."""
        if self.user is None:
            return {"id": self.id, "type": self.type, "title": self.title}
        data: JSON = {"id": self.id, "type": self.type, "first_name": self.user.first_name}
        for key in ("last_name", "username"):
            if getattr(self.user, key) is not None:
                data[key] = getattr(self.user, key)
        return data

    def full_info(self) -> JSON:
        """Serialise as a Bot API ChatFullInfo object (what getChat returns)."""
        gifts = dict.fromkeys(
            ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"), False
        )
        return {**self.to_api(), "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


@dataclass
class StoredMessage:
    """Current state of one message in a chat, with the bot's edit history."""

    payload: JSON
    from_bot: bool
    history: list[JSON] = field(default_factory=list)  # snapshots taken before each edit
    deleted: bool = False
    reactions: list[JSON] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        """Id of the chat the message belongs to."""
        return int(self.payload["chat"]["id"])

    @property
    def message_id(self) -> int:
        """Telegram message id (unique per chat)."""
        return int(self.payload["message_id"])

    @property
    def text(self) -> str | None:
        """Current text (or caption for media messages)."""
        return self.payload.get("text", self.payload.get("caption"))

    @property
    def reply_markup(self) -> JSON | None:
        """Current inline keyboard, if any."""
        return self.payload.get("reply_markup")

    @property
    def edit_count(self) -> int:
        """How many successful edits the message has had."""
        return len(self.history)


@dataclass
class StoredFile:
    """A downloadable file: uploaded by the bot or injected by a test as if sent by a user."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None
    file_size: int | None = None  # reported size; defaults to len(data)

    @property
    def size(self) -> int:
        """Size Telegram reports for the file."""
        return self.file_size if self.file_size is not None else len(self.data)

    def to_api(self) -> JSON:
        """The common file fields of Document/Voice/PhotoSize objects."""
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": self.size}


@dataclass
class ApiCall:
    """One Bot API request received by the emulator and how it was answered."""

    method: str  # canonical spelling, e.g. "sendMessage", whatever case the client used
    params: JSON
    time: float
    files: dict[str, bytes] = field(default_factory=dict)
    result: Any = None
    error: ApiError | None = None


@dataclass
class Draft:
    """A sendMessageDraft preview: ephemeral, never becomes a message."""

    chat_id: int
    draft_id: int
    text: str
    entities: list[JSON]
    time: float


@dataclass
class FaultRule:
    """Makes the next `remaining` calls of a method fail with the given error."""

    method: str  # lower-case method name, or "*" for every method except getUpdates
    error: ApiError
    remaining: int
    when: Callable[[JSON], bool] | None = None  # only calls whose parameters satisfy it


@dataclass
class QueuedUpdate:
    """An update waiting for getUpdates/webhook delivery."""

    update_id: int
    payload: JSON
    redelivery: bool = False  # re-injected old update_id: kept until returned once
    delivered: bool = False

    @property
    def kind(self) -> str:
        """Update type, e.g. "message" or "callback_query"."""
        return next((key for key in self.payload if key != "update_id"), "")
