"""User-facing sentences in Russian (default) and English, and a guess at a text's language."""

from __future__ import annotations

from typing import Literal

Lang = Literal["ru", "en"]

TEXTS: dict[str, dict[Lang, str]] = {
    "not_found": {
        "ru": "В базе знаний нет ответа на этот вопрос. Попробуйте сформулировать иначе "
              "или попросите позвать человека.",
        "en": "The knowledge base has no answer to this question. Try rephrasing it, "
              "or ask for a human.",
    },
    "llm_unavailable": {
        "ru": "Языковая модель сейчас недоступна. Вопрос сохранён, попробуйте чуть позже.",
        "en": "The language model is unavailable right now. Your question is saved; please try again later.",
    },
    "llm_failed": {
        "ru": "Языковая модель не смогла ответить. Вопрос сохранён, попробуйте ещё раз.",
        "en": "The language model could not answer. Your question is saved; please try again.",
    },
    "empty_question": {
        "ru": "Вопрос пустой — напишите, что вы хотите узнать.",
        "en": "The question is empty — please write what you would like to know.",
    },
    "sources": {"ru": "Источники:", "en": "Sources:"},
    "no_sources": {"ru": "Источники: нет", "en": "Sources: none"},
    "model_missing": {
        "ru": "Модель не установлена: {detail}",
        "en": "A model is not installed: {detail}",
    },
    "chat_hint": {
        "ru": "Задавайте вопросы. /reset — забыть разговор, /exit — выйти.",
        "en": "Ask your questions. /reset forgets the conversation, /exit quits.",
    },
    "chat_reset": {"ru": "Разговор забыт.", "en": "Conversation forgotten."},
    "start": {
        "ru": "Здравствуйте! Я Dialog Keeper — ассистент компании.\n\n"
              "• Отвечаю на вопросы по базе знаний и показываю источники.\n"
              "• В группах отвечаю, когда меня упомянули, ответили на моё сообщение или вызвали /ask.\n"
              "• Под ответом можно оценить его 👍/👎 или позвать человека.\n\n"
              "/help — все команды.",
        "en": "Hello! I am Dialog Keeper, the company assistant.\n\n"
              "• I answer questions from the knowledge base and show the sources.\n"
              "• In groups I answer when mentioned, replied to, or called with /ask.\n"
              "• Under each answer you can rate it 👍/👎 or ask for a human.\n\n"
              "/help lists every command.",
    },
    "help": {
        "ru": "/ask вопрос — задать вопрос (в группах)\n/reset — забыть разговор в этом чате\n"
              "/sources — источники последнего ответа\n/lang ru|en — язык сообщений\n"
              "Для админов: /allow, /deny, /users, /stats, /status, /docs, /forget; документ, присланный "
              "боту, добавляется в базу знаний (подпись «space: chat» — только для этого чата)",
        "en": "/ask question — ask (in groups)\n/reset — forget this chat's conversation\n"
              "/sources — sources of the last answer\n/lang ru|en — language of messages\n"
              "Admins: /allow, /deny, /users, /stats, /status, /docs, /forget; a document sent to the bot "
              "goes into the knowledge base (caption “space: chat” keeps it to this chat)",
    },
    "placeholder": {"ru": "⏳ Ищу ответ…", "en": "⏳ Looking for an answer…"},
    "btn_up": {"ru": "👍", "en": "👍"},
    "btn_down": {"ru": "👎", "en": "👎"},
    "btn_human": {"ru": "Позвать человека", "en": "Ask for a human"},
    "thanks_feedback": {"ru": "Спасибо за оценку!", "en": "Thanks for the feedback!"},
    "human_requested": {
        "ru": "Передал ваш вопрос сотрудникам — с вами свяжутся.",
        "en": "I have passed your question to the staff; someone will contact you.",
    },
    "admin_human_request": {
        "ru": "🙋 {who} просит человека в чате «{chat}».\nВопрос: {question}",
        "en": "🙋 {who} asks for a human in “{chat}”.\nQuestion: {question}",
    },
    "access_denied": {
        "ru": "Извините, у вас нет доступа к этому боту. Я передал запрос администраторам.",
        "en": "Sorry, you do not have access to this bot. I have forwarded a request to the admins.",
    },
    "admin_access_request": {
        "ru": "🔐 Запрос доступа: {who} (id {user_id}) в чате «{chat}».",
        "en": "🔐 Access request: {who} (id {user_id}) in “{chat}”.",
    },
    "btn_allow": {"ru": "Разрешить", "en": "Allow"},
    "allowed": {"ru": "Доступ разрешён: {target}", "en": "Access granted: {target}"},
    "denied": {"ru": "Доступ закрыт: {target}", "en": "Access revoked: {target}"},
    "admin_only": {"ru": "Эта команда только для администраторов.", "en": "This command is for admins only."},
    "allow_usage": {
        "ru": "Укажите id пользователя: /allow 123456789 (в группе без аргумента — разрешить этот чат).",
        "en": "Give a user id: /allow 123456789 (in a group, no argument allows this chat).",
    },
    "users": {"ru": "Пользователи с доступом: {users}\nЧаты с доступом: {chats}",
              "en": "Users with access: {users}\nChats with access: {chats}"},
    "stats": {
        "ru": "Сообщений: {messages}\nОтветов: {answered}, не найдено: {not_found}, ошибок: {error}\n"
              "👍 {up} / 👎 {down}\nЗапросов человека: {escalations}",
        "en": "Messages: {messages}\nAnswered: {answered}, not found: {not_found}, errors: {error}\n"
              "👍 {up} / 👎 {down}\nRequests for a human: {escalations}",
    },
    "rate_limited": {
        "ru": "Слишком много вопросов подряд. Попробуйте через {seconds} с.",
        "en": "Too many questions in a row. Please try again in {seconds} s.",
    },
    "reset_done": {"ru": "Готово, разговор в этом чате забыт.", "en": "Done, this chat's conversation is forgotten."},
    "no_last_answer": {"ru": "В этом чате ещё не было ответов с источниками.",
                       "en": "There is no answer with sources in this chat yet."},
    "lang_set": {"ru": "Язык сообщений: русский.", "en": "Language of messages: English."},
    "lang_usage": {"ru": "Использование: /lang ru или /lang en", "en": "Usage: /lang ru or /lang en"},
    "unknown_command": {"ru": "Неизвестная команда. /help — список команд.",
                        "en": "Unknown command. /help lists the commands."},
    "voice_progress": {"ru": "🎤 Распознаю голосовое…", "en": "🎤 Transcribing the voice message…"},
    "voice_progress_pct": {"ru": "🎤 Распознаю голосовое… {percent} %", "en": "🎤 Transcribing… {percent}%"},
    "voice_transcript": {"ru": "🎤 {text}", "en": "🎤 {text}"},
    "voice_too_big": {
        "ru": "Файл слишком большой ({size} МБ). Я принимаю аудио до {limit} МБ.",
        "en": "The file is too big ({size} MB). I accept audio up to {limit} MB.",
    },
    "voice_corrupt": {"ru": "Не получилось прочитать аудио: файл повреждён или это не звук.",
                      "en": "I could not read the audio: the file is damaged or not sound at all."},
    "voice_no_speech": {"ru": "Не удалось распознать речь — похоже, в записи тишина.",
                        "en": "I could not recognise any speech; the recording seems silent."},
    "voice_failed": {
        "ru": "Не удалось распознать голосовое сообщение. Оно сохранено, администраторы уже знают.",
        "en": "I could not transcribe the voice message. It is saved and the admins have been told.",
    },
    "voice_queue_down": {
        "ru": "Сервис распознавания сейчас недоступен. Сообщение сохранено — отвечу, когда он вернётся.",
        "en": "The transcription service is unavailable right now. Your message is saved; I will answer "
              "when it is back.",
    },
    "admin_voice_failed": {"ru": "⚠️ Не удалось распознать голосовое (сообщение {message_id}): {error}",
                           "en": "⚠️ Transcription failed (message {message_id}): {error}"},
    "doc_admins_only": {"ru": "Добавлять документы в базу знаний могут только администраторы.",
                        "en": "Only admins can add documents to the knowledge base."},
    "doc_progress": {"ru": "📄 Обрабатываю «{name}»…", "en": "📄 Processing “{name}”…"},
    "doc_progress_pct": {"ru": "📄 «{name}»: {percent} %", "en": "📄 “{name}”: {percent}%"},
    "doc_added": {"ru": "Добавлено: {chunks} фрагментов из «{name}» (пространство {space}).",
                  "en": "Added: {chunks} fragments from “{name}” (space {space})."},
    "doc_replaced": {"ru": "Обновлено: «{name}» заменён, теперь {chunks} фрагментов (пространство {space}).",
                     "en": "Updated: “{name}” replaced, now {chunks} fragments (space {space})."},
    "doc_unchanged": {"ru": "Без изменений: «{name}» уже в базе знаний.",
                      "en": "No change: “{name}” is already in the knowledge base."},
    "doc_rejected": {"ru": "Не удалось добавить «{name}»: {why}", "en": "Could not add “{name}”: {why}"},
    "doc_failed": {"ru": "Не удалось обработать «{name}». Файл сохранён, администраторы уже знают.",
                   "en": "Could not process “{name}”. The file is saved and the admins have been told."},
    "doc_reason_unsupported": {"ru": "этот тип файла не поддерживается (PDF, DOCX, Markdown, TXT, HTML).",
                               "en": "this file type is not supported (PDF, DOCX, Markdown, TXT, HTML)."},
    "doc_reason_empty": {"ru": "в документе нет текста.", "en": "the document has no text."},
    "doc_reason_too_large": {"ru": "файл больше допустимого размера ({limit} МБ).",
                             "en": "the file is larger than allowed ({limit} MB)."},
    "doc_reason_too_many_pages": {"ru": "слишком много страниц.", "en": "too many pages."},
    "doc_reason_encrypted": {"ru": "файл защищён паролем.", "en": "the file is password-protected."},
    "doc_reason_corrupt": {"ru": "файл повреждён или не соответствует расширению.",
                           "en": "the file is damaged or not what its extension says."},
    "doc_reason_zip_bomb": {"ru": "архив внутри файла подозрительно велик (похоже на zip-бомбу).",
                            "en": "the archive inside the file unpacks suspiciously large (a zip bomb?)."},
    "doc_reason_bad_space": {"ru": "неизвестное пространство: укажите в подписи «space: global», «space: chat» "
                                   "или «space: team:имя».",
                             "en": "unknown space: write “space: global”, “space: chat” or “space: team:name” "
                                   "in the caption."},
    "docs_empty": {"ru": "В базе знаний пока нет документов.", "en": "The knowledge base has no documents yet."},
    "docs_header": {"ru": "Документы ({count}):", "en": "Documents ({count}):"},
    "forget_usage": {"ru": "Использование: /forget <номер документа из /docs>",
                     "en": "Usage: /forget <document number from /docs>"},
    "forgot": {"ru": "Удалён: «{name}» ({chunks} фрагментов).", "en": "Deleted: “{name}” ({chunks} fragments)."},
    "forget_missing": {"ru": "Документа с номером {id} нет.", "en": "There is no document number {id}."},
    "unsupported_message": {
        "ru": "Я понимаю текст и голосовые сообщения. Этот тип сообщения не поддерживается.",
        "en": "I understand text and voice messages. This kind of message is not supported.",
    },
    "internal_error": {
        "ru": "Что-то пошло не так. Ваше сообщение сохранено, администраторы уже знают.",
        "en": "Something went wrong. Your message is saved and the admins have been told.",
    },
    "admin_error": {"ru": "⚠️ Ошибка при обработке обновления {update_id}: {error}",
                    "en": "⚠️ Error while handling update {update_id}: {error}"},
    "search_usage": {"ru": "Использование: /search <вопрос> — какие фрагменты база знаний находит по вопросу "
                           "в этом чате, с оценками и порогом релевантности.",
                     "en": "Usage: /search <question> — the fragments the knowledge base finds for it in this "
                           "chat, with their scores and the relevance floor."},
    "search_header": {"ru": "🔎 «{query}» (пространства: {spaces})",
                      "en": "🔎 “{query}” (spaces: {spaces})"},
}


def t(key: str, lang: Lang, **values: object) -> str:
    """The sentence ``key`` in ``lang``, with ``values`` filled in."""
    return TEXTS[key][lang].format(**values)


def detect_language(text: str, default: Lang = "ru") -> Lang:
    """"ru" when Cyrillic letters dominate, "en" when Latin ones do, else ``default``."""
    cyrillic = sum(1 for ch in text if "а" <= ch.lower() <= "я" or ch in "ёЁ")
    latin = sum(1 for ch in text if "a" <= ch.lower() <= "z")
    if cyrillic == latin == 0:
        return default
    return "ru" if cyrillic >= latin else "en"
