"""Vocabulary of the intent rules: word classes as regex fragments, Russian and English.

Each class lists what people really type in a chat — slang, short forms, common typos — not the phrases of any
test set: intents_rules.py and intents_other.py combine these classes into structures (a request verb followed by a
person, a scheduling verb followed by a meeting word…), so a new synonym goes here and every structure learns it.
Texts are matched lowercased, with «ё» read as «е»; for small talk, letters typed three or more times in a row are
squeezed («спасибооо»).
"""

from __future__ import annotations

import re


def any_of(*alternatives: str) -> str:
    """One non-capturing group of the alternatives."""
    return "(?:" + "|".join(alternatives) + ")"


def either(*alternatives: str) -> re.Pattern[str]:
    """The alternatives as one compiled pattern, case aside: each a structure the rules look for."""
    return re.compile("|".join(alternatives), re.IGNORECASE)


# --- small talk: a message made only of these units (and the fillers below) is small talk ---------------------------
GREETING = any_of(
    r"прив(?:ет\w*)?", r"превед\w*", r"приветствую", r"здра(?:в?ств|сь?т|ст)\w*", r"зд[ао]ров\w*", r"ха[йи]", r"х[эе]й",
    r"салют", r"ку(?:-?ку)?", r"йоу?", r"х[эе]лл?оу?", r"алоха", r"хаюшки", r"доброе", r"добрый", r"доброго",
    r"добр\w*\s+(?:утр\w*|дн\w*|день|вечер\w*|ноч\w*|времени\s+суток|всем)", r"(?:утро|день|вечер)\s+добр\w*",
    r"(?:с\s+)?добрым\s+утром", r"утречк\w*", r"спокойной(?:\s+ночи)?", r"споки(?:\s+ноки)?", r"сладких\s+снов", r"hi+",
    r"hey+a?", r"hiya", r"hell?o+", r"hallo", r"howdy", r"yo+", r"greetings", r"g'?day",
    r"(?:good\s+)?(?:morning|afternoon|evening|night)", r"gm", r"gn", r"nighty?(?:\s+night)?", r"nite")
THANKS = any_of(
    r"с?п[ао]с[иеа]б\w*", r"спаибо", r"сяп", r"спс\w*", r"благодар\w*", r"мерси\w*", r"с[еэ]нк\w*", r"от\s+души",
    r"душевно", r"thank\w*(?:\s+(?:you|u|ya|yu))?", r"thx", r"thnx", r"thanx", r"thnks", r"tnx", r"tks",
    r"ty(?:\s*sm|vm)?", r"many\s+thanks", r"much\s+appreciated",
    r"(?:i\s+)?(?:really\s+)?appreciate\s+(?:it|that|this|you|"
    r"(?:the|your|all\s+(?:the|your))\s+(?:help|support|assistance|effort|time))", r"cheers", r"merci", r"danke",
    r"gracias",
    # what the thanks are for: «спасибо за помощь», "thanks for the quick reply"
    r"за\s+(?:помощь|ответ\w*|быстр\w+\s+ответ|информаци\w*|инфу|подсказк\w*|консультаци\w*|совет\w*|вс[её]|это)",
    r"for\s+(?:the\s+|your\s+|all\s+(?:the\s+|your\s+)?)?(?:help|answer|reply|response|info|information|"
    r"quick\s+(?:reply|response|answer)|assistance|support|everything|that|this|time|patience|explanation)",
    r"за\s+(?:оперативност\w*|скорост\w*|терпени\w*|время|понимани\w*|разъяснени\w*)")
BYE = any_of(
    r"пок(?:а|еда|едова|асики|и)(?:-пок\w*)?", r"до\s+(?:свидани\w*|свидос\w*|встречи|связи|завтра|скорого|"
    r"понедельника|вечера|после\w*)", r"досвидос\w*", r"досвидания", r"всего\s+(?:доброго|хорошего|наилучшего)",
    r"хорош\w+\s+(?:дня|вечера|выходных|недели|настроения)", r"удачи", r"бывай(?:те)?", r"чао", r"bye(?:-?bye)?", r"bb",
    r"good\s*bye", r"cya", r"see\s+(?:you|ya|u)", r"later", r"laters", r"ttyl", r"take\s+care", r"catch\s+you\s+later",
    r"gtg", r"g2g", r"gotta\s+go", r"peace(?:\s+out)?",
    r"have\s+a\s+(?:nice|good|great|lovely|wonderful)\s+(?:day|one|evening|weekend|night|week)")
HOW_ARE_YOU = any_of(
    r"как\s+(?:дела|делишки|ты|сам|сама|оно|жизнь|жизня|поживаешь|поживаете|настроени\w*|настрой|твои\s+дела|"
    r"ваши\s+дела|день\s+прош[её]л|выходные|здоровье|вы)", r"что\s+нового", r"чем\s+занят\w*",
    r"ты\s+(?:как|тут|здесь)", r"how\s+(?:are|r)\s+(?:you|u|ya)(?:\s+doing)?", r"hru",
    r"how'?s\s+(?:it\s+going|your\s+day|life|everything|things)", r"how\s+(?:is\s+)?it\s+going",
    r"how\s+(?:you|ya)\s+doin\w*", r"how(?:\s+have|'?ve)\s+you\s+been", r"what'?s\s+(?:up|new|good)", r"wa[sz]+up",
    r"sup", r"wyd", r"(?:are\s+)?you\s+there")
WHO_ARE_YOU = any_of(
    r"кто\s+ты(?:\s+так(?:ой|ая))?", r"ты\s+кто(?:\s+так(?:ой|ая))?",
    r"ты\s+(?:бот|робот|человек|настоящ\w*)(?:\s+или\s+(?:бот|робот|человек|живой|нет))?", r"как\s+тебя\s+зовут",
    r"who\s+are\s+you", r"what\s+are\s+you",
    r"are\s+you\s+(?:a\s+)?(?:bot|robot|human|real|ai)(?:\s+or\s+(?:a\s+)?(?:bot|robot|human|person|not))?",
    r"what'?s\s+your\s+name")
COMPLIMENT = any_of(
    r"(?:а\s+)?(?:ты|вы)\s+(?:(?:прям|просто|самый|самая|реально|такой|такая|очень|ну)\s+)*(?:лучш\w*|супер\w*|"
    r"молод\w*|умни\w*|красав\w*|топ\w*|гени\w*|крут\w*|кл[её]в\w*|классн\w*|золото|чудо|прелесть|огонь|бомба|"
    r"космос|солнышко|прикольн\w*|норм\w*|хорош\w*|мил\w*|умн\w*|славн\w*|забавн\w*|полезн\w*|вежлив\w*)",
    r"(?:самый\s+)?лучш\w+", r"молод(?:ец|чина|цы)", r"умни(?:ца|чка)", r"красав(?:а|чик|ица)", r"респект", r"уважуха",
    r"лайк", r"класс\w*", r"круто", r"крутяк", r"круть", r"огонь", r"топ(?:чик)?", r"бомба", r"выручил\w*",
    r"выручаешь", r"спас(?:ла|ли|аешь)?", r"you\s+saved\s+me", r"made\s+my\s+day", r"шикарн\w*", r"прекрасн\w*",
    r"замечательн\w*", r"отличн\w*", r"великолепн\w*", r"чудесн\w*", r"идеальн\w*", r"кайф\w*", r"здорово", r"супер\w*",
    r"вау", r"ого", r"ух\s+ты",
    r"(?:you|u)(?:'re|\s+are|\s+r|re|r)?\s+(?:so\s+|really\s+|the\s+|a\s+)?(?:awesome|great|amazing|best|star|legend|"
    r"lifesaver|life\s+saver|genius|brilliant|wonderful|fantastic|cool|helpful|smart|rock|gem)",
    r"(?:good|great|nice|smart)\s+(?:bot|job|one|stuff|work)", r"well\s+done", r"nice", r"awesome", r"amazing",
    r"brilliant", r"excellent", r"perfect", r"fantastic", r"wonderful", r"lovely", r"legend", r"lifesaver",
    r"love\s+(?:it|you|this|u)", r"(?:very\s+|super\s+|really\s+|so\s+)?helpful",
    r"(?:you'?ve|you\s+have)\s+been\s+(?:very\s+|so\s+|really\s+|"
    r"super\s+)?(?:helpful|great|amazing|awesome|a\s+great\s+help)", r"wow", r"neat", r"sweet", r"superb", r"bravo",
    r"kudos", r"props")
ACKNOWLEDGEMENT = any_of(
    r"ок(?:ей\w*|е|и|ки|с|к)?(?:-?доки)?", r"o?кк", r"ага", r"угу", r"ну\s+(?:ок|ладно|хорошо|да)", r"понял\w*",
    r"поняла", r"пон", r"понятн\w*", r"ясн\w*", r"уяснил\w*", r"хорошо", r"ладн\w*", r"лады", r"договорились",
    r"принял\w*", r"принято", r"норм\w*", r"пойд[её]т", r"сойд[её]т", r"годится", r"заметано", r"логично", r"вс[её]",
    r"(?:это\s+)?помогло", r"заработало", r"получилось", r"разобрал(?:ся|ась)", r"то\s+что\s+(?:нужно|надо)",
    r"(?:ты|вы)\s+(?:очень\s+|так\s+|мне\s+|реально\s+)*помог\w*",
    r"(?:приятно|рад[аы]?)\s+(?:познакомиться|знакомству)", r"(?:nice|pleased|glad)\s+to\s+meet\s+you",
    r"exactly\s+what\s+i\s+needed", r"you\s+(?:really\s+)?helped(?:\s+a\s+lot)?", r"ok(?:ay|ey|ie|s)?", r"k+",
    r"okie(?:\s+dokie)?", r"oki", r"got\s+(?:it|you|ya)", r"gotcha", r"understood", r"noted",
    r"sounds\s+(?:good|great|perfect|fine)", r"alright", r"all\s+right", r"sure(?:\s+thing)?", r"np",
    r"no\s+(?:problem|worries|prob)", r"fair\s+enough", r"makes\s+sense", r"cool", r"co+l", r"great", r"good", r"fine",
    r"yep", r"yup", r"right", r"(?:that|it)\s+(?:works|helps|helped|worked|did\s+it)", r"will\s+do", r"i\s+see",
    r"roger(?:\s+that)?", r"agreed", r"deal", r"(?:that\s+)?helped", r"буду\s+знать", r"учту", r"запомн\w+",
    r"возьму\s+на\s+заметку", r"(?:это\s+)?(?:супер|отлично|круто|класс|здорово|прекрасно)", r"good\s+to\s+know",
    r"(?:i'?ll|will)\s+keep\s+(?:that|it)\s+in\s+mind",
    r"that'?s\s+(?:great|awesome|cool|nice|good|perfect|amazing|helpful|fine|ok|okay|it|all|right|fair)")
LAUGHTER = any_of(r"а?(?:х[аы]){2,}х?", r"х[аеи]х[аеи]?", r"(?:ха)+", r"a?(?:ha){2,}h?", r"(?:he){2,}", r"lo+l",
                  r"lmf?ao", r"rofl", r"kek", r"кек", r"ору", r"ржу", r"xd", r":d")
# Wishes and courtesies: «с пятницей!», «приятного аппетита», "happy friday", «не за что», «взаимно», "sorry".
COURTESY = any_of(
    r"с\s+(?:нов\w+\s+год\w*|наступающ\w*|праздник\w*|пятниц\w*|рождеств\w*|дн[её]м\s+\w+|др|8\s+марта|"
    r"23\s+февраля|выходными|началом\s+\w+)", r"приятного\s+аппетита", r"всех\s+благ", r"взаимно",
    r"(?:и\s+(?:тебе|вам)\s+)?того\s+же", r"не\s+за\s+что", r"ничего\s+страшного", r"вс[её]\s+в\s+порядке",
    r"извини(?:те)?", r"прости(?:те)?", r"сорри", r"сорян", r"ура+", r"(?:мне\s+)?скучно",
    r"(?:я\s+)?(?:тебя\s+)?(?:люблю|обожаю)(?:\s+тебя)?", r"что\s+делаешь",
    r"happy\s+(?:friday|monday|new\s+year|holidays|birthday|weekend|easter|thanksgiving|hump\s+day)",
    r"merry\s+(?:christmas|xmas)", r"bon\s+app[eé]tit", r"enjoy\s+(?:your|the)\s+(?:meal|lunch|weekend|day|evening)",
    r"you'?re\s+welcome", r"same\s+to\s+you", r"you\s+too", r"sorry", r"my\s+bad", r"yay+", r"woo+\s*hoo+", r"hooray",
    r"i'?m\s+bored", r"what\s+are\s+you\s+doing")
SMALLTALK_UNIT = any_of(GREETING, THANKS, BYE, HOW_ARE_YOU, WHO_ARE_YOU, COMPLIMENT, ACKNOWLEDGEMENT, LAUGHTER,
                        COURTESY)
# Words that can stand around the units without making the message ask for anything: whom it is addressed to,
# intensifiers, particles. "Спасибо большое, бот" and "thanks so much guys" are still small talk.
SMALLTALK_FILLER = any_of(
    r"бот\w*", r"друг", r"дружище", r"бро", r"братан", r"ребят\w*", r"коллеги", r"народ", r"все", r"всем", r"вам",
    r"тебе", r"вас", r"у\s+(?:тебя|вас)", r"там", r"тут", r"очень", r"так", r"просто", r"прям", r"боль?ш\w*",
    r"огромн\w*", r"преогромн\w*", r"громадн\w*", r"сердечн\w*", r"всех", r"нет", r"no", r"nope", r"еще\s+раз",
    r"снова", r"ну", r"а", r"и", r"да", r"вот", r"же", r"ж", r"пж", r"плз", r"такой", r"такая", r"реально", r"правда",
    r"мне", r"завтра", r"сегодня", r"then", r"soon", r"tomorrow", r"today", r"bot", r"friend", r"mate", r"buddy",
    r"bro", r"dude", r"man", r"guys", r"folks", r"all", r"everyone", r"everybody", r"team", r"there", r"y'?all",
    r"again", r"so", r"very", r"really", r"a\s+lot", r"a\s+bunch", r"a\s+ton", r"so\s+much", r"very\s+much",
    r"a\s+million", r"much", r"for\s+now", r"too", r"as\s+well", r"and", r"oh", r"ah", r"оу", r"ой", r"о", r"ох", r"ах",
    r"ух", r"anyway\w*", r"in\s+advance", r"well", r"btw", r"that", r"it", r"this", r"you", r"u", r"to\s+you", r"тоже",
    r"и\s+тебе", r"и\s+вам")

# --- human: a person, asked for ---------------------------------------------------------------------------------------
PLEASE = r"(?:пожалуйста|пож|пжл|пж|плиз|плз|please|pls|plz|now|asap|срочно|уже)"
# "need someone to fix my laptop", «нужен менеджер для подписания»: a task for a person is a question.
NOT_FOR_A_TASK = r"(?![\s,]+(?:чтобы|для|to\s+(?!talk|speak|chat)|for\s+(?:the|a|an|this)\b))"
# A person the bot can hand over to. Support and admins count only after a verb of contact («соедините с
# поддержкой»): «нужна поддержка по 1С» asks for help with 1C, not for a person.
PERSON_RU = any_of(
    r"человек\w*", r"людьм?и", r"люд(?:ей|ям)", r"оператор\w*", r"менеджер\w*", r"манагер\w*", r"специалист\w*",
    r"спец(?:а|у|ом)", r"сотрудник\w*", r"консультант\w*", r"руководител\w*", r"начальств\w*", r"начальник\w*",
    r"директор\w*", r"агент(?:а|у|ом)?", r"жив(?:ого|ому|ым|ой)", r"старш(?:его|ему|им)(?:\s+\w+)?",
    r"руководств(?:у|ом)(?!\s+(?:пользовател|по\b))",  # «передайте руководству»; «руководство по…» is a manual
    r"(?:кем|кого|кому)-?(?:то|нибудь|либо)(?:\s+из\s+\w+)?")
# Departments count as support: «соедините с бухгалтерией», «поговорить с юристом», «свяжите с отделом кадров».
SUPPORT_RU = any_of(r"(?:тех)?поддержк\w*", r"саппорт\w*", r"сапорт\w*", r"хелпдеск\w*", r"админ\w*", r"модератор\w*",
                    r"бухгалтери\w*", r"бухгалтер(?:у|ом)?\b", r"юрист\w*", r"юридическ\w+\s+отдел\w*", r"кадровик\w*",
                    r"отдел\w*\s+(?:кадров|продаж|персонала|закупок|качества|возвратов|по\s+работе\s+с\s+\w+)", r"hr\b",
                    r"эйчар\w*")
PERSON_ADJECTIVE_RU = (r"(?:(?:жив|реальн|настоящ|нормальн|компетентн|адекватн|ваш|как(?:ого|ому|им)|толков|"
                       r"ответственн)\w*\s+)")
# Verbs that ask for someone, and the small words that may sit between them and the person: «свяжите меня,
# пожалуйста, с менеджером», «можно поговорить с кем-то из поддержки».
ASK_FOR_RU = any_of(
    r"позови(?:те)?", r"позвать", r"зови(?:те)?", r"соедини(?:те)?", r"соединить", r"переключи(?:те)?", r"переключить",
    r"переведи(?:те)?", r"перевести", r"свяжи(?:те)?", r"связать", r"вызови(?:те)?", r"вызвать", r"дай(?:те)?",
    r"давай(?:те)?", r"нужен", r"нужна", r"хочу", r"хотел(?:а|ось)?", r"требую", r"подключи(?:те)?", r"пригласи(?:те)?",
    r"верни(?:те)?", r"передай(?:те)?", r"передать", r"направь(?:те)?", r"можно", r"могу", r"поговорить", r"пообщаться",
    r"связаться", r"побеседовать", r"переговорить", r"обратиться", r"переадрес\w*", r"перенаправ\w*")
CONTACT_VERB_RU = any_of(r"соедини\w*", r"переключи\w*", r"переведи\w*", r"перевести", r"свяжи\w*", r"связать\w*",
                         r"позови\w*", r"позвать", r"поговорить", r"пообщаться", r"связаться", r"обратиться",
                         r"подключи\w*", r"передай(?:те)?", r"передать", r"переадрес\w*", r"перенаправ\w*")
BETWEEN_RU = (r"(?:(?:меня|мне|со\s+мной|пожалуйста|пож|пжл|пжлст|пж|плиз|плз|срочно|уже|хоть|ну|бы|же|лучше|"
              r"напрямую|лично|только|сейчас|сюда|в\s+чат|с|со|на|к|ко|до|мой|мою|вопрос|обращение|жалобу|заявку|поговорить|"
              r"пообщаться|связаться|побеседовать|переговорить|обратиться|общаться|говорить)[\s,]+){0,4}")
PERSON_EN = any_of(
    r"human(?!\s+resources)s?", r"person", r"people", r"operator", r"agent", r"rep", r"representative", r"manager",
    r"supervisor", r"some(?:one|body)", r"any(?:one|body)", r"staff(?:\s+member)?", r"employee", r"consultant",
    r"specialist", r"team\s+member", r"customer\s+(?:service|support|care)", r"boss",
    r"(?:some|any)(?:one|body)\s+in\s+charge",
    r"(?:some|any)(?:one|body)\s+(?:from|on|in|at)\s+(?:your|the)\s+(?:team|staff|support|company|office|side)")
# How long a slot with someone lasts: «забронируй часик с Анной», "grab 15 min with John".
TIME_SPAN = any_of(r"время", r"слот\w*", r"окн[оа]", r"окошк\w*", r"полчас\w*", r"час\w*", r"\d+\s*мин\w*", r"time",
                   r"slot", r"\d+\s*(?:minutes|mins|min|m|hours?|hrs?|h)\b", r"(?:a\s+)?(?:few|couple)\s+min\w*")
PERSON_ADJECTIVE_EN = r"(?:(?:a|an|the|your|some|one\s+of\s+your|real|live|actual|proper|human)\s+)"
SUPPORT_EN = any_of(r"support(?:\s+(?:team|staff|agent|person))?", r"admin\w*", r"helpdesk", r"help\s+desk",
                    r"(?:your|the)\s+team",
                    # a department: "connect me with sales", "transfer me to the billing department" (not its system)
                    r"(?:the\s+|your\s+)?(?:sales|billing|hr|legal|finance|accounting|payroll)(?:\s+(?:team|department|"
                    r"dept|people))?(?!\s+(?:system|dashboard|portal|tool|app|report|data|database|module|account|policy|"
                    r"process|form)\w*)")
# What is wanted of the person, not about them: "manager's approval", «номер менеджера» ask about a person.
NOT_THE_PERSON_EN = r"(?!'s|’s|\s+(?:number|email|phone|contact|name|hours|details|approval|signature))"
ASK_FOR_EN = any_of(
    r"talk", r"speak", r"chat", r"connect", r"transfer", r"put\s+me\s+through", r"forward", r"escalate", r"get",
    r"pass\s+(?:me|this|it)(?:\s+on)?", r"hand\s+(?:me|this|it)\s+(?:over|off)", r"put\s+me\s+in\s+touch", r"give",
    r"i\s+(?:want|need|wanna|would\s+like|'d\s+like)",
    r"let\s+me\s+(?:talk|speak|chat)", r"(?:have|get)\s+a\s+(?:word|chat)",
    r"(?:can|could|may)\s+i\s+(?:talk|speak|chat|get|have)", r"bring")
CONTACT_VERB_EN = any_of(r"talk", r"speak", r"chat", r"connect", r"transfer", r"put\s+me\s+(?:through|in\s+touch)",
                         r"forward", r"pass\s+me(?:\s+on)?", r"escalate", r"get\s+me")
BETWEEN_EN = r"(?:(?:to|with|me|through|please|pls|plz|now|asap|directly|over|this|it|up|talk|speak|chat)\s+){0,4}"
# Someone asked to get in touch: "can someone from your team contact me", «пусть менеджер мне перезвонит».
GET_IN_TOUCH_EN = any_of(r"contact", r"call", r"ring", r"email", r"e-mail", r"text", r"message", r"dm",
                         r"reach(?:\s+out\s+to)?", r"get\s+(?:back\s+)?(?:to|in\s+touch\s+with)", r"help")
GET_IN_TOUCH_RU = any_of(r"перезвон(?:ит|ят)\w*", r"позвон(?:ит|ят)\w*", r"свяжется", r"свяжутся", r"напишет",
                         r"напишут", r"ответит", r"ответят", r"набер[её]т")

# --- meeting: scheduling verbs and meeting words ---------------------------------------------------------------------
MEETING_NOUN_RU = any_of(
    r"встреч\w*", r"созвон\w*", r"звон(?:ок|ка|ку|ком)", r"колл(?:а|у|ом|е|ы|ов)?\b", r"митинг\w*", r"совещани\w*",
    r"планерк\w*", r"синк\w*", r"дейли\w*", r"стендап\w*", r"ревью", r"демо\b", r"демк\w*", r"демонстраци\w*", r"1:1",
    r"1-на-1", r"1\s+на\s+1", r"один\s+на\s+один", r"тет-а-тет", r"собеседовани\w*", r"интервью", r"консультаци\w*",
    r"зум(?:е|у|ом|а)?\b", r"видеозвон\w*", r"видеоконференци\w*", r"конф(?:а|у|ой|е)\b", r"слот\w*", r"ретро\b",
    r"ретроспектив\w*", r"брейншторм\w*", r"мозгов\w+\s+штурм\w*")
MEETING_NOUN_EN = any_of(
    r"meeting", r"call", r"sync", r"demo", r"catch[\s-]?up", r"1:1", r"1-on-1", r"1on1", r"one[\s-]on[\s-]one",
    r"stand-?up", r"session", r"appointment", r"zoom", r"huddle", r"interview", r"walkthrough", r"consultation",
    r"check-?in", r"retro", r"kick-?off", r"video\s+call", r"teams\s+call", r"brainstorm")
# Meeting words that mean a meeting even beside a bare date (the parse rule): no «обсуждение», no "chat" or "review".
MEETING_WORD = any_of(
    r"созвон\w*", r"встре[чт]\w*", r"звон(?:ок|ка|ку)\b", r"митинг\w*", r"\bколл(?:а|у|ом|е)?\b", r"пересеч[её]м\w*",
    r"пересечься", r"увидимся", r"слот\w*", r"совещани\w*", r"планерк\w*", r"синк\w*", r"дейли\w*", r"стендап\w*",
    r"\bдемо\b", r"ревью", r"\b1:1\b", r"\bзум(?:е|у|ом|чик\w*)?\b", r"\bcall\b", r"\bmeet(?:ing)?\b", r"\bsync\b",
    r"\bslot\b", r"\bdemo\b", r"appointment", r"catch[\s-]?up", r"stand-?up", r"\bzoom\b", r"one[\s-]on[\s-]one",
    r"on\s+my\s+calendar", r"\bin\s+(?:my|the)\s+calendar")
SCHEDULE_VERB_RU = any_of(
    r"назнач\w*", r"запланир\w*", r"постав(?:ь|ьте|ить)", r"заброни\w*", r"зарезервир\w*", r"организ\w*",
    r"устро(?:й|йте|ить)", r"перенес(?:и|ите|ти)", r"перенос(?:и|ите)", r"переназнач\w*", r"передвин\w*", r"подвин\w*",
    r"сдвин\w*", r"отмен(?:и|ите|ить)", r"запиш(?:и|ите)", r"записать", r"добав(?:ь|ьте|ить)", r"закин(?:ь|ьте|уть)",
    r"внес(?:и|ите|ти)", r"вбей(?:те)?", r"забей(?:те)?", r"созда(?:й|йте|ть)", r"найди(?:те)?", r"подбер(?:и|ите)",
    r"пригласи(?:те)?", r"отменя(?:й|йте)")
SCHEDULE_VERB_EN = any_of(
    r"book", r"schedule", r"set\s+up", r"setup", r"arrange", r"organi[sz]e", r"plan", r"put", r"add", r"move",
    r"reschedule", r"resched", r"push", r"shift", r"bump", r"postpone", r"cancel", r"delay", r"bring\s+forward",
    r"block", r"create", r"invite\s+\w+\s+to", r"send\s+(?:me\s+)?(?:an?\s+)?invite\s+for")
# «давай созвонимся», «можем встретиться?»: what a proposal to meet looks like after its modal word.
MEET_VERB_RU = any_of(r"созвон\w*", r"встрет(?:иться|имся)", r"увидеться", r"увидимся", r"пересеч\w*", r"в\s+зум\w*",
                      r"(?:обсудить|поговорить|пообщаться)\s+(?:это\s+)?(?:голосом|по\s+телефону|в\s+зуме|по\s+видео)")
MEET_MODAL_RU = any_of(r"давай(?:те)?", r"можно", r"могу", r"можем", r"сможем", r"получится", r"хочу", r"хотим",
                       r"хотел\w*", r"надо", r"нужно", r"го", r"погнали", r"предлагаю", r"было\s+бы\s+\w+")
MEET_VERB_EN = any_of(
    r"meet(?!\s+(?:the\s+)?(?:deadline|requirement|criteria|expectation|target|goal|standard|need))", r"sync",
    r"catch\s+up", r"hop\s+on", r"jump\s+on", r"get\s+on\s+a", r"(?:have|do|grab|book|schedule|set\s+up)\s+a",
    r"talk\s+(?:on\s+(?:a\s+)?(?:call|zoom|the\s+phone)|tomorrow|today|later|next|this)", r"zoom",
    r"call\s+(?:you|me|tomorrow|today|later|at|on|in|this|next)",
    r"set\s+(?:something|sth|smth|a\s+time|some\s+time|time)\s+up", r"find\s+(?:a\s+|some\s+)?time\s+(?:to|for)")
MEET_MODAL_EN = any_of(r"let'?s", r"lets", r"can\s+we", r"could\s+we", r"shall\s+we", r"should\s+we", r"wanna",
                       r"want\s+to", r"we\s+should", r"i'?d\s+like\s+to", r"i\s+would\s+like\s+to", r"i\s+want\s+to",
                       r"how\s+about\s+we", r"maybe\s+we\s+(?:can|could)")

# --- other: what the knowledge base should not answer -----------------------------------------------------------------
# Generation tasks: the verb alone is enough for «придумай», «сочини», «нарисуй»; «напиши» and "write" need
# something to be made («напиши мне адрес склада» asks for an address).
INVENT_VERB = any_of(r"придума\w*", r"сочини\w*", r"сочинить", r"нарис\w*", r"спой\w*", r"зарифмуй\w*",
                     r"come\s+up\s+with", r"make\s+up", r"brainstorm", r"draw", r"compose", r"sing")
WRITE_VERB = any_of(r"напиши\w*", r"написать", r"сгенерир\w*", r"сделай\w*", r"составь\w*", r"набросай\w*",
                    r"накидай\w*", r"расскажи\w*", r"скажи\w*", r"write", r"draft", r"craft", r"create", r"generate",
                    r"give", r"tell", r"make", r"suggest", r"produce")
CREATION = any_of(
    r"стих\w*", r"стиш\w*", r"поэм\w*", r"рифм\w*", r"частушк\w*", r"анекдот\w*", r"шутк\w*", r"шуточк\w*",
    r"прикол\w*", r"каламбур\w*", r"загадк\w*", r"сказк\w*", r"песн\w*", r"песенк\w*", r"рэп\w*", r"рассказ\w*",
    r"истори(?:ю|йку)(?!\s+(?:компании|фирмы|бренда|нашей|вашей|заказа|покупок|операций|платеж))", r"код\b", r"кода\b",
    r"функци\w*", r"скрипт\w*", r"программ[ук](?!\s+лояльност)", r"регулярк\w*", r"sql", r"запрос\s+на\s+sql",
    r"регулярн\w+\s+выражени\w*", r"эссе", r"сочинени\w*", r"реферат\w*", r"слоган\w*", r"девиз\w*", r"лозунг\w*",
    r"тост\w*", r"поздравлени\w*", r"пожелани\w*", r"комплимент\w*", r"пост\b", r"твит\w*", r"назван\w*", r"имя",
    r"ник\b", r"никнейм\w*", r"логотип\w*", r"мем\w*", r"картин\w*", r"рисун\w*",
    r"что-нибудь\s+(?:смешное|интересное|веселое|приятное)", r"poem\w*", r"haiku\w*", r"limerick\w*", r"sonnet\w*",
    r"verse", r"rhyme\w*", r"rap", r"song\w*", r"lyrics", r"jokes?", r"puns?", r"riddles?", r"story", r"stories",
    r"tale", r"essay", r"code", r"function", r"script", r"program", r"regex", r"regular\s+expression", r"query",
    r"snippet", r"slogans?", r"taglines?", r"motto", r"captions?", r"tweets?", r"posts?", r"toast", r"speech",
    r"names?", r"titles?", r"headlines?", r"jingle", r"memes?", r"pictures?", r"images?", r"drawing", r"logo",
    r"fun\s+fact", r"something\s+(?:funny|interesting|nice)")
PROGRAMMING_LANGUAGE = any_of(r"python\w*", r"питон\w*", r"пайтон\w*", r"js", r"javascript", r"java", r"c#", r"c\+\+",
                              r"golang", r"rust", r"sql", r"bash", r"php", r"kotlin", r"swift", r"typescript")
LANGUAGE = any_of(r"английск\w*", r"немецк\w*", r"французск\w*", r"испанск\w*", r"итальянск\w*", r"китайск\w*",
                  r"японск\w*", r"русск\w*", r"турецк\w*", r"казахск\w*", r"украинск\w*", r"корейск\w*", r"арабск\w*",
                  r"english", r"german", r"french", r"spanish", r"italian", r"chinese", r"japanese", r"russian",
                  r"turkish", r"korean", r"arabic", r"portuguese", r"polish", r"польск\w*")
TEXT_NOUN = any_of(r"текст\w*", r"слов[оа]", r"фраз[уы]", r"предложени[ея]", r"вот\s+это", r"абзац",
                   r"the\s+(?:text|word|phrase|sentence)")
# Things whose size, height or distance is world knowledge, not company knowledge.
WORLD_THING = any_of(
    r"эверест\w*", r"эльбрус\w*", r"килиманджаро", r"монблан\w*", r"эйфелев\w*", r"пизанск\w*", r"биг-?бен\w*",
    r"статуи\s+свободы", r"пирамид\w*", r"колизе\w*", r"бурдж\w*", r"лун[аыеу]\b", r"солнц[аеу]?\b", r"марс\w*",
    r"юпитер\w*", r"сатурн\w*", r"венер[аыу]\b", r"плутон\w*", r"земл[иею]\b", r"байкал\w*", r"мариан\w*",
    r"амазонк\w*", r"нил[аеу]?\b", r"волг[аиу]\b", r"океан\w*", r"планет\w*", r"галактик\w*", r"вселенн\w*", r"everest",
    r"eiffel", r"kilimanjaro", r"mont\s+blanc", r"statue\s+of\s+liberty", r"empire\s+state", r"burj", r"pyramids?",
    r"colosseum", r"big\s+ben", r"the\s+moon", r"the\s+sun", r"mars", r"jupiter", r"saturn", r"the\s+earth", r"earth",
    r"mariana", r"the\s+nile", r"the\s+amazon", r"ocean", r"pacific", r"atlantic", r"planets?", r"galaxy", r"universe",
    r"grand\s+canyon", r"great\s+wall", r"mount\s+(?:everest|fuji|elbrus|kilimanjaro|blanc)")
WORLD_PLACE = any_of(r"мире", r"европе", r"азии", r"африке", r"америке", r"космосе", r"истории", r"солнечной\s+системе",
                     r"world", r"europe", r"asia", r"africa", r"america", r"history", r"solar\s+system", r"universe")
CODING_TOPIC = any_of(r"linked\s+list", r"binary\s+(?:tree|search)", r"center\s+a\s+div", r"css", r"html", r"flexbox",
                      r"recursion", r"big\s+o", r"sorting\s+algorithm", r"list\s+comprehension", r"hash\s*map",
                      r"closures?", r"pointers?", r"рекурси\w*", r"связн\w+\s+спис\w*", r"алгоритм\w*\s+сортировк\w*",
                      r"бинарн\w+\s+(?:дерев|поиск)\w*", r"указател\w*", r"замыкани\w*")
MEASURE_RU = any_of(r"высот\w*", r"глубин\w*", r"длин\w*", r"площад\w*", r"населени\w*", r"расстояни\w*",
                    r"сколько\s+(?:км|километров|метров|миль|лет|весит)", r"как(?:ой|ая)\s+(?:высок|глубок|больш)\w*",
                    r"возраст\w*", r"масса", r"вес")
MEASURE_EN = any_of(r"how\s+(?:tall|high|deep|far|big|old|long|heavy|large|wide)", r"height", r"depth", r"length",
                    r"population", r"distance", r"area", r"age", r"size", r"mass", r"weight")
# Sport and news the assistant knows nothing about.
# Who made a famous work or holds an office: "who sang …", «кто сейчас президент франции».
WORLD_PEOPLE = any_of(
    r"who\s+(?:sang|sings|directed|composed|starred\s+in)", r"кто\s+(?:спел|поет|поёт|исполняет|снял|сыграл)",
    r"(?:кто|who)\s+(?:сейчас\s+|is\s+(?:the\s+)?(?:current\s+)?|was\s+the\s+(?:first\s+)?)?(?:президент\w*|премьер\w*|"
    r"корол\w+|канцлер\w*|president|prime\s+minister|king|queen|chancellor|pope)(?!\s+(?:компании|фирмы|нашей|"
    r"of\s+(?:the\s+|our\s+|this\s+)?(?:company|firm|team)))", r"how\s+many\s+people\s+live\s+in",
    r"сколько\s+(?:людей|человек|жителей)\s+(?:живет|живут|проживает)\s+в")
# A match, a race, an election: «кто выиграл вчера в хоккей», "who won the game last night".
CONTEST = any_of(r"матч\w*", r"игр[уыаe]", r"чемпионат\w*", r"турнир\w*", r"кубок\w*", r"хокке\w*", r"футбол\w*",
                 r"баскетбол\w*", r"теннис\w*", r"олимпиад\w*", r"формул\w*", r"гонк\w*", r"выбор\w*", r"оскар\w*",
                 r"евровидени\w*", r"game", r"match", r"cup", r"league", r"bowl", r"tournament", r"championship",
                 r"olympics", r"race", r"series", r"election", r"oscars?", r"grammys?", r"eurovision", r"final")
SPORT = any_of(rf"(?:кто\s+(?:выиграл|победил|забил|стал\s+чемпион\w*)|who\s+(?:won|will\s+win|scored))\s+"
               rf"(?:[\w-]+\s+){{0,4}}?{CONTEST}", r"сч[её]т\s+(?:матча|игры)", r"score\s+of\s+the\s+(?:game|match)",
               r"чемпионат\w*\s+мира", r"world\s+cup", r"super\s*bowl", r"лиг[аиу]\s+чемпионов", r"champions\s+league",
               r"олимпиад\w*\s+\d{4}", r"olympics", r"nba\b", r"nhl\b", r"нхл\b", r"кхл\b", r"premier\s+league",
               r"формул[аеы]\s*1", r"formula\s*1", r"f1\s+race")
# Notices that ask nothing: the writer is late, away, sending something, or takes a message back.
NOTICE_RU = any_of(
    r"опаздыва\w*", r"опоздаю", r"задержусь", r"задерживаюсь", r"скоро\s+буду", r"уже\s+еду", r"выезжаю",
    r"буду\s+(?:\w+\s+){0,2}?(?:позже|попозже|через|к\s+\d+|после\s+(?:обеда|\d+))",
    r"буду\s+(?:без\s+связи|недоступ\w*|вне\s+офиса)", r"начинайте\s+без\s+меня", r"за\s+рул[её]м", r"в\s+дороге",
    r"подойду\s+(?:позже|попозже|через|к\s+\d+)", r"застрял\w*\s+в\s+пробке", r"меня\s+(?:\w+\s+)?не\s+будет",
    r"не\s+смогу\s+(?:прийти|быть|присутствовать|подключиться)",
    r"(?:работаю|буду\s+работать)\s+(?:сегодня\s+|завтра\s+)?(?:из\s+дома|удал[её]нн?о|на\s+удал[её]нке|с\s+дачи)",
    r"на\s+удал[её]нке", r"на\s+больничном", r"заболел\w*", r"приболел\w*", r"я\s+в\s+отпуске", r"подъезжаю",
    r"подхожу", r"я\s+на\s+месте",
    r"уш(?:[её]л|ла)\s+(?:на\s+обед|домой|пораньше|в\s+отпуск|на\s+больничный|на\s+встречу|на\s+созвон)",
    r"(?:я|буду)\s+(?:в\s+офисе|на\s+работе|на\s+месте)\s+(?:с|до|к|после)\s+\d+",
    r"беру\s+(?:отгул|выходной|больничный)", r"ухожу\s+(?:пораньше|раньше|на\s+обед|в\s+отпуск|на\s+больничный)",
    r"отош(?:[её]л|ла)", r"отойду", r"на\s+обеде", r"не\s+на\s+связи",
    r"(?:иду|пош[её]л|пошла|ухожу|уш[её]л|ушла|уезжаю|поехал[аи]?)\s+(?:на\s+обед|обедать|домой|к\s+врачу|в\s+отпуск|"
    r"на\s+больничный|на\s+встречу|на\s+созвон|на\s+планерку|спать)",
    r"на\s+(?:созвоне|встрече|совещании|планерке|митинге)", r"скину", r"скинул\w*", r"пришлю", r"прислал\w*", r"вышлю",
    r"выслал\w*", r"отправлю", r"отправил\w*", r"закину", r"закинул\w*", r"переслал\w*", r"перешлю", r"прикрепил\w*",
    r"прикреплю", r"приложил\w*", r"приложу", r"загрузил\w*", r"залил\w*", r"заполнил\w*", r"подписал\w*",
    r"вот\s+(?:мой\s+|наш\s+|и\s+)?(?:отч[её]т\w*|файл\w*|документ\w*|скрин\w*|ссылк\w*|фото\w*|сч[её]т\w*|договор\w*|"
    r"презентаци\w*|таблиц\w*|макет\w*|резюме)", r"во\s+вложении", r"см\.?\s+вложени\w*",
    r"(?:гляну|посмотрю|отвечу|сделаю|доделаю|проверю|займусь|"
    r"перезвоню)\s+(?:\w+\s+)?(?:позже|попозже|завтра|вечером|потом|через|после)",
    r"(?:документ\w*|файл\w*|отч[её]т\w*|скрин\w*|сч[её]т\w*|договор\w*|заявк\w*|форм\w*|презентаци\w*)\s+(?:\w+\s+)?"
    r"(?:прикрепил\w*|приложил\w*|скинул\w*|отправил\w*|выше|ниже|во\s+вложении)", r"в\s+отпуске")
NOTICE_EN = any_of(
    r"running\s+(?:a\s+(?:bit|little)\s+)?(?:late|behind)", r"start\s+without\s+me",
    r"running\s+\d+\s*(?:min\w*|m)\s+late",
    r"(?:i'?ll|i\s+will|gonna|will)\s+be\s+(?:a\s+(?:bit|few\s+min\w*)\s+|\d+\s*(?:min\w*|m)\s+)?late",
    r"be\s+there\s+in", r"on\s+my\s+way", r"omw", r"brb", r"be\s+right\s+back", r"stuck\s+in\s+traffic",
    r"back\s+in\s+\d+", r"in\s+a\s+(?:meeting|call)", r"on\s+a\s+call", r"ooo", r"out\s+of\s+(?:the\s+)?office", r"wfh",
    r"working\s+(?:from\s+home|remotely)", r"(?:off|out)\s+sick", r"sick\s+(?:today|day)",
    r"i'?m\s+(?:off|out)\s+(?:today|tomorrow|on\s+\w+)", r"taking\s+(?:the\s+day|a\s+day|tomorrow|today|\w+day)\s+off",
    r"on\s+(?:vacation|holiday|leave|pto)\s+(?:until|till|from|today|tomorrow|this|next)",
    r"away\s+(?:until|till|today|tomorrow)", r"offline\s+(?:until|till|today|for)",
    r"(?:(?:i'?ll|will)\s+)?(?:check|look|get\s+back|reply|answer|do\s+it|send\s+it)\s+(?:\w+\s+)?(?:later|tomorrow|"
    r"tonight|soon|in\s+a\s+bit|after\s+lunch)",
    r"(?:will\s+be|i'?ll\s+be|i'?m)\s+(?:offline|away|unavailable|afk)\s+(?:after|from|until|till|today|tomorrow|this|"
    r"for)", r"(?:i'?ll|i\s+will|will|gonna)\s+(?:send|share|forward|upload|drop)\b",
    r"(?:just\s+)?sent\s+(?:you|it|the|over|my|a|an)\b", r"just\s+(?:submitted|uploaded|shared|filed|emailed|"
    r"forwarded|signed|paid)", r"forwarding", r"forwarded", r"(?:see\s+)?attached", r"here'?s\s+(?:the|my|our)\b",
    r"here\s+is\s+(?:the|my|our)\b", r"uploaded\s+(?:the|it|my)", r"submitted\s+(?:the|my|it)",
    r"(?:i'?ll|will)\s+(?:check|look|get\s+back|reply|answer|call\s+you|do\s+it)\s+(?:\w+\s+)?(?:later|tomorrow|"
    r"tonight|soon|in\s+a\s+bit)")
# Words that may come before a notice: «сегодня меня не будет», "sorry, running late", «коллеги, опаздываю».
NOTICE_LEAD = any_of(r"я", r"i", r"i'?m", r"im", r"сегодня", r"завтра", r"вчера", r"уже", r"только\s+что", r"тоже",
                     r"сейчас", r"щас", r"just", r"also", r"today", r"tomorrow", r"so", r"ok", r"ок", r"кстати", r"btw",
                     r"ой", r"oops", r"sorry", r"сорри", r"сорян", r"извините", r"please", r"pls", r"пожалуйста",
                     r"всем", r"коллеги", r"ребят\w*", r"hi", r"привет", r"hey", r"guys", r"all", r"team", r"а", r"и",
                     r"ну", r"короче", r"так", r"вот", r"fyi", r"heads\s+up", r"до", r"с", r"\d+", r"that", r"this",
                     r"it")
# A message taken back: the last one was a mistake, or the matter is closed.
TAKE_BACK = any_of(
    r"игнорируй\w*", r"проигнорируй\w*", r"не\s+обращай(?:те)?\s+внимани\w*", r"забуд\w*", r"отбой", r"проехали",
    r"не\s*важно", r"забей", r"нвм", r"не\s+(?:в\s+)?тот\s+чат", r"не\s+туда", r"это\s+не\s+(?:вам|тебе|сюда)",
    r"ошиб(?:ся|лась)\s+(?:чатом|адресатом|окном)", r"случайно\s+отправил\w*",
    r"ignore\s+(?:that|this|it|me|(?:my\s+|the\s+)?(?:previous|prev|last|above))", r"disregard", r"never\s*mind",
    r"nvm", r"wrong\s+(?:chat|person|window|thread|group)", r"sorry,?\s+wrong", r"not\s+for\s+you",
    r"(?:that|this)\s+(?:wasn'?t|was\s+not)\s+for\s+you", r"(?:was\s+)?meant\s+for\s+(?:someone|somebody)\s+else",
    r"не\s+тебе")
# A notice that reports a problem or asks something is a question: «отправил заявку, а ответа нет».
TROUBLE = any_of(
    r"\?", r"\bно\b", r"\bа\s", r"однако", r"ничего", r"никто", r"ошибк\w*", r"почему", r"зачем", r"\bкак\b",
    r"\bчто\b", r"\bкто\b", r"\bкому\b", r"\bкого\b", r"\bчей\b", r"\bwho\b", r"\bгде\b", r"\bкогда\b", r"\bкуда\b",
    r"\bли\b", r"помог\w*", r"подскаж\w*", r"проблем\w*", r"до\s+сих\s+пор", r"нет\s+ответа", r"ответа\s+нет",
    r"\bне\s+(?:приш|дош|работ|получ|отвеча|открыва|прин|прош|" r"загруж|отправля|вид|ответ|мог|мож|пуска)\w*",
    r"\bbut\b", r"\bnot\b", r"n't\b", r"\bno\s+(?:reply|response|" r"answer|one)", r"\berror", r"\bstill\b", r"\bwhy\b",
    r"\bhow\b", r"\bwhat\b", r"\bwhere\b", r"\bwhen\b", r"\bwhich\b", r"\bhelp\b", r"\bproblem", r"\bissue",
    r"\bfail\w*", r"сколько", r"как(?:ой|ая|ие|ое)", r"можно", r"нужно", r"надо", r"положен\w*", r"\bhow\s+many\b",
    r"\bcan\s+i\b")
# Spam: a lure and a call to act on it, both («заработок от 5000 в день, пиши в лс», "free crypto, click here").
SPAM_LURE = any_of(
    r"заработ\w*", r"доход\w*", r"казино", r"крипт\w*", r"ставк\w*", r"выигр\w*", r"бонус\w*", r"промокод\w*",
    r"инвест\w*", r"подработ\w*", r"подписчик\w*", r"накрут\w*", r"earn\w*", r"giveaway", r"crypto", r"btc", r"usdt",
    r"casino", r"bitcoin", r"prize", r"free\s+(?:money|iphone|gift|cash)", r"airdrop", r"forex", r"nft", r"followers",
    r"cheap", r"buy\s+now", r"passive\s+income", r"\bwin\b", r"you\s+won", r"winner", r"\$\s*\d+",
    r"\d+\s*(?:\$|usd|₽|р|руб\w*|k|к|тыс\w*)?\s+(?:в|a|per)\s+(?:день|сутки|day|неделю|week|месяц|month)")
SPAM_CALL = any_of(
    r"в\s+лс", r"в\s+личку", r"в\s+директ",
    r"пиши(?:те)?\s+(?:мне\s+)?(?:в\s+(?:телег\w*|тг|whatsapp|вотсап|ватсап)|\+\d)", r"переходи\w*", r"подпишись",
    r"подписывай\w*", r"жми", r"по\s+ссылке", r"ссылк\w+\s+в\s+(?:профиле|био|описании)", r"click", r"http", r"t\.me/",
    r"wa\.me", r"@\w{4,}", r"dm\s+me", r"join\s+(?:my|our|the|now|us)", r"subscribe", r"link\s+in\s+bio", r"whatsapp")
