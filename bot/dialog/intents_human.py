"""Requests for a person beyond a contact verb and a person word (those are in intents_rules.py).

A whole message that calls for someone («есть кто живой?», "who can I talk to?"), the bot refused or called useless,
help or a consultation from a person rather than with a task, escalation, a complaint to lodge, the chat taken over.
Each form is sure on its own; a question about people or escalation («как эскалировать инцидент?», "who approves
refunds?") is left to intents_rules.py's question guards. Texts come lowercased, with «ё» as «е».
"""

from __future__ import annotations

from bot.dialog import intent_lexicon as lex

_PLEASE = lex.PLEASE
_ADJ_RU, _ADJ_EN = lex.PERSON_ADJECTIVE_RU, lex.PERSON_ADJECTIVE_EN
_NOT_FOR_A_TASK = lex.NOT_FOR_A_TASK
# The people a hand-off reaches, short lists: the full person classes cost compile time at import in every form.
_SOMEONE_RU = (r"(?:(?:жив|реальн|настоящ|ответственн|ваш)\w*\s+)?(?:человек\w*|оператор\w*|менеджер\w*|специалист\w*|"
               r"консультант\w*|сотрудник\w*|руководител\w*|руководств(?:у|ом)\b|живого|живым)")
_SOMEONE_EN = (r"(?:(?:a|an|the|your|some|real|live|actual)\s+){0,3}(?:humans?|person|people|agent|operator|manager|"
               r"supervisor|representative|some(?:one|body))")
_either = lex.either

# The whole message calls for someone: «есть кто живой?», «оператор, ответьте», «где живой человек», "human please".
CALL_FOR_SOMEONE = _either(
    r"^\W*(?:ау\W+|алло\W+|hello\W+)?(?:(?:есть\s+)?(?:тут\s+|здесь\s+)?кто(?:-?(?:то|нибудь|либо))?"
    r"(?:\s+(?:живой|живые|из\s+людей|тут|здесь|есть|на\s+связи)){1,3}|есть\s+(?:тут\s+|здесь\s+)?кто"
    r"(?:-?(?:то|нибудь|либо))?)\W*$",
    r"^\W*(?:а\s+)?есть\s+(?:тут\s+|здесь\s+|у\s+вас\s+)?(?:живые\s+люди|живой\s+человек|живые|люди|операторы?)"
    r"(?:\s+(?:тут|здесь))?\W*$",
    r"^\W*где\s+(?:тут\s+|у\s+вас\s+)?(?:живой\s+человек|живые\s+люди|оператор|человек|живой|люди)\W*$",
    r"^\W*(?:оператор|менеджер|человек|специалист|поддержка|operator|agent|human|support)[\s,!]+(?:ответь\w*|"
    r"отзовит\w*|отзовись|вы\s+тут|где\s+вы|ау|алло|помогите|are\s+you\s+there|anyone|help)\W*$",
    # "is anyone there?" also as the last clause: "i've been waiting for an hour, is anyone there?"
    r"(?:^|[,;.!?])\W*(?:hello\W+)?(?:is\s+)?(?:there\s+)?(?:any|some)(?:one|body)(?:\s+"
    r"(?:(?:from|on|in)\s+(?:the\s+|your\s+)?\w+\s+)?(?:there|here|around|alive|real|available|online))?\W*$",
    r"^\W*(?:are|is)\s+there\s+(?:any|a|some|real)?\s*(?:humans?|people|persons?|real\s+people|live\s+agents?)"
    r"(?:\s+(?:here|there|around|online))?\W*$",
    rf"^\W*(?:(?:дайте|давайте|можно|позовите|нужен|нужна|a|an)\s+)?(?:{_ADJ_RU}{{0,2}}(?:человек\w*|оператор\w*|"
    rf"менеджер\w*|специалист\w*|сотрудник\w*|консультант\w*|живого)|(?:тех)?поддержк[аиу]|"
    rf"customer\s+(?:service|support|care)|{_ADJ_EN}{{0,2}}(?:human|person|operator|agent|representative|rep|manager|"
    rf"supervisor)|support)(?:[\s,!]+(?:{_PLEASE}|нужен|нужна|дайте|давайте|мне|me))*\W*$",
    r"^\W*(?:please\s+|pls\s+)?escalate\b(?!.*\?)",
    # with no topic, whom to talk to or whether anyone can help asks for a person: "who can I talk to?", «с кем
    # можно поговорить?», "is a human available?", «кто-нибудь может мне помочь?» («…помочь с excel?» is a question)
    r"^\W*(?:so\s+|then\s+|ok\s+)?who\s+(?:can|could|should|do)\s+i\s+(?:talk|speak|chat)\s+(?:to|with)"
    r"(?:\s+(?:here|now|then))?\s*(?:[.?!]|$)",
    r"^\W*(?:а\s+|так\s+)?с\s+кем\s+(?:тут\s+|здесь\s+|у\s+вас\s+)?(?:можно\s+|мне\s+|могу\s+)?(?:поговорить|"
    r"пообщаться|связаться)(?:\s+(?:тут|здесь|сейчас))?\s*(?:[.?!]|$)",
    r"^\W*(?:(?:is|are)\s+(?:there\s+)?)?(?:a|an|any|some)?\s*(?:real\s+|live\s+)?(?:humans?|persons?|people|agents?|"
    r"operators?|representatives?)\s+(?:available|around|here|there|online)(?:\s+(?:now|today))?\W*$",
    r"^\W*(?:(?:а|ну)\s+)?кто-?(?:нибудь|то|либо)\s+(?:может|можете|сможет)\s+(?:мне\s+)?помочь\W*$",
    r"^\W*(?:помогите|ответьте|отзовитесь)(?:\s+мне)?[\s,]+(?:же\s+)?(?:хоть\s+)?кто-?(?:нибудь|то|либо)\W*$",
    r"^\W*(?:хоть\s+)?кто-?(?:нибудь|то|либо)[\s,]+(?:ответьте|отзовитесь|помогите)\W*$",
    # asked as a question, but only the person is asked about: «можно ли поговорить с оператором?», «связь с
    # оператором», "is it possible to talk to a human?" («можно ли связаться с менеджером в выходные?» asks when)
    rf"^\W*(?:а\s+)?(?:(?:можно|могу)\s+ли\s+(?:я\s+|мне\s+)?(?:поговорить|связаться|пообщаться)|(?:нужна\s+)?связь)\s+"
    rf"с(?:о)?\s+(?:{_SOMEONE_RU}|(?:тех)?поддержк\w*)(?:\s+(?:сейчас|срочно))?\W*$",
    rf"^\W*is\s+it\s+possible\s+to\s+(?:talk|speak|chat)\s+(?:to|with)\s+{_SOMEONE_EN}"
    rf"(?:\s+(?:now|please))?\W*$",
    r"^\W*is\s+there\s+(?:any|some)(?:one|body)\s+(?:(?:from|on|in|at)\s+(?:the\s+|your\s+)?\w+\s+)?(?:who|that)\s+"
    r"(?:can|could)\s+help(?:\s+me)?(?:\s+(?:please|now|here))?\W*$")
# The bot refused: «не хочу с ботом», «задолбал бот», "i don't want to talk to a bot".
NO_BOT = _either(
    r"(?<!\w)(?:не\s+хочу|не\s+буду|не\s+надо|хватит|надоел\w*|достал\w*|задолбал\w*|без)\s+(?:\w+\s+){0,3}?"
    r"(?:ро)?бот\w*",
    r"(?<!\w)с\s+бот(?:ом)?\s+не\s+(?:хочу|буду)",
    r"\b(?:don'?t|do\s+not|dont)\s+(?:want|wanna|need|like)\s+(?:\w+\s+){0,4}?(?:bots?|robots?|machines?|ai|"
    r"chatbots?)\b",
    r"\bno\s+(?:more\s+)?(?:bots?|robots?)\b", r"\b(?:stop|enough)\s+(?:of\s+)?(?:the\s+|this\s+)?bot\b")

# More ways to ask for a person, each a form of its own rather than a verb and a person word side by side.
HANDOFF = _either(
    # help from someone, not help with something: «нужна помощь человека», «консультация живого специалиста», "help
    # from a real person" — but «помощь специалиста по 1С», "help from someone in finance" want a task done
    rf"(?<!\w)(?:помощ[ьи]|консультаци[яюи])\s+{_SOMEONE_RU}(?!\w)"
    rf"(?![\s,]+(?:по|для|чтобы|при|в|с|о|об)\b)",
    rf"\b(?:help|assistance|support)\s+from\s+{_SOMEONE_EN}\b{_NOT_FOR_A_TASK}"
    rf"(?!\s+(?:with|in|on|at)\b)",
    r"\b(?:need|want|get|require)\s+(?:some\s+)?(?:real\s+)?human\s+(?:help|assistance)\b",
    # someone to take the case: «пусть мной займётся человек», «хочу, чтобы моим вопросом занялся специалист»
    r"(?<!\w)(?:мной|моим\s+(?:вопросом|обращением|делом))\s+(?:\w+\s+)?(?:займ[её]тся|займутся|занял(?:ся|ась|ись))"
    r"(?!.*\?)|(?<!\w)займитесь\s+мной",
    # waiting for a person's answer or call: «уже час жду ответа от оператора», «жду звонка менеджера»
    rf"(?<!\w)жд(?:у|ем)\s+(?:\w+\s+){{0,2}}?(?:ответа|звонка|связи)\s+(?:от\s+)?(?:{_SOMEONE_RU}|(?:тех)?поддержк\w*)"
    rf"(?!\w)",
    # the chat taken over or looked at by a person ("can a human take over?"; "take over my project" is a task)
    r"\b(?:a|an|the)\s+(?:real\s+|live\s+|actual\s+)?(?:human|person|agent|operator|representative)\s+(?:\w+\s+)?"
    r"take\s+over\b(?!\s+(?:my|his|her|their)\b)",
    r"\b(?:real|live|actual)\s+(?:person|human|agent)\s+(?:\w+\s+)?(?:look\s+at|check|handle|review)\s+(?:this|it|my)\b",
    # «…кто у вас главный? соедините», "transfer me": the connecting verb ends the clause, its person understood
    rf"(?<!\w)(?:соедини(?:те)?|переключи(?:те)?)(?:\s+(?:меня|нас))?(?:[\s,]+{_PLEASE})?\s*(?:[.!?]|$)",
    r"\b(?:transfer|connect|forward)\s+me(?:\s+(?:please|pls|now))?\s*(?:[.!?]|$)",
    # escalation asked for («эскалируйте», «прошу эскалировать», "I want to escalate this"); how it works is asked
    r"(?<!\w)(?:за)?эскалируй(?:те)?(?!\w)|(?<!\w)(?:прошу|просьба|хочу|можете|давайте)\s+(?:\w+\s+)?(?:за)?эскалировать",
    r"\b(?:please\s+|pls\s+|can\s+you\s+|could\s+you\s+|i\s+(?:want|need|would\s+like|'d\s+like)\s+to\s+|let\s+me\s+)"
    r"escalate(?:\s+(?:this|it|my|me|to|the\s+(?:issue|case|ticket|matter|problem))\b|\W*$)",
    # a person wanted instead of the bot: «помощь человека, а не робота», "with a person, not a bot" (but «человек, а
    # не бот, написал статью?», "this is a person not a bot account" only say who someone is)
    rf"(?<!\w)(?:с|со|нужен|нужна|хочу|дайте|позовите|помощь|к)\s+(?:\w+\s+){{0,2}}?{_SOMEONE_RU}[\s,]+(?:а\s+)?не\s+"
    rf"(?:с\s+|к\s+)?(?:ро)?бот\w*(?!.*\?)",
    rf"(?<!\w)не\s+(?:с\s+|к\s+)?(?:ро)?бот\w*[\s,]+а\s+(?:с\s+|к\s+)?{_SOMEONE_RU}(?!.*\?)",
    r"\b(?:with|to|from|need|want|get|give\s+me)\s+(?:a\s+|an\s+|some\s+|real\s+|live\s+|actual\s+)*(?:human|person|"
    r"people|agent|operator|some(?:one|body))[\s,]+(?:and\s+|but\s+)?not\s+(?:with\s+|to\s+)?"
    r"(?:a\s+|the\s+|this\s+|some\s+)?(?:ro|chat)?bot\b(?!.*\?)",
    # the bot called useless: «бот тупит», «бесполезный бот», "this bot is useless" (what follows may still ask)
    r"(?<!\w)(?:ро)?бот\w*\s+(?:\w+\s+)?(?:тупит|тупой|бесполезн\w*|не\s+помогает|ничего\s+не\s+(?:понимает|знает))",
    r"(?<!\w)(?:тупой|тупого|бесполезн\w*|глуп\w*)\s+(?:ро)?бот\w*",
    r"\b(?:this|the|your)\s+(?:ro|chat)?bot\s+(?:is\s+)?(?:so\s+|totally\s+|completely\s+)?(?:useless|stupid|dumb|"
    r"not\s+helping|(?:doesn'?t|does\s+not|can'?t|cannot)\s+(?:help|understand))",
    r"\b(?:useless|stupid|dumb)\s+(?:ro|chat)?bot\b",
    # a complaint to lodge, with nothing or a person or the service as its object («хочу пожаловаться на кофемашину»
    # reports a fault: a question)
    rf"(?<!\w)(?:хочу|хотел\w*|желаю|буду|будем|требую)\s+(?:бы\s+)?(?:(?:по)?жаловаться|(?:оставить|подать|написать)\s+"
    rf"(?:официальн\w+\s+)?(?:жалоб\w+|претензи\w+))(?:\s+на\s+(?:{_SOMEONE_RU}|обслуживани\w*|сервис\w*|"
    rf"поддержк\w*))?\s*(?:[.!]|$)",
    r"(?<!\w)жалобн\w+\s+книг\w*",
    r"\b(?:i\s+(?:want|wish|need|would\s+like|'d\s+like)\s+to|i'?m\s+going\s+to|i\s+will|let\s+me)\s+(?:complain|"
    r"(?:make|file|lodge|submit|raise|register)\s+a\s+(?:formal\s+|official\s+)?complaint)(?:\s+(?:about|against)\s+"
    r"(?:your|the|this)\s+(?:service|staff|support|agent|manager|employee|company|bot))?\s*(?:[.!]|$)",
    # a call from someone, or contact, asked for: "can I get a call from a manager?", «чтобы мне перезвонили»,
    # «прошу связаться со мной»
    rf"\b(?:get|have|receive|arrange)\s+a\s+(?:call|callback|call\s*-?back|phone\s+call)\s+from\s+{_SOMEONE_EN}\b",
    r"(?<!\w)чтобы\s+(?:[\w-]+\s+){0,3}?(?:перезвонил\w*|позвонил\w*|связал(?:ся|ась|ись))",
    r"(?<!\w)(?:прошу|просьба|можете|могли\s+бы)\s+(?:\w+\s+)?(?:связаться\s+со\s+мной|со\s+мной\s+связаться)")
