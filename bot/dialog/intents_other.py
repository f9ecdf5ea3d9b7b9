"""The `other` intent by rules: what the assistant should not answer from the knowledge base.

Arithmetic, generation tasks (poems, jokes, names, slogans, code, pictures, translation), general knowledge that has
nothing to do with the company (the height of a mountain, a capital, the weather, a match score), spam, keyboard
mash, test pings, and notices that ask nothing («опоздаю на 10 мин», "see attached"). Each rule claims a message
only when it cannot be a question to the knowledge base; a problem told as a statement («не открывается 1С») stays
a question.
"""

from __future__ import annotations

import itertools
import math
import re

from bot.dialog import intent_lexicon as lex

_I = re.IGNORECASE

_NUMBER = r"-?\d+(?:[.,]\d+)?"
_OPERATOR = (r"(?:[-+*/×÷^x=:]|\*\*|%\s*(?:от|of)|процент\w*\s+от|percent\s+of|умнож\w*\s+на|(?:раз|по)?дел\w*\s+на|"
             r"плюс|минус|times|plus|minus|divided\s+by|multiplied\s+by|over)")
_ASK_SUM = r"(?:сколько(?:\s+будет)?|посчитай|подсчитай|сосчитай|вычисли|реши|calc(?:ulate)?|compute|solve|what\s+is|" \
           r"what's|whats|how\s+much\s+is)"
# A time, a date or a phone number is written with the same signs as a sum: «15:00», «2024-12-05», «8-800-555-35-35».
_NUMBER_NOT_A_SUM = re.compile(r"^\W*\d{1,2}:\d{2}\W*$|\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|\+?\d[\d\s()-]{9,}\d")
_QUESTION_AFTER = re.compile(r"[,.;:!?]\s*(?:а\s+|и\s+)?(?:как|какой|какая|какие|где|что|почему|зачем|сколько|how|what|"
                             r"where|why|which)\b|\b(?:можно|ли)\s*\?", _I)
_ARITHMETIC = re.compile(
    rf"^\W*{_ASK_SUM}?\s*\(?\s*{_NUMBER}\s*{_OPERATOR}\s*\(?\s*-?\d[\d\s.,+\-*/×÷^x()=?]*\W*$"
    rf"|^\W*{_ASK_SUM}?\s*(?:(?:квадратный\s+)?корень\s+(?:квадратный\s+)?из|sqrt|square\s+root\s+of|"
    rf"факториал|factorial\s+of|логарифм|log)\s*\(?\s*{_NUMBER}\W*$"
    rf"|^\W*{_ASK_SUM}?\s*{_NUMBER}\s*(?:в\s+(?:квадрате|кубе|(?:\d+(?:-?й)?\s+)?степени(?:\s+\d+)?)|squared|cubed|!|"
    rf"to\s+the\s+power\s+of\s+\d+)\W*$"
    rf"|^\W*(?:реши(?:те)?|solve)?\s*(?=[^=]*[xyх][^=]*=|[^=]*=[^=]*[xyх])[\dxyх\s+\-*/=().^]+\W*$"
    # «посчитай 15% от 3400» — but «посчитай стоимость доставки 5 кг» asks the price list
    rf"|^\W*(?:посчитай|подсчитай|сосчитай|вычисли|calculate|compute)\b(?=.*\d\s*(?:[-+*/×÷^%]|процент|percent))", _I)
# Unit conversion is arithmetic too: «сколько дюймов в 30 см», "convert 5 miles to km".
_CONVERSION = re.compile(
    r"^\W*(?:convert|переведи|конвертируй|сколько\s+будет)\s+\d+(?:[.,]\d+)?\s*[a-zа-я°]+\.?\s+(?:в|во|to|into|in)\s+"
    r"[a-zа-я°]+\W*$|^\W*(?:сколько|how\s+many)\s+(?:см|сантиметров|дюймов|метров|футов|км|километров|миль|"
    r"граммов|унций|фунтов|литров|галлонов|cm|inches|meters|feet|km|miles|grams|ounces|pounds|liters|gallons)\s+"
    r"(?:в|in)\s+(?:\d+\s+)?\w+\W*$", _I)
# How a task is asked for before its verb: «помоги написать…», «можешь нарисовать…», "can you write…".
_ASKING = (r"(?:(?:а|ну|плиз|пожалуйста|please|pls|бот|можешь|можете|помоги(?:те)?(?:\s+мне)?|нужно|надо|"
           r"(?:can|could|would)\s+you|help\s+me|i\s+(?:need|want)\s+you\s+to)[\s,]+)")
_CREATIVE = re.compile(
    rf"^\W*{_ASKING}?"
    rf"(?:{lex.INVENT_VERB}\b"
    rf"|{lex.WRITE_VERB}\s+(?:(?:мне|нам|me|us|a|an|some|the|please|пожалуйста|плиз|какой-нибудь|какую-нибудь|"
    rf"какое-нибудь|один|одну|short|quick|funny|small|little)\s+)*(?:[\w-]+\s+){{0,2}}?{lex.CREATION}\b"
    rf"|(?:напиши\w*|write)\b.*\b(?:на|in)\s+{lex.PROGRAMMING_LANGUAGE}\b"
    rf"|(?:посоветуй|порекомендуй|recommend|suggest)\s+(?:мне\s+|me\s+)?(?:[\w-]+\s+){{0,3}}?(?:фильм\w*|сериал\w*|"
    rf"книг\w*|роман\w*|музык\w*|песн\w*|игр[уы]|аниме|подкаст\w*|movies?|films?|series|shows?|books?|novels?|"
    rf"music|songs?|games?|anime|podcasts?)\b"
    rf"|(?:давай\s+)?(?:поиграем|сыграем)\b|(?:let'?s\s+)?play\s+a\s+game"
    # a personal assistant's chores: «напомни мне завтра позвонить маме», "set an alarm for 7"
    rf"|напомни(?:те)?\s+мне\s+(?:завтра|сегодня|вечером|утром|через|в\s+\d|позвонить|купить|про|о|об)\b"
    rf"|remind\s+me\s+(?:to|at|in|tomorrow|tonight|about)\b|(?:поставь|заведи|set)\s+(?:мне\s+)?(?:будильник|таймер|"
    rf"an?\s+(?:alarm|timer))\b)", _I)
_TRANSLATE = re.compile(
    rf"^\W*{_ASKING}?(?:переведи\w*|перевести|translate)\b(?=.*(?:\b(?:на|с|to|into|from|in)\s+{lex.LANGUAGE}|"
    rf"(?:^|\s)[\"'«“„]|\b{lex.TEXT_NOUN}\b|:))"
    rf"|\bкак\s+(?:(?:будет|сказать|написать)\s+)?по-?\s*(?:английски|немецки|французски|испански|итальянски|китайски|"
    rf"японски|русски|турецки|польски)\b|\bhow\s+(?:do\s+you|to|would\s+you)\s+say\b.+\bin\s+{lex.LANGUAGE}\b"
    rf"|\bкак\s+переводится\s+(?:слово|фраза|выражение|[\"'«])|\bhow\s+do\s+(?:you|i)\s+translate\b"
    rf"|\bwhat\s+does\s+.+\s+mean\s+in\s+{lex.LANGUAGE}\b"
    rf"|\bперевод\s+(?:слова|фразы|текста)\b|^\W*{lex.LANGUAGE}\s+(?:translation|перевод)\b", _I)
# General knowledge that is no company's: each entry is one kind of it.
_WORLD = re.compile("|".join((
    # sizes and distances of the world: «высота эвереста», "how far is mars from the sun"
    rf"(?:{lex.MEASURE_RU}|{lex.MEASURE_EN})\b.*\b{lex.WORLD_THING}|\b{lex.WORLD_THING}.*\b(?:{lex.MEASURE_EN}|"
    rf"{lex.MEASURE_RU})\b",
    # records: «самая высокая гора в мире», "the tallest mountain in europe"
    rf"(?:сам(?:ая|ый|ое|ые)\s+\w+|\w+est)\s+(?:\w+\s+){{0,3}}?(?:в\s+{lex.WORLD_PLACE}|на\s+(?:земле|планете)|"
    rf"in\s+(?:the\s+)?{lex.WORLD_PLACE}|on\s+(?:earth|the\s+planet))\b",
    r"(?:^|\b(?:какая|какой|что\s+за|what'?s|what\s+is|the)\s+)столиц[аеы]\b|\bcapital\s+(?:city\s+)?of\b",
    # weather: «погода в питере», "will it rain in riga this weekend"
    r"\b(?:погод[аеуы]|weather|forecast|прогноз\w*\s+погоды)(?:\s+(?:будет|сейчас|там|like|is|be|will\s+be)){0,2}"
    r"\s+(?:в|во|на|for|in|on|at|tomorrow|today|this|next|завтра|сегодня|выходн\w*)\b"
    r"|^\W*(?:какая\s+)?(?:погода|weather)(?:\s+(?:завтра|сегодня|tomorrow|today|now|сейчас))?\W*$"
    r"|\b(?:will\s+it|is\s+it\s+going\s+to|gonna)\s+(?:rain|snow)\b|\bбудет\s+ли\s+(?:дождь|снег|гроза)\b"
    r"|^\W*(?:а\s+)?(?:дождь|снег)\s+(?:будет\s+)?(?:завтра|сегодня|вечером|на\s+выходных)\b"
    r"|\bсколько\s+градусов\s+(?:сейчас|на\s+улице|завтра|сегодня)|\bhow\s+(?:hot|cold)\s+is\s+it\s+(?:in|outside)\b",
    lex.SPORT, lex.WORLD_PEOPLE,
    r"^\W*(?:который\s+час|what\s+time\s+is\s+it)(?:\s+now)?\W*$|\bсколько\s+(?:сейчас\s+)?времени\s+(?:в|во)\s+\w+",
    r"\bсмысл\w*\s+жизни\b|\bmeaning\s+of\s+life\b",
    # science, history, people and works: «кто изобрёл телефон», "who wrote war and peace", «когда родился пушкин»
    r"\b(?:кто\s+(?:изобр[её]л|открыл\s+америку)|who\s+(?:invented|discovered|painted))\b"
    r"|\b(?:кто\s+написал|who\s+wrote)\b(?!\s+(?:это|этот|эту|мне|нам|вам|письмо|тикет|заявку|регламент|инструкци\w*|"
    r"документ\w*|this|that|these|the\s+(?:email|ticket|policy|doc\w*|report|guide|article)|my|our|your|to\s+me))"
    r"|\bкогда\s+(?:(?:он|она)\s+)?(?:родил(?:ся|ась)|умер(?:ла)?)\b|\bwhen\s+(?:was|did)\s+\w+(?:\s+\w+)?\s+"
    r"(?:born|die)\b|\b(?:первы\w+\s+(?:человек\w*|космонавт\w*)\s+в\s+космос\w*|first\s+(?:man|person|human)\s+"
    r"(?:in\s+space|on\s+the\s+moon))\b|\b(?:почему|why\s+is)\s+(?:the\s+)?(?:небо|sky|море|sea|трава|grass)\b"
    r"|\b(?:сколько|how\s+many)\s+(?:\w+\s+)?(?:планет|planets|континент\w*|continents|материк\w*|костей|bones|"
    r"игроков\s+в\s+футбол\w*|players\s+(?:are\s+)?(?:on|in)\s+a\s+(?:football|soccer))\b"
    r"|\bв\s+каком\s+году\s+(?:\w+\s+){0,2}?(?:распал\w*|началась|закончилась|произош\w*|з?атонул\w*|пал[аи]?)\b"
    r"|\bwhat\s+year\s+did\s+(?:the\s+)?\w+(?:\s+\w+)?\s+(?:sink|end|start|begin|fall|collapse|happen|land|die)\b"
    r"|\b(?:сколько|how\s+many)\s+\w+\s+(?:(?:are|is)\s+)?(?:в\s+мире|на\s+(?:земле|планете)|in\s+the\s+world|"
    r"on\s+(?:earth|the\s+planet))\b"
    r"|\b(?:(?:втор|перв)\w+\s+миров\w+|world\s+war|ww\s*(?:2|ii|1|i)\b|ссср|ussr|римск\w+\s+импери\w*|"
    r"roman\s+empire)|\bpopulation\s+of\b|\bнаселени\w*\s+(?!компани)\w+",
    # recipes and hobbies: «как испечь хлеб», "best way to learn guitar"
    r"\b(?:как\s+(?:при)?готовить|как\s+сварить|как\s+испечь|how\s+(?:to|do\s+i|do\s+you)\s+(?:cook|bake)|"
    r"recipe\s+for|рецепт\w*\s+(?:борща|пирога|торта|блинов|плова|супа))\b"
    r"|\b(?:learn|выучить|научиться)\s+(?:to\s+play\s+|играть\s+на\s+)?(?:the\s+)?(?:guitar|piano|drums|violin|"
    r"гитар\w*|пианино|барабан\w*|скрипк\w*)",
    # programming homework, not the company's IT: "how do i reverse a linked list in java"
    rf"\b(?:how\s+(?:do\s+i|to|can\s+i)|как|explain|объясни|what\s+is|что\s+такое)\b.*\b{lex.CODING_TOPIC}",
    r"\b(?:реши(?:те)?|solve)\s+(?:уравнени\w*|(?:the\s+|this\s+)?equation|for\s+x)\b",
    # markets: «какой курс доллара сегодня», "stock price of apple"
    r"^\W*(?:какой|a?\s*сколько)\s+(?:сейчас\s+|сегодня\s+)?курс\s+(?:доллара|евро|юаня|биткоина|btc)(?:\s+к\s+\w+)?"
    r"(?:\s+(?:сегодня|сейчас|на\s+сегодня))?\W*$|\b(?:stock|share)\s+price\s+of\b"
    r"|\bshould\s+i\s+buy\s+\w+\s+(?:shares|stock|crypto)",
)), _I)
_SPAM = re.compile(rf"^(?=.*{lex.SPAM_LURE})(?=.*{lex.SPAM_CALL})", _I | re.DOTALL)
_TEST_PING = re.compile(
    r"^\W*(?:(?:это|this\s+is)(?:\s+(?:just\s+)?(?:a|просто))?\s+)?(?:тест\w*|test\w*|проверка(?:\s+связи)?|ping|"
    r"пинг|mic\s+check|раз(?:-|\s+)(?:раз|два)|"
    r"(?:lorem|лорем)\s+(?:ipsum|ипсум)\b.*)"
    r"(?:[\s,.!]+(?:тест\w*|test\w*|\d+|проверка|связи|ping|раз|два|три|один|one|two|three|сообщени\w*|"
    r"message|msg|бот\w*|bot|связ\w*))*\W*$", _I)
_NOTICE = re.compile(rf"^\W*(?:{lex.NOTICE_LEAD}\W+){{0,4}}(?:{lex.NOTICE_RU}|{lex.NOTICE_EN})\b", _I)
_TAKE_BACK = re.compile(rf"^\W*(?:{lex.NOTICE_LEAD}\W+){{0,4}}{lex.TAKE_BACK}(?!\w)(?!.*\?)", _I)
_TROUBLE = re.compile(lex.TROUBLE, _I)
# Letter pairs no Russian word has: a word opening with «ы», «ь» or «ъ», a vowel before «ы», «ь» or «ъ», «ыа».
_NO_SUCH_WORD = re.compile(r"^[ыьъ]|[аеиоуыэюя][ьъ]|[аеиоуэюя]ы|ы[аоэюя]|[ьъ][ьъ]", _I)

_KEYBOARD = (("qwertyuiop", "asdfghjkl", "zxcvbnm"), ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"))
_ROW_SHIFT = (0.0, 0.25, 0.75)  # how far each row of a real keyboard sits to the right of the one above
_KEY_AT = {key: (x + _ROW_SHIFT[y], float(y)) for layout in _KEYBOARD for y, row in enumerate(layout)
           for x, key in enumerate(row)}
_VOWELS = frozenset("аеёиоуыэюяaeiouy")
_HOME_ROWS = ("asdfghjkl", "фывапролджэ")


def _row_run(word: str) -> int:
    """The longest stretch of the word typed straight along one keyboard row, either way («фыва», "lkjh")."""
    rows = [r for layout in _KEYBOARD for row in layout for r in (row, row[::-1])]
    return max((j - i for i in range(len(word)) for j in range(i + 4, len(word) + 1)
                if any(word[i:j] in row for row in rows)), default=0)


def _neighbour_share(word: str) -> float:
    """The share of consecutive letters that are the same or neighbouring keys: mash stays under one hand."""
    pairs = list(itertools.pairwise(word))
    near = sum(math.dist(_KEY_AT[a], _KEY_AT[b]) <= 1.3 for a, b in pairs)
    return near / len(pairs)


def _repeats_a_chunk(word: str) -> bool:
    """"asdasd", «фывфыв», "jkjkjk": one to four letters typed over and over."""
    return any(len(word) >= 2 * k and (word[:k] * (len(word) // k + 1)).startswith(word) for k in range(1, 5))


def is_keyboard_mash(text: str) -> bool:
    """Letters hit at random (at most three "words" of them), or nothing but digits and dots."""
    if re.fullmatch(r"[\d\s.…,!?]*", text.strip()):
        return True
    words = re.sub(r"[\s.,!?…]+", " ", text.strip().lower()).split()
    if not words or len(words) > 3 or not all(c in _KEY_AT for w in words for c in w):
        return False
    joined = "".join(words)  # «фыв фыв фыв», "asd asd": the pattern shows across the words
    return (len(joined) >= 6 and _repeats_a_chunk(joined)) or all(_looks_random(w) for w in words)


def _looks_random(word: str) -> bool:
    """Judged by the letters' statistics rather than a list: a run along a keyboard row, a pair of letters no
    Russian word has, no vowel in six letters, one letter or a chunk repeated, only home-row keys with few vowels,
    or few letters that all lie under one hand."""
    length, distinct = len(word), set(word)
    if (length >= 3 and len(distinct) == 1) or (length >= 6 and (not _VOWELS & distinct or _repeats_a_chunk(word))):
        return True
    if length > 40:  # no word is that long; the checks below are for what could be one
        return False
    run = _row_run(word)
    if run >= 5 or (run >= 4 and run >= 0.8 * length) or (length >= 3 and _NO_SUCH_WORD.search(word)):
        return True
    vowels = sum(c in _VOWELS for c in word)
    if length >= 7 and vowels < 0.35 * length and any(distinct <= set(row) for row in _HOME_ROWS):
        return True  # "asdkjhasd": words typed on the home row alone are few, and have vowels
    return length >= 6 and len(distinct) < length / 2 and _neighbour_share(word) >= 0.7


def is_notice(text: str) -> bool:
    """A short status message that asks nothing: late, away, sent something, or the last message taken back."""
    if len(text.split()) > 12:
        return False
    return bool(_TAKE_BACK.search(text)) or (bool(_NOTICE.search(text)) and not _TROUBLE.search(text))


def _arithmetic(text: str) -> bool:
    return bool(_ARITHMETIC.search(text) or _CONVERSION.search(text)) and not _NUMBER_NOT_A_SUM.search(text)


def _task(text: str) -> bool:
    """A generation or translation task, unless a question follows it («переведите сайт на английский можно?»)."""
    return bool(_CREATIVE.search(text) or _TRANSLATE.search(text)) and not _QUESTION_AFTER.search(text)


def is_other(text: str) -> bool:
    """Whether a rule is sure the message is not for the knowledge base (``text`` lowercased, «ё» as «е»); keyboard
    mash is apart (``is_keyboard_mash``), tried last, once the text has been read in the other layout too."""
    return (_arithmetic(text) or _task(text) or bool(_WORLD.search(text) or _SPAM.search(text)
                                                     or _TEST_PING.match(text)) or is_notice(text))
