"""The commands menu and /help: what everyone can do, and what admins can do besides, in Russian and English.

The menu is set per scope at start (``setMyCommands``): the default scope lists the user commands; each admin's
private chat (``BotCommandScopeChat``) lists the user commands and then the admin commands. Russian is the default
list (no ``language_code``), English the list for English Telegram apps. /help prints the same split.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.i18n import Lang, t

log = logging.getLogger(__name__)

USER_COMMANDS: dict[str, dict[Lang, str]] = {
    "ask": {"ru": "Задать вопрос (в группах)", "en": "Ask a question (in groups)"},
    "meet": {"ru": "Назначить встречу", "en": "Book a meeting"},
    "reset": {"ru": "Забыть разговор в этом чате", "en": "Forget this chat's conversation"},
    "sources": {"ru": "Источники последнего ответа", "en": "Sources of the last answer"},
    "lang": {"ru": "Язык сообщений: ru или en", "en": "Language of messages: ru or en"},
    "help": {"ru": "Что умеет бот", "en": "What the bot can do"},
}
ADMIN_COMMANDS: dict[str, dict[Lang, str]] = {
    "health": {"ru": "Состояние сервисов", "en": "Health of the services"},
    "status": {"ru": "GPU, модель, очереди, версии", "en": "GPU, model server, queues, versions"},
    "search": {"ru": "Поиск по базе: фрагменты и оценки", "en": "Search the knowledge base: fragments, scores"},
    "unanswered": {"ru": "Вопросы без ответа", "en": "Questions left unanswered"},
    "audit": {"ru": "Журнал действий админов", "en": "Log of admin actions"},
    "docs": {"ru": "Документы базы знаний", "en": "Documents of the knowledge base"},
    "forget": {"ru": "Удалить документ из базы", "en": "Remove a document from the knowledge base"},
    "allow": {"ru": "Открыть доступ пользователю или чату", "en": "Grant a user or chat access"},
    "deny": {"ru": "Закрыть доступ", "en": "Revoke access"},
    "users": {"ru": "Кому открыт доступ", "en": "Who has access"},
    "stats": {"ru": "Сообщения, ответы, оценки", "en": "Messages, answers, feedback"},
}
LANGS: tuple[Lang, ...] = ("ru", "en")


def commands(lang: Lang, *, admin: bool) -> list[BotCommand]:
    """The menu of one scope in one language: user commands, then admin commands for admins."""
    menus = [USER_COMMANDS, ADMIN_COMMANDS] if admin else [USER_COMMANDS]
    return [BotCommand(name, descriptions[lang]) for menu in menus for name, descriptions in menu.items()]


async def set_menus(bot: Bot, admin_ids: Iterable[int]) -> None:
    """Set the default menu and each admin's chat menu, Russian by default and English for English apps."""
    for lang in LANGS:
        code = None if lang == "ru" else lang
        await bot.set_my_commands(commands(lang, admin=False), scope=BotCommandScopeDefault(), language_code=code)
        for admin_id in admin_ids:
            try:
                await bot.set_my_commands(commands(lang, admin=True), scope=BotCommandScopeChat(admin_id),
                                          language_code=code)
            except TelegramError as exc:  # an admin who never opened the bot: "chat not found" until they do
                log.warning("no admin menu for %s yet: %s", admin_id, exc)


def help_text(lang: Lang, *, admin: bool) -> str:
    """/help: the user commands, and for admins the admin commands too."""
    lines = [f"/{name} — {descriptions[lang]}" for name, descriptions in USER_COMMANDS.items()]
    lines += ["", t("help_feedback", lang)]
    if admin:
        lines += ["", t("help_admin_title", lang)]
        lines += [f"/{name} — {descriptions[lang]}" for name, descriptions in ADMIN_COMMANDS.items()]
        lines += [t("help_admin_upload", lang)]
    return "\n".join(lines)
