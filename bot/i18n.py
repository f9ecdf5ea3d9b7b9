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
    "index_locked": {
        "ru": "Индекс знаний в {path} занят другим процессом Dialog Keeper (запущенным ботом или воркером): "
              "остановите его, спросите бота через /search или подключите сервер Qdrant (DK_QDRANT__URL), "
              "чтобы индексом могли пользоваться несколько процессов.",
        "en": "The knowledge index in {path} is in use by another Dialog Keeper process (the running bot or a "
              "worker): stop it, ask the bot with /search instead, or run a Qdrant server (DK_QDRANT__URL) so "
              "that several processes can share the index.",
    },
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
    "help_feedback": {
        "ru": "Под ответом: 👍/👎 (в группах — реакцией на ответ) и «Позвать человека».",
        "en": "Under an answer: 👍/👎 (in groups, a reaction to the answer) and “Ask for a human”.",
    },
    "help_admin_title": {"ru": "Для админов:", "en": "Admins:"},
    "help_admin_upload": {
        "ru": "Документ, присланный боту, добавляется в базу знаний (подпись «space: chat» — только для этого чата).",
        "en": "A document sent to the bot goes into the knowledge base (caption “space: chat” keeps it to this chat).",
    },
    "answer_below": {"ru": "⤵️ Ответ — ниже.", "en": "⤵️ The answer is below."},
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
    "allow_bad_id": {
        "ru": "«{value}» — не id пользователя или чата Telegram: укажите число, например /allow 123456789.",
        "en": "“{value}” is not a Telegram user or chat id: give a number, e.g. /allow 123456789.",
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
    "admin_bot_api_back": {"ru": "🟢 Bot API снова доступен: был недоступен {duration} (с {since}). "
                                 "Последняя ошибка: {error}",
                           "en": "🟢 The Bot API is reachable again after {duration} (unreachable since {since}). "
                                 "Last error: {error}"},
    "admin_error": {"ru": "⚠️ Ошибка при обработке обновления {update_id}: {error}",
                    "en": "⚠️ Error while handling update {update_id}: {error}"},
    "smalltalk_hello": {"ru": "Здравствуйте! Чем могу помочь? Спросите что-нибудь по базе знаний.",
                        "en": "Hello! How can I help? Ask me anything from the knowledge base."},
    "smalltalk_thanks": {"ru": "Пожалуйста! Обращайтесь.", "en": "You're welcome!"},
    "smalltalk_bye": {"ru": "До свидания! Пишите, если будут вопросы.", "en": "Goodbye! Write any time."},
    "smalltalk_other": {"ru": "👍 Если есть вопрос — спрашивайте.", "en": "👍 If you have a question, just ask."},
    "intent_other": {"ru": "С этим я не помогу: я отвечаю на вопросы по нашим документам, назначаю встречи и зову "
                           "сотрудника. Задайте вопрос — или напишите «позовите человека».",
                     "en": "I can't help with that: I answer questions from our documents, book meetings and call "
                           "a person. Ask a question, or write “talk to a human”."},
    "llm_down_saved": {
        "ru": "Языковая модель сейчас недоступна. Вопрос сохранён — я отвечу, как только она вернётся.",
        "en": "The language model is unavailable right now. Your question is saved; I will answer as soon as "
              "it is back.",
    },
    "llm_gave_up": {
        "ru": "Языковая модель так и не вернулась, ответить не получилось. Задайте вопрос ещё раз позже.",
        "en": "The language model did not come back in time, so I could not answer. Please ask again later.",
    },
    "doc_queue_down": {
        "ru": "Сервис обработки документов временно недоступен. Файл сохранён — добавлю его в базу, "
              "как только сервис вернётся.",
        "en": "The document service is temporarily unavailable. The file is saved; I will add it to the "
              "knowledge base as soon as the service is back.",
    },
    "button_stale": {"ru": "Эта кнопка больше не действует.", "en": "This button is no longer valid."},
    "button_not_yours": {"ru": "Эта кнопка — не для вас.", "en": "This button is not for you."},
    "button_no_access": {"ru": "У вас нет доступа к этому боту.", "en": "You do not have access to this bot."},
    "already_allowed": {"ru": "Доступ уже разрешён: {target}", "en": "Access already granted: {target}"},
    "access_granted_user": {
        "ru": "Вам открыли доступ к боту. Отвечаю на ваш вопрос.",
        "en": "You have been given access to the bot. Answering your question now.",
    },
    "access_granted_hello": {"ru": "Вам открыли доступ к боту. Задавайте вопросы!",
                             "en": "You have been given access to the bot. Ask away!"},

    # --- meetings (bot/dialog/meetings.py)
    "meet_not_configured": {
        "ru": "Встречи не настроены: календарь не подключён (DK_CALDAV__URL). Обратитесь к администратору.",
        "en": "Meetings are not configured: no calendar is connected (DK_CALDAV__URL). Please ask an admin.",
    },
    "meet_usage": {"ru": "Напишите, когда встретиться: /meet завтра в 15:00 на полчаса с Ивановым",
                   "en": "Say when to meet: /meet tomorrow at 3pm for 30 minutes with John"},
    "meet_ask_day": {"ru": "На какой день назначить встречу «{title}»?",
                     "en": "Which day should “{title}” be on?"},
    "meet_past": {"ru": "Дата {day} уже прошла. Выберите другой день:",
                  "en": "{day} is in the past. Pick another day:"},
    "meet_too_far": {"ru": "{day} — дальше чем на {days} дней вперёд. Выберите день поближе:",
                     "en": "{day} is more than {days} days ahead. Pick a nearer day:"},
    "meet_ambiguous": {"ru": "Дату можно понять по-разному. Какой день вы имели в виду?",
                       "en": "The date can be read two ways. Which day did you mean?"},
    "meet_unclear_day": {"ru": "Не понял, какой день имеется в виду. На какой день назначить встречу «{title}»?",
                         "en": "I could not tell which day you meant. Which day should “{title}” be on?"},
    "meet_ask_duration": {"ru": "Сколько будет длиться встреча «{title}»?",
                          "en": "How long will “{title}” take?"},
    "meet_minutes": {"ru": "{minutes} мин", "en": "{minutes} min"},
    "meet_slots": {"ru": "Свободное время для «{title}» ({minutes} мин, {zone}):",
                   "en": "Free time for “{title}” ({minutes} min, {zone}):"},
    "meet_requested_busy": {"ru": "{when} занято. Ближайшее свободное время ({minutes} мин, {zone}):",
                            "en": "{when} is taken. The nearest free time ({minutes} min, {zone}):"},
    "meet_requested_off": {"ru": "{when} — нерабочее время. Ближайшее свободное ({minutes} мин, {zone}):",
                           "en": "{when} is outside working hours. The nearest free time ({minutes} min, {zone}):"},
    "meet_no_slots": {"ru": "Свободного времени рядом с {when} нет. Выберите другой день.",
                      "en": "There is no free time near {when}. Please pick another day."},
    "meet_confirm": {"ru": "Забронировать «{title}»: {when} ({zone}){who}?",
                     "en": "Book “{title}”: {when} ({zone}){who}?"},
    "meet_with": {"ru": ", участники: {names}", "en": ", with {names}"},
    "meet_booked": {"ru": "✅ Встреча забронирована: «{title}», {when} ({zone}){who}. Файл — для вашего календаря.",
                    "en": "✅ Meeting booked: “{title}”, {when} ({zone}){who}. The file is for your calendar."},
    "meet_taken": {"ru": "Это время только что заняли. Вот свободное сейчас:",
                   "en": "That time has just been taken. Here is what is free now:"},
    "meet_cancelled": {"ru": "Встреча «{title}» ({when}) отменена.",
                       "en": "The meeting “{title}” ({when}) is cancelled."},
    "meet_already_booked": {"ru": "Эта встреча уже забронирована.", "en": "This meeting is already booked."},
    "meet_gone": {"ru": "Эта встреча уже отменена.", "en": "This meeting has already been cancelled."},
    "meet_expired": {"ru": "Этот запрос больше не действует. Начните заново: /meet …",
                     "en": "This request is no longer valid. Start again: /meet …"},
    "meet_not_yours": {"ru": "Эти кнопки — для того, кто назначает встречу.",
                       "en": "These buttons are for the person booking the meeting."},
    "meet_unreachable": {"ru": "Календарь сейчас недоступен. Запрос сохранён — нажмите «Повторить» чуть позже.",
                         "en": "The calendar is unavailable right now. Your request is saved — press “Retry” "
                               "a bit later."},
    "meet_auth_failed": {"ru": "Календарь не принял логин или пароль бота. Запрос сохранён; администраторы "
                               "уже знают — нажмите «Повторить», когда они исправят настройки.",
                         "en": "The calendar refused the bot's login or password. Your request is saved and the "
                               "admins have been told — press “Retry” once they fix it."},
    "meet_calendar_error": {"ru": "Календарь ответил ошибкой. Запрос сохранён — нажмите «Повторить».",
                            "en": "The calendar answered with an error. Your request is saved — press “Retry”."},
    "btn_meet_other": {"ru": "Другое время", "en": "Other time"},
    "btn_meet_retry": {"ru": "Повторить", "en": "Retry"},
    "btn_meet_cancel": {"ru": "Отменить встречу", "en": "Cancel the meeting"},
    "btn_meet_confirm": {"ru": "Подтвердить", "en": "Confirm"},
    "btn_meet_today": {"ru": "Сегодня", "en": "Today"},
    "btn_meet_tomorrow": {"ru": "Завтра", "en": "Tomorrow"},
    "admin_meet_booked": {"ru": "📅 Встреча забронирована: «{title}», {when} ({zone}); запросил {who} в чате {chat}.",
                          "en": "📅 Meeting booked: “{title}”, {when} ({zone}); requested by {who} in chat {chat}."},
    "admin_meet_cancelled": {"ru": "📅 Встреча отменена: «{title}», {when}; {who} в чате {chat}.",
                             "en": "📅 Meeting cancelled: “{title}”, {when}; by {who} in chat {chat}."},
    "admin_meet_calendar": {"ru": "⚠️ Календарь встреч: {error}", "en": "⚠️ Meetings calendar: {error}"},
    # --- operations (bot/ops: health alerts, nightly report, /unanswered, /audit)
    "ops_alert_down": {"ru": "🔴 {name}: недоступно ({failures} проверки подряд). Причина: {detail}",
                       "en": "🔴 {name} is down ({failures} checks in a row). Reason: {detail}"},
    "ops_alert_recovered": {"ru": "🟢 {name} снова работает (был недоступен {duration}). {detail}",
                            "en": "🟢 {name} is back (it was down for {duration}). {detail}"},
    "ops_health_title": {"ru": "Состояние сервисов:", "en": "Health of the services:"},
    "ops_unanswered_empty": {"ru": "За {days} дн. вопросов без ответа и с 👎 нет.",
                             "en": "No unanswered or 👎 questions in the last {days} days."},
    "ops_unanswered_title": {"ru": "Вопросы без ответа и с 👎 за {days} дн. (группы похожих, новые сверху):",
                             "en": "Unanswered and 👎 questions, last {days} days (similar grouped, newest first):"},
    "ops_unanswered_item": {"ru": "{n}. ×{count} «{question}» — последний {at}{reasons}",
                            "en": "{n}. ×{count} “{question}” — last {at}{reasons}"},
    "ops_audit_empty": {"ru": "Журнал действий администраторов пуст.", "en": "The admin audit log is empty."},
    "ops_audit_title": {"ru": "Последние действия администраторов:", "en": "Latest admin actions:"},
    "report_title": {"ru": "📊 Отчёт за {day} ({tz})", "en": "📊 Report for {day} ({tz})"},
    "report_messages": {"ru": "Сообщений: {count}", "en": "Messages: {count}"},
    "report_questions": {"ru": "Вопросов: {count}", "en": "Questions: {count}"},
    "report_escalations": {"ru": "Эскалаций: {escalations} · встреч: {meetings}",
                           "en": "Escalations: {escalations} · meetings: {meetings}"},
    "report_voice": {"ru": "Голос: {minutes} мин", "en": "Voice: {minutes} min"},
    "report_latency": {"ru": "Ответ p50/p95: {latency} · первый токен p50/p95: {ttft}",
                       "en": "Answer p50/p95: {latency} · first token p50/p95: {ttft}"},
    "report_feedback": {"ru": "👍 {up} · 👎 {down}", "en": "👍 {up} · 👎 {down}"},
    "report_feedback_split": {"ru": " (из них реакциями: 👍 {up} · 👎 {down})",
                              "en": " (of which reactions: 👍 {up} · 👎 {down})"},
    "report_gpu": {"ru": "GPU {gpu} {name}: память пик {memory}, загрузка пик {peak}, средняя {mean}",
                   "en": "GPU {gpu} {name}: peak memory {memory}, utilisation peak {peak}, mean {mean}"},
    "report_unanswered": {"ru": "Чаще всего без ответа:", "en": "Most asked without an answer:"},
    "report_kind_text": {"ru": "текст", "en": "text"},
    "report_kind_voice": {"ru": "голос", "en": "voice"},
    "report_kind_document": {"ru": "документы", "en": "documents"},
    "report_kind_other": {"ru": "прочее", "en": "other"},
    "report_outcome_answered": {"ru": "отвечено", "en": "answered"},
    "report_outcome_not_found": {"ru": "не найдено", "en": "not found"},
    "report_outcome_error": {"ru": "ошибка", "en": "error"},
    "report_outcome_pending": {"ru": "в работе", "en": "pending"},
    "report_outcome_message": {"ru": "без вопроса", "en": "no question"},
    "report_chart_title": {"ru": "{day}: сообщений {messages}, вопросов {questions}",
                           "en": "{day}: {messages} messages, {questions} questions"},
    "report_chart_hour": {"ru": "час ({tz})", "en": "hour ({tz})"},
    "report_chart_messages": {"ru": "сообщений в час", "en": "messages per hour"},
    "report_chart_p95": {"ru": "ответ p95, с", "en": "answer p95, s"},
    # --- escalation and tickets (bot/dialog/escalation.py)
    "ticket_created": {"ru": "Заявка №{ticket} создана, ответ придёт сюда же.",
                       "en": "Ticket #{ticket} is created; the answer will come here."},
    "ticket_saved": {
        "ru": "Запрос сохранён и будет передан сотрудникам: система заявок сейчас недоступна. "
              "Номер заявки пришлю сюда же.",
        "en": "Your request is saved and will reach the staff: the ticket system is unavailable right now. "
              "I will send the ticket number here.",
    },
    "human_already": {"ru": "По этому вопросу человек уже позван{ticket}. Ответ придёт сюда же.",
                      "en": "A human has already been asked about this question{ticket}. The answer will come here."},
    "human_already_ticket": {"ru": " (заявка №{ticket})", "en": " (ticket #{ticket})"},
    "admin_escalation": {
        "ru": "🙋 {who} просит человека в чате «{chat}».\nВопрос: {question}",
        "en": "🙋 {who} asks for a human in “{chat}”.\nQuestion: {question}",
    },
    "admin_escalation_ticket": {"ru": "Заявка №{ticket}: {url}", "en": "Ticket #{ticket}: {url}"},
    "admin_ticket_failed": {
        "ru": "⚠️ Не удалось создать заявку по запросу №{escalation} после всех попыток: {error}\n"
              "{who}, чат «{chat}». Вопрос: {question}",
        "en": "⚠️ Could not create a ticket for request #{escalation} after every attempt: {error}\n"
              "{who}, chat “{chat}”. Question: {question}",
    },
    "support_reply": {"ru": "💬 Ответ поддержки по заявке №{ticket}:\n\n{text}\n\n"
                            "Ответьте на это сообщение, чтобы дописать в заявку.",
                      "en": "💬 Support replied to ticket #{ticket}:\n\n{text}\n\n"
                            "Reply to this message to add to the ticket."},
    "ticket_resolved": {"ru": "✅ Заявка №{ticket} решена.", "en": "✅ Ticket #{ticket} is resolved."},
    "reply_added": {"ru": "Добавил в заявку №{ticket}.", "en": "Added to ticket #{ticket}."},
    "reply_failed": {"ru": "Не удалось передать сообщение в заявку №{ticket}, попробуйте позже.",
                     "en": "Could not add the message to ticket #{ticket}; please try again later."},
    "ticket_doc_title": {"ru": "Заявка №{ticket} (решена {date})", "en": "Ticket #{ticket} (resolved {date})"},
    "ticket_review": {
        "ru": "📚 Решённая заявка для базы знаний:\n\n{text}",
        "en": "📚 A resolved ticket for the knowledge base:\n\n{text}",
    },
    "btn_kb_add": {"ru": "Добавить в базу", "en": "Add to the base"},
    "btn_kb_skip": {"ru": "Пропустить", "en": "Skip"},
    "kb_added": {"ru": "Добавлено в базу знаний: {title}", "en": "Added to the knowledge base: {title}"},
    "kb_skipped": {"ru": "Пропущено: {title}", "en": "Skipped: {title}"},
    "kb_decided": {"ru": "Уже решено.", "en": "Already decided."},
    "offer_human": {"ru": "Жаль, что ответ не помог. Передать вопрос сотруднику?",
                    "en": "Sorry the answer did not help. Shall I pass the question to a person?"},
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


def as_lang(value: str | None, default: Lang) -> Lang:
    """A stored language code as a ``Lang``: one the bot speaks, else ``default``."""
    return "en" if value == "en" else "ru" if value == "ru" else default


def detect_language(text: str, default: Lang = "ru") -> Lang:
    """"ru" when Cyrillic letters dominate, "en" when Latin ones do, else ``default``."""
    cyrillic = sum(1 for ch in text if "а" <= ch.lower() <= "я" or ch in "ёЁ")
    latin = sum(1 for ch in text if "a" <= ch.lower() <= "z")
    if cyrillic == latin == 0:
        return default
    return "ru" if cyrillic >= latin else "en"
