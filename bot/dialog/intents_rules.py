"""The rules for small talk, a person and a meeting (bot/dialog/intents.py puts them in order).

They combine the word classes of intent_lexicon.py into structures, each unambiguous on its own: «встреча» alone is
not a meeting request («какой регламент у встреч с клиентами?» is a question), but a scheduling verb followed by a
meeting word is; «менеджер» alone asks nothing, «позовите менеджера» asks for a person. A question about a meeting or
a person («как связаться с поддержкой?», "how do I book a meeting room?") stays a question. benchmarks/tuning*/ hold
the hard negatives; `python -m benchmarks run intents --rules-only` measures the rules' precision.
Texts come lowercased, with «ё» as «е» (``normalised``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.dialog import intent_lexicon as lex
from bot.dialog.intents_human import CALL_FOR_SOMEONE, HANDOFF, NO_BOT
from bot.dialog.intents_other import is_notice

if TYPE_CHECKING:
    from bot.dialog.meetings.parse import MeetingRequest

_I = re.IGNORECASE
_PLEASE = lex.PLEASE

_either = lex.either


# --- questions about people and meetings -----------------------------------------------------------------------------
# Asking whether something is needed or allowed, not asking for it: «нужен ли менеджер…», "do I need to speak with the
# manager before…", «совещание обязательно для всех?».
_ASKS_ABOUT = _either(r"\b(?:нужен|нужна|нужно|нужны|надо|обязательно|можно|возможно)\s+ли\b",
                      r"^\W*(?:do|does|should|must|shall)\s+(?:i|we|one|employees?|staff)\b",
                      r"\bis\s+it\s+(?:possible|ok|okay|allowed)\b",
                      r"\b(?:обязательн\w*|необязательн\w*|mandatory|required|optional)\b")
# A message opening with a question word asks about something, even when it names a person or a meeting; so does a
# question clause after the request («встреча завтра в 10, какой дресс-код?»). «кто-нибудь» is not «кто», and "how
# about we meet" is a proposal.
_WH = (r"(?:how(?!\s+about)|what|where|which|why|who|когда|как|какой|какая|какие|каков\w*|где|что|почему|зачем|кто|"
       r"сколько)(?!-)\b")
_WH_START = re.compile(rf"^\W*(?:(?:а|и|ну|так|слушай|скажи(?:те)?|подскажи(?:те)?|hey|so|and|ok|ок|во|до|со|в|"
                       rf"с|по|на|у)\W+)*{_WH}", _I)
_WH_CLAUSE = re.compile(r"[,.;:!?—–]\s*(?:а\s+|и\s+|and\s+|but\s+|so\s+)?(?:как(?!\s+(?:тебе|вам))|какой|какая|какие|"
                        r"где|что|почему|зачем|сколько|кто(?=\s+(?:это|он|она|такой|такая))|how|what(?!\s+time)|where|"
                        r"why|which)(?!-)\b", _I)


def asks_about(text: str) -> bool:
    """A question about something, not a request for it."""
    return bool(_WH_START.search(text) or _ASKS_ABOUT.search(text) or _WH_CLAUSE.search(text))


# --- small talk ------------------------------------------------------------------------------------------------------
_SMALLTALK_ITEM = rf"(?:{lex.SMALLTALK_UNIT}|{lex.SMALLTALK_FILLER})"
_SMALLTALK = re.compile(rf"\W*{_SMALLTALK_ITEM}(?:\W+{_SMALLTALK_ITEM})*\W*", _I)
_SMALLTALK_UNIT = re.compile(rf"(?<!\w){lex.SMALLTALK_UNIT}(?!\w)", _I)
_ONLY_PUNCTUATION = re.compile(r"[\s\d.,!?…:;\"'«»\-–—*#@/\\]*")


def squeezed(text: str, keep: int) -> str:
    """Letters typed three or more times in a row cut to ``keep``: «спасибооо», "hiii", "cooool"."""
    return re.sub(r"(\w)\1{2,}", r"\1" * keep, text)


def is_smalltalk(text: str) -> bool:
    """Only greetings, thanks, goodbyes, compliments, wishes, how-are-you and acknowledgements, or only emoji."""
    if not re.search(r"\w", text):
        return not _ONLY_PUNCTUATION.fullmatch(text)  # 👍, 🙏, «))» — but "???" is not small talk
    if len(text) > 100 or len(text.split()) > 12:
        return False
    return any(_SMALLTALK.fullmatch(form) and _SMALLTALK_UNIT.search(form)
               for form in (squeezed(text, 1), squeezed(text, 2)))


# --- human -----------------------------------------------------------------------------------------------------------
_ADJ_RU, _ADJ_EN = lex.PERSON_ADJECTIVE_RU, lex.PERSON_ADJECTIVE_EN
_NOT_FOR_A_TASK = lex.NOT_FOR_A_TASK
_ASK_FOR_PERSON = _either(
    # «позовите человека», «можно поговорить с кем-то из поддержки», «соедините со специалистом»
    rf"(?<!\w){lex.ASK_FOR_RU}[\s,]+{lex.BETWEEN_RU}{_ADJ_RU}{{0,2}}{lex.PERSON_RU}(?!\w){_NOT_FOR_A_TASK}",
    rf"(?<!\w){lex.CONTACT_VERB_RU}[\s,]+{lex.BETWEEN_RU}{_ADJ_RU}{{0,2}}{lex.SUPPORT_RU}",
    # the person first: «с оператором соедините», «менеджера позовите»
    rf"\bс(?:о)?\s+{_ADJ_RU}{{0,2}}(?:{lex.PERSON_RU}|{lex.SUPPORT_RU})[\s,]+(?:{_PLEASE}[\s,]+)?"
    rf"(?:(?:можно|могу|хочу)\s+)?(?:соедини\w*|свяжи\w*|поговорить|пообщаться|связаться|побеседовать|переговорить|"
    rf"дайте\s+поговорить)",
    rf"(?<!\w){_ADJ_RU}{{0,2}}{lex.PERSON_RU}[\s,]+(?:{_PLEASE}[\s,]+)?(?:позови\w*|позвать|дай(?:те)?|зови\w*|"
    rf"подключи\w*|пригласи\w*|соедини\w*|свяжи\w*|переключи\w*)(?!\w)",
    # "talk to a human", "get me a real person", "connect me with support"
    rf"\b{lex.ASK_FOR_EN}\s+{lex.BETWEEN_EN}{_ADJ_EN}{{0,3}}{lex.PERSON_EN}\b{lex.NOT_THE_PERSON_EN}{_NOT_FOR_A_TASK}",
    rf"\b{lex.CONTACT_VERB_EN}\s+{lex.BETWEEN_EN}{_ADJ_EN}{{0,3}}{lex.SUPPORT_EN}\b")
_GET_IN_TOUCH = _either(
    # "can someone from your team contact me", "can a real person help me", "is there a manager i can speak to"
    rf"\b(?:{lex.PERSON_EN}|{lex.SUPPORT_EN}|your\s+team|you\s+guys)\s+(?:{_PLEASE}\s+|to\s+)?"
    rf"{lex.GET_IN_TOUCH_EN}\s+(?:me|us)\b",
    r"\b(?:real|live|actual)\s+(?:person|human|agent|people)\s+(?:\w+\s+)?(?:help|take\s+over|answer|respond)",
    rf"\bis\s+there\s+(?:a|an|any)\s+(?:real\s+|live\s+|actual\s+)?(?:{lex.PERSON_EN}|one)\s+(?:i|we)\s+"
    rf"(?:can|could)\s+(?:talk|speak|chat)",
    # «пусть менеджер мне перезвонит», «свяжитесь со мной»
    rf"(?<!\w)(?:пусть|попроси(?:те)?|скажи(?:те)?|чтобы)\s+(?:[\w-]+[\s,]+){{0,3}}?{lex.GET_IN_TOUCH_RU}",
    rf"(?<!\w){lex.PERSON_RU}\s+(?:пусть\s+)?(?:мне\s+|со\s+мной\s+)?{lex.GET_IN_TOUCH_RU}",
    r"(?<!\w)(?:свяжитесь|свяжись)\s+со\s+мной",
    # a call back ordered: «закажите обратный звонок», "i want a callback"
    r"(?<!\w)(?:хочу|нужен|закажите|заказать|оставьте|оставить)\s+(?:\w+\s+)?обратн\w+\s+звон\w*",
    r"\b(?:request|want|need|get|book)\s+(?:a\s+)?call\s*-?back\b")
# The last sentence of several: what a message ends by asking for.
_LAST_SENTENCE = re.compile(r"(?<=[.?!])\s*[^.?!]+[.?!]*\s*$")
# «перезвоните мне» asks for a person; with a time («наберите меня в 16:00») it asks for a call — a meeting.
_CALL_ME = _either(r"(?<!\w)(?:(?:пере)?звон(?:ите|и)|позвони(?:те)?|набер(?:ите|и)|звякни(?:те)?)\s+(?:мне|меня)",
                   r"(?<!\w)(?:прошу|просьба|можете|могли\s+бы)\s+(?:мне\s+)?перезвонить",
                   # «перезвоните, пожалуйста, по номеру…», «перезвоните!»: the number is the user's
                   rf"(?<!\w)перезвон(?:ите|и)(?:[\s,]+{_PLEASE})?(?:[\s,]+(?:на\s+(?:этот\s+|мой\s+)?(?:номер|телефон)|"
                   rf"по\s+(?:этому\s+|моему\s+)?(?:номеру|телефону)|\+?\d)|\W*$)",
                   r"\b(?:call|ring)\s+me\b", r"\bgive\s+me\s+a\s+(?:call|ring)\b")
def is_human(text: str) -> bool:
    """A person asked for, someone asked to get in touch, a call for anyone alive, or the bot refused."""
    last = _LAST_SENTENCE.search(text)
    last_sentence = last[0] if last and last.start() > 0 else ""
    if CALL_FOR_SOMEONE.search(text) or (last_sentence and CALL_FOR_SOMEONE.search(last_sentence)):
        return True  # the whole message, or its last sentence, is the call: «почему никто не отвечает? оператор!»
    if NO_BOT.search(text) and not _WH_START.search(text):
        return True  # «задолбал бот, где люди»: the bot refused, whatever follows
    if _CALL_ME.search(text) and _has_when(text):
        return False  # a call at a time: a meeting
    if asks_about(text):
        # a question, then a person demanded in a last sentence that asks nothing: "who handles refunds? I want to
        # speak to someone now" («хочу поговорить с менеджером. как это сделать?» stays a question)
        return bool(last_sentence) and not asks_about(last_sentence) and _asks_for_person(last_sentence)
    return _asks_for_person(text)


def _asks_for_person(text: str) -> bool:
    return bool(_ASK_FOR_PERSON.search(text) or _GET_IN_TOUCH.search(text) or _CALL_ME.search(text)
                or HANDOFF.search(text))


# --- meeting ---------------------------------------------------------------------------------------------------------
_STRONG_NOUN_RU = r"(?:встреч\w*|созвон\w*|звон(?:ок|ка)|колл(?:а|у)?\b|митинг\w*|демо\b|1:1|зум\w*)"
_STRONG_NOUN_EN = r"(?:meeting|call|sync|demo|catch[\s-]?up|1:1|appointment|zoom)"
# Where an English imperative can stand: "book a call" — but not "my plan includes calls".
_CLAUSE_START = (r"(?:^|[,.;:!?]\s*|\b(?:please|pls|plz|can\s+you|could\s+you|would\s+you|can\s+u|can\s+i|could\s+i|"
                 r"may\s+i|and|also|then|i\s+want\s+to|i\s+need\s+to|i'?d\s+like\s+to|i\s+would\s+like\s+to|"
                 r"need\s+to|want\s+to|to|help\s+me|i'?ll|we\s+need\s+to|let'?s|lets)\s+)")
_MEETING = _either(
    # a scheduling verb and a meeting word: «назначь встречу», «перенеси созвон», "move my 1:1", "cancel the sync"
    rf"(?<!\w){lex.SCHEDULE_VERB_RU}[\s,]+(?:{_PLEASE}[\s,]+)?(?:[\w-]+[\s,]+){{0,3}}?{lex.MEETING_NOUN_RU}",
    rf"{_CLAUSE_START}{lex.SCHEDULE_VERB_EN}\s+(?:[\w'’:-]+\s+){{0,3}}?{lex.MEETING_NOUN_EN}\b",
    rf"(?<!\w){lex.MEETING_NOUN_RU}\s+(?:[\w-]+\s+){{0,3}}?(?:перенес(?:и|ите)|отмен(?:и|ите)|сдвин\w*|передвин\w*|"
    rf"назнач(?:ь|ьте)|постав(?:ь|ьте)|запланируй(?:те)?)(?!\w)",
    rf"{_CLAUSE_START}(?:reschedule|move|push|shift|bump|cancel|postpone)\s+(?:my|our|the|today'?s|tomorrow'?s)\s+"
    rf"\d{{1,2}}(?::\d\d)?\s*(?:am|pm)?\b(?!\s*(?:order|delivery|invoice|payment))",
    # a proposal: «давай созвонимся», «можем пересечься?», «созвонимся завтра», "let's meet", "can we hop on a call"
    rf"(?<!\w){lex.MEET_MODAL_RU}\s+(?:бы\s+)?(?:[\w-]+\s+)?{lex.MEET_VERB_RU}",
    r"(?<!\w)(?:созвонимся|встретимся|пересеч[её]мся|встречаемся|созваниваемся)(?!\w)",
    rf"\b{lex.MEET_MODAL_EN}\s+(?:\w+\s+)?{lex.MEET_VERB_EN}",
    rf"\b{lex.MEET_MODAL_EN}\s+(?:\w+\s+)?(?:have|do|grab|book|schedule|set\s+up)\s+(?:a|an)\s+(?:[\w-]+\s+)?"
    rf"{lex.MEETING_NOUN_EN}\b",
    rf"\b(?:let'?s|lets|can\s+we|could\s+we|wanna)\s+grab\s+(?:some\s+|a\s+)?{lex.TIME_SPAN}",
    # a meeting wanted: «нужна встреча с юристом», "i need a call with legal"
    rf"(?<!\w)(?:нуж(?:ен|на|но)|надо|хочу|хотим|хотел\w*|прошу|требуется)\s+(?:бы\s+)?(?:[\w-]+\s+){{0,2}}?"
    rf"{_STRONG_NOUN_RU}",
    rf"\b(?:need|want|would\s+like|'d\s+like|requesting)\s+(?:to\s+(?:book|schedule|set\s+up|have|arrange|get)\s+)?"
    rf"(?:a|an|some|another)\s+(?:[\w-]+\s+){{0,2}}?{_STRONG_NOUN_EN}\b",
    # time with someone: «забронируй полчаса с Анной», "book 30 min with John"
    rf"(?<!\w)(?:заброни\w*|заня\w*|займи\w*|заблокир\w*|выдели\w*|найди\w*|подбери\w*)\s+(?:\w+\s+){{0,2}}?"
    rf"{lex.TIME_SPAN}\s+(?:с|со|у)\s+\w",
    rf"\b(?:book|block|grab|find|get|schedule|carve\s+out|need|want)\s+(?:some\s+|a\s+)?{lex.TIME_SPAN}\s+with\b",
    # availability asked: «свободен завтра?», "are you free for a call", «есть время на созвон?»
    r"\b(?:are\s+you|r\s+u|you|u)\s+free\b(?!\s+(?:to\s+use|of\s+charge))",
    r"^\W*(?:are\s+you\s+|r\s+u\s+|u\s+)?free\s+(?:tomorrow|today|tonight|at|on|this|next|later|after)\b",
    r"^\W*(?:ты\s+|вы\s+)?свободн\w*\s+(?:завтра|сегодня|в\s+\d|после|вечером|утром|на\s+(?:неделе|этой|следующей))",
    r"\b(?:available|time)\s+for\s+a\s+(?:\w+\s+)?(?:call|meeting|chat|sync|zoom)\b", r"\bslot\s+for\s+a\s+",
    r"\bесть\s+(?:ли\s+)?(?:у\s+(?:вас|тебя)\s+)?время\s+(?:на|для)\s+(?:\w+\s+)?(?:звон\w*|созвон\w*|встреч\w*)")
# «когда вам удобно созвониться?», "when works for you?": a question in form, a proposal to meet in fact.
_WHEN_TO_MEET = _either(
    r"^\W*(?:когда|в\s+какое\s+время|во\s+сколько)\s+(?:(?:вам|тебе|нам|бы)\s+)?(?:\w+\s+)?(?:удобно|можно|получится|"
    r"сможем|сможете|сможешь|можем|свободн\w*)\s+(?:\w+\s+)?(?:созвониться|встретиться|пересечься|увидеться|созвон)",
    r"^\W*when\s+(?:are\s+you|r\s+u|would\s+you\s+be)\s+(?:free|available)\b(?!.*\b(?:open|support|office)\b)",
    r"^\W*(?:when|what\s+time)\s+(?:works|would\s+work|suits|is\s+good)\b",
    r"^\W*when\s+can\s+we\s+(?:meet|talk|call|sync|catch\s+up|hop\s+on)")
_MEETING_WORD = re.compile(lex.MEETING_WORD, _I)
# With no verb, a meeting word and a time may be a question about a meeting that exists: «завтра в 9 планерка или
# в 10?», «созвон завтра будет записываться?», "is the 3pm meeting still on?". A question word anywhere, a choice,
# a must, a future "will be" or a yes/no opening says so.
_ABOUT_A_MEETING = _either(
    r"\b(?:как|какой|какая|какие|каком|какую|где|кто|что|почему|зачем|сколько|куда|чей|чья|ли|или|нужно|надо|должн\w*|"
    r"будет|будут|у\s+нас|how|what|where|who|why|which|whose|or|should|must|still|will\s+(?:it|the|there))(?!-)\b",
    r"^\W*(?:is|are|was|were|does|did|has|have|had)\b")
_LENGTH_HINT = re.compile(r"\d|час|hour|мин|min|\bhr", _I)
# "How do I book a meeting room?" asks how something is done: a question, not a request to book. Also «подскажите,
# как назначить встречу…», "could you tell me how to schedule…" (a how-to anywhere).
_PROCEDURE = _either(r"\bhow\s+(?:to|do|does|can|should|could)\b", r"\bкак\s+(?:мне\s+|нам\s+)?\w+(?:ть|ться|ти)\b")
# A room is booked, not met in: "book a meeting room" is no meeting, "book a room and a meeting with…" is one.
_ROOM = _either(r"\b(?:(?:meeting|conference)\s+)?rooms?\b", r"переговорн\w*(?:\s+комнат\w*)?", r"переговорк\w*")
# Meeting words typed with one slip («встертимся», «созвонимя», "meetign") are read as the word meant. Only words
# that open like one are tried (as for day words in meetings/typos.py), which keeps this cheap.
_MEETING_SPELLINGS = ("встретимся", "встретиться", "встречу", "встреча", "созвонимся", "созвониться", "meeting")
_SLIP_CANDIDATE = re.compile(r"\b(?:вс|со|me)[a-zа-я]{4,9}\b")


@lru_cache(maxsize=4096)
def _spelled(word: str) -> str:
    from bot.keyboard import slip_distance

    return next((known for known in _MEETING_SPELLINGS if known[:2] == word[:2] and abs(len(known) - len(word)) <= 1
                 and slip_distance(word, known) == 1), word)


def is_meeting(text: str) -> bool:
    """A scheduling verb with a meeting word, a proposal to meet, or a meeting word with a day or time."""
    text = _SLIP_CANDIDATE.sub(lambda m: _spelled(m[0]), _ROOM.sub(" ", text))
    if _WHEN_TO_MEET.search(text):
        return True
    if _PROCEDURE.search(text) or asks_about(text):
        return False
    if (_CALL_ME.search(text) and _has_when(text)) or _MEETING.search(text):
        return True
    return not (is_notice(text) or _ABOUT_A_MEETING.search(text)) and _meeting_by_parse(text)


def _meeting_by_parse(text: str) -> bool:
    """A meeting word with a day or time, or a time and a length together, as the meeting parser reads them."""
    named = bool(_MEETING_WORD.search(text))
    if not named and not _LENGTH_HINT.search(text):
        return False  # no meeting word and nothing a length could be read from: spare the parser
    req = _parse(text)
    if named:
        return req.start is not None or req.day is not None or req.problem is not None or req.duration_min is not None
    return req.start is not None and req.duration_min is not None


def _has_when(text: str) -> bool:
    req = _parse(text)
    return req.start is not None or req.day is not None


def _parse(text: str) -> MeetingRequest:
    from bot.dialog.meetings.parse import parse_meeting

    return parse_meeting(text[:300], now=datetime.now(UTC), tz="UTC")  # requests are short; a long text is not one
