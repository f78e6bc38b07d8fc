# ruff: noqa: E501  (the date grammar is long regex alternations; wrapping them hurts reading)
"""Find and read dates as comment headers write them: English, French, German, Arabic, ... month names, numeric
dates, ISO 8601, and relative times ("3 hours ago", "il y a 2 jours", "vor 5 Minuten").

`DATE` finds a date span cheaply (one precompiled regex); `to_iso` reads the span into ISO 8601 when the
date is absolute, and returns None for relative dates (no reference time is known) or unreadable ones.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from service.textcase import lower_for_words, may_hold

# Each month's names, one table per script. Latin: en, fr, de, es, it, pt, nl, then Polish (the genitive
# a date writes, "12 marca 2024", and the nominative; its three-letter forms "sie", "lis", "lut" are words
# of other languages and are left out). Cyrillic: Russian's genitive, nominative and short forms ("12 мар
# 2024 в 12:00"). Arabic: the Egyptian/Gulf names, the Levantine (two words for four of them, joined here
# by "_") and the Maghreb ones, each as written with and without the hamza on its alef.
_MONTH_TABLES = (
    [
        "january jan janvier janv januar jänner jaenner enero ene gennaio gen janeiro januari stycznia styczeń styczen",
        "february feb février fevrier févr fevr februar febrero febbraio fevereiro fev februari lutego luty",
        "march mar mars märz maerz marzo março maart mrt marca marzec",
        "april apr avril avr abril abr aprile kwietnia kwiecień kwiecien",
        "may mai mayo maggio mag maio mei maja maj",
        "june jun juin juni junio giugno giu junho czerwca czerwiec",
        "july jul juillet juil juli julio luglio lug julho lipca lipiec",
        "august aug août aout agosto augustus sierpnia sierpień sierpien",
        "september sep sept septembre septiembre setiembre settembre setembro września wrzesnia wrzesień wrzesien",
        "october oct octobre oktober okt octubre ottobre ott outubro października pazdziernika październik pazdziernik",
        "november nov novembre noviembre novembro listopada listopad",
        "december dec décembre decembre déc dezember dez diciembre dic dicembre dezembro grudnia grudzień grudzien",
    ],
    # Swedish, Danish and Norwegian, Turkish, Indonesian: the names the first table lacks.
    [
        "ocak",
        "şubat subat",
        "marts mart maret",
        "nisan",
        "mayıs mayis",
        "haziran",
        "temmuz",
        "augusti ağustos agustos agustus",
        "eylül eylul",
        "ekim",
        "kasım kasim",
        "desember aralık aralik",
    ],
    # Catalan, Romanian, Hungarian, Czech and Slovak (genitive), Croatian (genitive), Finnish (partitive),
    # Malay, Tagalog: "4 de juny de 2024", "12 martie 2024", "15. júna 2024", "12. ožujka 2024.",
    # "12. maaliskuuta 2024", "12 Mac 2024", "Marso 12, 2024".
    [
        "gener ianuarie január januára ledna siječnja tammikuuta",
        "febrer februarie február februára února veljače helmikuuta pebrero",
        "març martie március marca března ožujka maaliskuuta mac marso",
        "aprilie április apríla dubna travnja huhtikuuta",
        "maig május mája května svibnja toukokuuta",
        "juny iunie június júna června lipnja kesäkuuta hunyo",
        "juliol iulie július júla července srpnja heinäkuuta julai hulyo",
        "agost augusztus augusta srpna kolovoza elokuuta ogos",
        "setembre septembrie szeptember septembra září rujna syyskuuta setyembre",
        "octombrie október októbra října lokakuuta oktubre",  # (not Croatian "listopada": Polish November)
        "noiembrie novembra listopadu studenoga studenog marraskuuta nobyembre",
        "desembre decembrie decembra prosince prosinca joulukuuta disember disyembre",
    ],
    [
        "января январь янв",
        "февраля февраль фев",
        "марта март мар",
        "апреля апрель апр",
        "мая май",
        "июня июнь июн",
        "июля июль июл",
        "августа август авг",
        "сентября сентябрь сен сент",
        "октября октябрь окт",
        "ноября ноябрь ноя нояб",
        "декабря декабрь дек",
    ],
    # Ukrainian and Greek, in the genitive a date writes ("12 березня 2024", "12 Μαρτίου 2024").
    [
        "січня ιανουαρίου",
        "лютого φεβρουαρίου",
        "березня μαρτίου",
        "квітня απριλίου",
        "травня μαΐου",
        "червня ιουνίου",
        "липня ιουλίου",
        "серпня αυγούστου",
        "вересня σεπτεμβρίου",
        "жовтня οκτωβρίου",
        "листопада νοεμβρίου",
        "грудня δεκεμβρίου",
    ],
    [
        "يناير كانون_الثاني جانفي",
        "فبراير شباط فيفري",
        "مارس آذار اذار",
        "أبريل ابريل إبريل نيسان أفريل افريل",
        "مايو أيار ايار ماي",
        "يونيو حزيران جوان",
        "يوليو تموز يوليوز جويلية",
        "أغسطس اغسطس آب اب غشت أوت اوت",
        "سبتمبر أيلول ايلول شتنبر",
        "أكتوبر اكتوبر تشرين_الأول تشرين_الاول",
        "نوفمبر تشرين_الثاني نونبر",
        "ديسمبر كانون_الأول كانون_الاول دجنبر",
    ],
)
_MONTHS: dict[str, int] = {
    name.replace("_", " "): num
    for table in _MONTH_TABLES
    for num, names in enumerate(table, start=1)
    for name in names.split()
}


def trie_rx(words: list[str]) -> str:
    """One alternation as a prefix tree ("ma(?:r(?:ch|s|zo)?|y)"): the regex engine tries each letter
    once instead of every word at every position, which keeps many languages' month names cheap."""
    trie: dict[str, dict] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        end = "" in node
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if end:
            return f"(?:{body})?" if len(alts) > 1 or len(body) > 1 else body + "?"
        return body

    return "(?:" + emit(trie) + ")"


# Longest first is not needed with a trie: each branch is greedy with an optional end.
_MONTH = trie_rx(list(_MONTHS)) + r"\.?"
MONTH_RX = _MONTH
_WEEKDAY_NAMES = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun "
    "lundi mardi mercredi jeudi vendredi samedi dimanche montag dienstag mittwoch donnerstag freitag "
    "samstag sonntag lunes martes miércoles miercoles jueves viernes sábado sabado domingo lunedì "
    "lunedi martedì martedi mercoledì mercoledi giovedì giovedi venerdì venerdi sabato domenica "
    "segunda-feira terça-feira terca-feira quarta-feira quinta-feira sexta-feira maandag dinsdag "
    "woensdag donderdag vrijdag zaterdag zondag"
)
# Short forms (de "Do.", fr "jeu.,", es "Jue,") only with their dot or comma: "Mo 2019-03-13" and
# "Lizzy Do August 9, 2012" are names.
_SHORT_WEEKDAYS = "mo di mi do fr sa so lun mar mer jeu ven sam dim mié mie jue vie sáb dom"
_WEEKDAY = (
    "(?:" + trie_rx(_WEEKDAY_NAMES.split()) + r"\.?,?|" + trie_rx(_SHORT_WEEKDAYS.split()) + r"(?:\.,?|,))"
)
_TIME = r"\d{1,2}(?:(?::|\s?h\s?)\d{2}(?::\d{2})?)(?:\s*[ap]\.?\s?m\.?)?(?:\s*(?:uhr|min|mn|hrs?|h)(?!\w))?|\d{1,2}\s*[ap]\.?m\.?"
_SEP = r"(?:\s*(?:,|\||·|-|–|—|@|at|à|a|um|le|on|,\s*at|a las|a la|alle|às|as|om|ore|kl\.?|klo|o|в|الساعة|a les|pada|pukul|sa)?\s*)"
# After a date, "10.15" is a time too (British and German sites write it so).
# "2.05pm" and a French whole hour ("à 10h") are times there too.
_TIME_AFTER = _TIME + r"|\d{1,2}\.\d{2}(?:\s*[ap]\.?\s?m\.?)?(?!\.?\d)|\d{1,2}\s?h(?!\w)"
_DE = r"(?:\s+(?:de|del)\b)?"  # Spanish / Portuguese "12 de marzo de 2019"
# (also with dots for spaces, as Folha writes it: "12.mar.2024")
_DMY = rf"\d{{1,2}}(?:st|nd|rd|th|er|\.|º)?{_DE}(?:\s+|(?<=\.)){_MONTH}{_DE}(?:,?\s+|(?<=\.))\d{{4}}"
_MDY = rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
_MD = rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b,?"
# Day and month without a year ("10 November at 14:32", "3. November um 14:32"): only with a time after
# it, since "on 10 November" is common in prose and a comment stamp carries its time; or as a whole
# line, or before a reply cue ("3 Dec", "3 Dec in reply to NAME": Discourse).
_DM = rf"\d{{1,2}}(?:st|nd|rd|th|er|\.|º)?{_DE}\s+{_MONTH}\b{_DE}"
# "in reply to NAME" in the languages we read: after a stamp, in a header and opening a comment
# (service/parse/comments.py reads all three from this one list).
REPLY_CUE = (
    r"(?:in reply to|replying to|reply to|als antwort auf|antwort auf|antwort an|en réponse à|en respuesta a"
    r"|in risposta a|em resposta a|responde a|respondió a|respondeu a|risponde a|répond à"
    # (session 41) hu "Előzmény: NAME #2", hr, sk, cs, ro, ca, uk, el
    r"|előzmény|odgovor na|odpoveď na|odpověď na|răspuns (?:la|pentru)|en resposta a|відповідь на|απάντηση σε)\b"
)
# The name after it, on a line of its own: at most three words, no comma or sentence end ("J. Fairburn",
# "dave_k"), so a reader's sentence ("In reply to Ann, I think ...") is not taken for one; a final initial
# is no sentence end ("Kai R.").
REPLY_NAME = r"@?[^\s,;:!?]+(?:\s+[^\s,;:!?]+){0,2}(?:(?<!\.)|(?<=\s[A-Z]\.))"
# (also with a space after each dot, as Czech, Slovak and German sites write it: "12. 3. 2024")
_NUM = r"\d{1,2}(?:[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\. \d{1,2}\. \d{4})\b"
_ISO = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\.?[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_UNITS = (
    r"(?:sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|hours?|days?|weeks?|months?|years?|yrs?"
    r"|minutes?|heures?|jours?|semaines?|mois|ans?|années?"
    r"|sekunden?|minuten?|stunden?|tag(?:en?)?|wochen?|monat(?:en?)?|jahr(?:en?|e)?"
    r"|segundos?|minutos?|horas?|días?|dias?|semanas?|meses|mes|años?|anos?"
    r"|mês"
    r"|secondi|secondo|minuti|minuto|ore|ora|giorni|giorno|settimane|settimana|mesi|mese|anni|anno"
    r"|seconden|minuten|minuut|uur|dagen|dag|weken|maanden|maand|jaar"
    r"|sekund[yę]?|minut[yę]?|godzin[yę]?|godz\.|dni|dzień|dzien|tygodni[ea]?|tydzień|tydzien"
    r"|miesiąc[ea]?|miesiac[ea]?|miesięcy|miesiecy|lat[a]?|rok"
    r"|секунд[уы]?|минут[уы]?|час(?:а|ов)?|дн(?:я|ей)|день|недел[юиь]|недель|месяц(?:а|ев)?|год(?:а)?|лет)"
)
# Abbreviated units after "vor", "il y a", "hace" and at a line's end ("vor 2 Std.", "il y a 3 h",
# "J'aime · Répondre · 2 j", "Gefällt mir · Antworten · 2 Tg.").
_SHORT_UNITS = r"(?:s|m|mins?\.?|h|hrs?|d|w|wk|mo|y|yr|j|t|tg\.?|std\.?|mn|sek\.?|sem\.?|wo\.?|mon\.?)"
# An edit mark after a line's final stamp ("Like · Reply · 17 · 2y · Edited").
_EDITED = r"(?:[·•|]\s*(?:edited|bearbeitet|modifié|editado|modificato|bewerkt)\s*)?"
# ... or the reactions' count after it ("Like · Reply · 3d · 👍 18", the Facebook plugin).
_EDITED += r"(?:[·•|]\s*(?:👍|❤️|❤|♥|👎)\s*\d{1,6}\s*)?"
# Arabic units after a number (singular and plural), and alone: the singular ("منذ ساعة", an hour ago)
# and the dual, a number of its own ("منذ ساعتين", two hours ago). A plural alone is prose: "منذ سنوات"
# is "for years".
_AR_ONE_OR_TWO = (
    r"ثانية|ثانيتين|دقيقة|دقيقتين|ساعة|ساعتين|يوم|يومين|أسبوع|اسبوع|أسبوعين|اسبوعين|شهر|شهرين|سنة|سنتين"
    r"|عام|عامين"
)
_AR_UNITS = (
    rf"(?:{_AR_ONE_OR_TWO}|ثوان|ثواني|دقائق|ساعات|أيام|ايام|أسابيع|اسابيع|أشهر|اشهر|شهور|سنوات|أعوام|اعوام)"
)
# Yesterday / today in the languages whose units are known.
_DAY_WORD = (
    r"(?:yesterday|today|aujourd['’]hui|gestern|heute|hier|ayer|hoy|ieri|oggi|ontem|hoje|gisteren|vandaag"
    # (not Finnish "eilen": a reader's name on a Dragnet page)
    r"|wczoraj|dzisiaj|dziś|вчера|сегодня|kemarin|dün|igår|i\s+går|včera|tegnap"
    r"|χθες|χτες|σήμερα|אתמול|היום|دیروز|امروز|hôm\s+qua|hôm\s+nay|semalam|kahapon|jučer|danas|dnes|вчора"
    r"|сьогодні|ahir|avui|azi|astăzi)"
)
# Bare relative stamps ("Yesterday", "last week", "about 2 hours") are ordinary words in prose: they are
# dates only as a whole line or at its end after a separator ("Möwe77•Gestern", "Ann · right now").
_BARE_REL = (
    r"(?:"
    + _DAY_WORD
    + r"|last\s+week|right\s+now|la\s+semaine\s+derni[èe]re|letzte\s+woche|la\s+semana\s+pasada"
    rf"|about\s+(?:\d+|an?|one)\s+{_UNITS})"
)
# Swedish "för 2 timmar sedan", Danish / Norwegian "for 2 timer siden", Finnish "2 tuntia sitten", Turkish
# "2 saat önce", Indonesian "2 jam yang lalu", Czech "před 2 hodinami", Romanian "acum 2 ore", Hungarian
# "2 órája" (the unit carries "ago").
_REL_NORDIC_TR_ID = (
    r"(?:för\s+|for\s+)?(?:\d+|en|ett|et)\s+(?:sekund(?:er)?|minut(?:er|ter)?|minutt(?:er)?|timm(?:e|ar)|timer?"
    r"|dag(?:ar|er|e)?|veck(?:a|or)|uger?|uker?|månad(?:er)?|måned(?:er)?|år)\s+(?:sedan|siden)"
    r"|\d+\s+(?:sekuntia|minuuttia|tuntia|päivää|viikkoa|kuukautta|vuotta|s|min|t|h|pv|vk|kk|v)\s+sitten"
    r"|\d+\s+(?:saniye|dakika|dk\.?|saat|gün|hafta|ay|yıl)\s+önce"
    r"|\d+\s+(?:detik|menit|jam|hari|minggu|bulan|tahun)\s+(?:yang\s+)?lalu"
    r"|před\s+\d+\s+(?:sekundami|minutami|minutou|hodinami|hodinou|dny|dnem|týdny|týdnem|měsíci|měsícem|lety|rokem)"
    r"|před\s+(?:minutou|hodinou|dnem|týdnem|měsícem|rokem)|pred\s+(?:minútou|hodinou|dňom|týždňom|mesiacom|rokom)"
    r"|acum\s+\d+\s+(?:de\s+)?(?:secunde|minute|minut|ore|oră|zile|zi|săptămâni|luni|ani|an)"  # ("35 de minute")
    r"|\d+\s+(?:másodperce|perce|órája|napja|hete|hónapja|éve)"
    # Greek "πριν από 2 ώρες", Hebrew "לפני 2 שעות" (and "לפני שעה", an hour ago), Persian "۲ ساعت پیش",
    # Hindi "2 घंटे पहले", Vietnamese "2 giờ trước" / "3h trước", Tagalog "2 oras ang nakalipas", Croatian
    # "prije 2 sata", Slovak "pred 2 hodinami", Ukrainian "2 години тому", Catalan "fa 2 hores", Romanian
    # "acum o zi", Swahili "saa 2 zilizopita"
    r"|πριν(?:\s+από)?\s+\d+\s+(?:δευτερόλεπτα|δευτερόλεπτο|λεπτά|λεπτό|ώρες|ώρα|ημέρες|ημέρα|μέρες|μέρα|εβδομάδες|εβδομάδα|μήνες|μήνα|χρόνια|χρόνο)"
    r"|לפני\s+(?:\d+\s+(?:שניות|דקות|שעות|ימים|שבועות|חודשים|שנים)|דקה|שעה|יום|שבוע|חודש|שנה|יומיים|שעתיים)"
    r"|\d+\s+(?:ثانیه|دقیقه|ساعت|روز|هفته|ماه|سال)\s+(?:پیش|قبل)"
    r"|\d+\s+(?:सेकंड|मिनट|घंटे|घंटा|दिन|हफ्ते|सप्ताह|महीने|महीना|साल|वर्ष)\s+पहले"
    r"|\d+\s*(?:giây|phút|giờ|ngày|tuần|tháng|năm|h|p)\s+trước"
    r"|\d+\s+(?:segundo|minuto|oras|araw|linggo|buwan|taon)\s+(?:na\s+)?(?:ang\s+)?nakalipas"
    r"|prije\s+\d+\s+(?:sekund[ie]?|minut[ae]?|sat[ia]?|dan[a]?|tjedan|tjedna|mjesec[ia]?|godin[ae]?)"
    r"|pred\s+\d+\s+(?:sekundami|minútami|minútou|hodinami|hodinou|dňami|dňom|týždňami|týždňom|mesiacmi|mesiacom|rokmi|rokom)"
    r"|\d+\s+(?:секунд[уи]?|хвилин[уи]?|годин[уи]?|дн(?:і|ів)|день|тижн(?:і|ів)|тиждень|місяц(?:і|ів)|місяць|рок(?:и|ів)|рік)\s+тому"
    r"|fa\s+\d+\s+(?:segons|minuts?|hores|hora|dies|dia|setmanes|setmana|mesos|mes|anys?)"
    r"|acum\s+(?:o|un)\s+(?:zi|oră|ora|lună|luna|săptămână|an|minut|secundă)"
    r"|(?:sekunde|dakika|saa|siku|wiki|mwezi|miezi|mwaka|miaka)\s+\d+\s+(?:zilizopita|iliyopita)"
)
_REL = (
    rf"(?:\d+|an?|one)\s+{_UNITS}\s+ago|\d+\s?(?:s|m|min|h|hr|d|w|wk|mo|y|yr)\s+ago"
    rf"|il\s+y\s+a\s+(?:\d+|une?)\s+(?:{_UNITS}|{_SHORT_UNITS})|vor\s+(?:\d+|einer?|einem)\s+(?:{_UNITS}|{_SHORT_UNITS})\.?"
    # (with Ukrainian's Cyrillic "о", Czech "v", Nordic "kl.")
    rf"|\b{_DAY_WORD}\b,?\s*(?:at|à|um|a\s+las|a\s+la|alle|às|om|o|в|о|v|kl\.?)?\s*(?:" + _TIME + ")"
    # A weekday with its time, as forums date the last week's posts ("Saturday at 5:04 PM", XenForo):
    # opening the line or after a separator (in prose: "the meeting is on Sunday at 10 am")
    rf"|(?:^|(?<=[·•|] )|(?<=[·•|])){trie_rx(_WEEKDAY_NAMES.split())}\b,?\s*(?:at|à|um|a\s+las|alle|às|om)"
    r"\s*(?:" + _TIME + ")"
    rf"|(?:\d+|jedn[aą])\s+{_UNITS}\s+temu|(?:\d+|одн[уа])\s+{_UNITS}\s+назад"  # Polish, Russian
    r"|\bjust now\b|\bà l['’]instant\b"
    rf"|(?:^|(?<=[·•|])\s?){_BARE_REL}(?=\s*$)"
    rf"|(?:(?<=[·•|] )|(?<=[·•|]))\d{{1,3}}\s?{_SHORT_UNITS}(?=\s*{_EDITED}$)"  # "Ann · 2h" at the end of a line
    rf"|(?:منذ|قبل)\s+(?:\d+\s+{_AR_UNITS}|(?:{_AR_ONE_OR_TWO}))"  # Arabic: "منذ 3 ساعات", "منذ ساعتين"
    rf"|hace\s+(?:\d+|una?)\s+(?:{_UNITS}|{_SHORT_UNITS})|(?:\d+|un[ao]?|un['’](?=ora))\s*{_UNITS}\s+fa|(?:\d+|een)\s+{_UNITS}\s+geleden|h[áa]\s+(?:\d+|uma?)\s+{_UNITS}"
    rf"|{_REL_NORDIC_TR_ID}"
)
# A day, a month name the tables lack, a year and a time, in any script ("14 مارچ 2024، 11:20",
# "14 มี.ค. 67 11:02", "১৪ মার্চ ২০২৪, ১১:০২"): only with the time, as a comment's stamp is written; read
# as a date without a calendar day (to_iso gives None).
_UNKNOWN_MONTH = rf"\d{{1,2}}\.?\s+[^\s\d]{{2,12}}\s+(?:\d{{4}}|\d{{2}})[,،]?\s+(?:{_TIME})"
_ABS = rf"(?:(?:{_TIME})\s*(?:,|·|\||-|–|—|on)?\s*)?(?:{_WEEKDAY}\s+)?(?:{_DMY}|{_MDY}|{_ISO}|{_NUM}|{_MD}|{_DM}(?={_SEP}(?:{_TIME_AFTER}))|^{_DM}(?=\s*$|\s+{REPLY_CUE})|{_UNKNOWN_MONTH})(?:{_SEP}(?:{_TIME_AFTER}))?"

DATE = re.compile(rf"(?<![\w/.-])(?:\(?(?:{_ABS})\)?|{_REL})(?![\w])", re.I)


class DateHit(NamedTuple):
    start: int
    end: int
    raw: str
    kind: str  # "dmy", "mdy", "md", "dm", "num", "iso", "rel"
    has_time: bool


_K_DMY = re.compile(
    rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|\.|º)?{_DE}(?:\s+|(?<=\.))(?P<m>{_MONTH}){_DE}(?:,?\s+|(?<=\.))(?P<y>\d{{4}})",
    re.I,
)
_K_MDY = re.compile(rf"(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})", re.I)
_K_MD = re.compile(rf"(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})", re.I)
_K_DM = re.compile(rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|\.|º)?{_DE}\s+(?P<m>{_MONTH})", re.I)
_K_ISO = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
_K_NUM = re.compile(r"(?P<a>\d{1,2})(?P<s>[./-]) ?(?P<b>\d{1,2})[./-] ?(?P<y>\d{4}|\d{2})\b")
_K_REL = re.compile(_REL, re.I)
_K_TIME = re.compile(
    r"(?<![\d.:/-])(?P<h>\d{1,2})(?:(?:[:.]|\s?h\s?)(?P<mi>\d{2})(?::(?P<s>\d{2}))?|(?P<hr>\s?h)(?!\w))?\s*(?P<ap>[ap])?\.?\s?(?:m\.?)?(?:\s*uhr)?",
    re.I,
)


# Every date form holds a digit except a few relative ones: cheap tests skip most prose lines. The
# digit-led forms are tested first; the month-name test runs only on lines that hold a digit.
_HAS_DIGIT = re.compile(r"\d")
_DIGIT_DATE = re.compile(r"\d(?:\d{3}|[./-]\d{1,2}[./-]\d|[:h]\d\d|\s?[aApP]\.?[mM]\b)")
_MONTH_STEMS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_DAY = re.compile(r"\b(?:" + "|".join(_MONTH_STEMS) + r")[a-z]*\.? \d", re.I)
# Relative times other than "today 10:15" (whose time the digit test already catches).
_DAY_WORDS = (
    "yesterday", "today", "aujourd", "gestern", "heute", "hier", "ayer", "hoy", "ieri", "oggi", "ontem",
    "hoje", "gisteren", "vandaag", "week", "semaine", "woche", "semana", "about", "wczoraj", "dzisiaj",
    # (Greek "χθες" without its final sigma, which re.IGNORECASE matches to "σ": the pretest's words
    # hold no letter lower_for_words cannot vouch for)
    "dziś", "вчера", "сегодня", "kemarin", "dün", "igår", "i går", "včera", "tegnap", "χθε", "χτε",
    "σήμερα", "אתמול", "היום", "دیروز", "امروز", "hôm qua", "hôm nay", "semalam", "kahapon", "jučer",
    "danas", "dnes", "вчора", "сьогодні", "ahir", "avui", "azi", "astăzi",
)  # fmt: skip
_REL_WORDS = (
    "ago",
    "fa",
    "geleden",
    "hace",
    "há",
    "vor",
    "il y a",
    "just now",
    "instant",
    "منذ",
    "قبل",
    "temu",
    "назад",
    "sedan",
    "siden",
    "sitten",
    "önce",
    "lalu",
    "před",
    "acum",
    "órája",
    "perce",
    "napja",
    "hete",
    "hónapja",
    "éve",
    "πριν",
    "לפני",
    "پیش",
    "قبل",
    "पहले",
    "trước",
    "nakalipas",
    "prije",
    "pred",
    "тому",
    "zilizopita",
    "iliyopita",
    *_DAY_WORDS,
)
# The words of a relative stamp without a digit ("an hour ago", "Gestern", "last week", "right now").
_BARE_WORDS = (
    "ago", "now", "instant", "il y a", "vor ein", "hace un", "há um", "منذ", "قبل", "geleden",
    "ora fa", "minuto fa", "giorno fa", "settimana fa", "mese fa", "anno fa", "acum o", "acum un", "לפני",
    "před", "pred",  # Czech and Slovak "před hodinou" (an hour ago)
    *_DAY_WORDS,
)  # fmt: skip


# "Reply · 2d"; Lemmy in w3m glues the separator: "mox@lemmy.world22•3h".
_COMPACT_REL = re.compile(rf"[·•|] ?\d{{1,3}}\s?{_SHORT_UNITS}\s*{_EDITED}$", re.I)


# "3 Dec" as a whole line or before a reply cue (no year, no time).
_DM_LINE = re.compile(rf"\s*{_DM}(?:\s*$|\s+{REPLY_CUE})", re.I)


_COMPACT_RAW = re.compile(rf"\d{{1,3}}\s?{_SHORT_UNITS}", re.I)
# A compact stamp without a separator: after a name ("RiverRat77 5h", "Jen K 4h": OpenWeb, Instagram,
# X) or alone on its line ("5h"). Only at the end of a line of at most three words before it and
# NAMED_COMPACT_CHARS characters, as a comment header is (prose ending in "10m" is longer), and in
# lower case ("Revenue 5M" is money).
_NAMED_COMPACT = re.compile(r"[ \t]*(?:\S+[ \t]+){0,3}(\d{1,2}(?:s|m|min|h|hr|d|w|wk|mo|y|yr))[ \t]*")
NAMED_COMPACT_CHARS = 40
# The same stamp glued to the name's last word, as a text dump prints a name and a time in two inline
# elements ("Gaffer Gary45m"). The name ends in a letter or "_"; of the digit run, the stamp is the
# longest tail its unit can show: "BlueTerrace19872h" is "BlueTerrace1987" at 2h (no site says 72h),
# "fan_111h" cannot be told apart and reads as "fan_1" at 11h. No seconds: "MP3s" is a plural.
_GLUED_COMPACT = re.compile(r"[ \t]*(?:\S+[ \t]+){0,3}\S*[^\W\d](\d+)(m|min|h|hr|d|w|wk|mo|y|yr)[ \t]*")
_UNIT_MAX = {"m": 59, "min": 59, "h": 23, "hr": 23, "d": 31, "w": 52, "wk": 52, "mo": 11, "y": 99, "yr": 99}


def _maybe_date(text: str, has_digit: bool | None = None) -> bool:
    if has_digit is None:
        has_digit = _HAS_DIGIT.search(text) is not None
    if has_digit:
        if _DIGIT_DATE.search(text):
            return True
        # The month and relative-time searches (re.IGNORECASE) need one of their words in the
        # lower-cased line, and most lines have none.
        low = lower_for_words(text)
        return bool(
            (may_hold(low, _MONTH_STEMS) and _MONTH_DAY.search(text))
            or (may_hold(low, _REL_WORDS) and _REL_WORDS_RX.search(text))
            or _COMPACT_REL.search(text)
            or _DM_LINE.match(text)
        )
    # Without a digit only "an hour ago", "just now", "il y a une heure", "vor einer Stunde"... remain.
    return _BARE_WORDS_IN.search(text.lower()) is not None


# Any of _BARE_WORDS as a substring, in one search (half the time of testing each word in turn).
_BARE_WORDS_IN = re.compile("|".join(re.escape(w) for w in _BARE_WORDS))


# The words a relative stamp ends in ("2 saat önce", "3 hours ago"): a line ending so may hold one glued to
# the name before it ("Mehmet K.2 saat önce").
REL_LAST_WORDS = frozenset(w for w in _REL_WORDS if " " not in w)
# (not \b at the end: a word may end in a vowel sign, Hindi "पहले", which is no word character)
_REL_WORDS_RX = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in _REL_WORDS) + r")(?!\w)", re.I)


_DIGIT_LED = frozenset(("iso", "dmy", "num", "dm"))
_MONTH_LED = frozenset(("mdy", "md"))
_NAMED = frozenset(("dmy", "mdy", "md", "dm"))  # the readings with a month name are found anywhere in it
# The readings in the order they are tried: a full date before a partial one.
_READINGS = (("iso", _K_ISO), ("dmy", _K_DMY), ("mdy", _K_MDY), ("num", _K_NUM), ("md", _K_MD), ("dm", _K_DM))
_HAS_TIME = re.compile(r"\d(?::|\s?h\s?)\d{2}|\d\s*[ap]\.?m\b|(?<=\s)\d{1,2}\.\d{2}$", re.I)  # (".. 21.14")


def find_date(text: str, *, has_digit: bool | None = None) -> DateHit | None:
    """The first date in `text`; `has_digit` (whether it holds a digit) when the caller knows it."""
    m = DATE.search(text) if _maybe_date(text, has_digit) else None
    if not m:
        short = len(text) <= NAMED_COMPACT_CHARS and has_digit is not False
        if short and (named := _NAMED_COMPACT.fullmatch(text)):
            return DateHit(named.start(1), named.end(1), named.group(1), "rel", False)
        if short and (glued := _GLUED_COMPACT.fullmatch(text)):
            return _glued_stamp(glued)
        return None
    raw = m.group(0).strip("() ")
    if _K_REL.fullmatch(raw) or _COMPACT_RAW.fullmatch(raw):
        return DateHit(m.start(), m.end(), raw, "rel", False)
    kind = "num"
    # A reading's match at the start needs the raw date's first character to be a digit (iso, dmy,
    # num) or not (a month name: mdy, md; str.isdigit holds for every character \d matches).
    led = _DIGIT_LED if raw[:1].isdigit() else _MONTH_LED
    for name, rx in _READINGS:
        if (name in led and rx.match(raw)) or (name in _NAMED and rx.search(raw)):
            kind = name
            break
    has_time = _HAS_TIME.search(raw) is not None
    return DateHit(m.start(), m.end(), raw, kind, has_time)


def _glued_stamp(m: re.Match[str]) -> DateHit:
    digits, unit = m.group(1), m.group(2)
    two = digits[-2:]
    width = 2 if len(two) == 2 and two[0] != "0" and int(two) <= _UNIT_MAX[unit] else 1
    start = m.end(1) - width
    return DateHit(start, m.end(2), m.string[start : m.end(2)], "rel", False)


def _year(y: str) -> int:
    n = int(y)
    if len(y) == 2:
        n += 2000 if n < 70 else 1900
    return n


def to_iso(raw: str, *, numeric_order: str | None = None) -> str | None:
    """ISO 8601 for an absolute date (with its time when given), None when it cannot be read."""
    text = raw.strip("() ")
    if _K_REL.fullmatch(text) or _COMPACT_RAW.fullmatch(text):
        return None
    found = _ymd(text, numeric_order)
    if found is None:
        return None
    (year, month, day), head, rest = found
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    try:
        import datetime as _dt

        _dt.date(year, month, day)
    except ValueError:
        return None
    hms = _hms(rest) or _hms(head)  # "10:15 AM, March 3, 2021": the time comes first
    if hms is None:
        return f"{year:04d}-{month:02d}-{day:02d}"
    hour, minute, second = hms
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"


def _ymd(text: str, numeric_order: str | None) -> tuple[tuple[int, int, int], str, str] | None:
    """(year, month, day), the text before the date and the text after it; None without a full date."""
    m = _K_ISO.search(text)
    if m:
        return (int(m["y"]), int(m["m"]), int(m["d"])), text[: m.start()], text[m.end() :]
    for rx in (_K_DMY, _K_MDY):
        m = rx.search(text)
        if m:
            month = _MONTHS.get(m["m"].lower().rstrip("."))
            year = _year(m["y"])
            if not (year and month and int(m["d"])):
                return None
            return (year, month, int(m["d"])), text[: m.start()], text[m.end() :]
    m = _K_NUM.search(text)
    if not m:
        return None
    a, b, year = int(m["a"]), int(m["b"]), _year(m["y"])
    order = numeric_order or ("mdy" if m["s"] == "/" else "dmy")
    if a > 12 >= b:
        order = "dmy"
    elif b > 12 >= a:
        order = "mdy"
    month, day = (a, b) if order == "mdy" else (b, a)
    if not (year and month and day):
        return None
    return (year, month, day), text[: m.start()], text[m.end() :]


def _hms(text: str) -> tuple[int, int, int] | None:
    t = _K_TIME.search(text)
    if not (t and (t["mi"] or t["ap"] or t["hr"])):
        return None
    hour, minute, second = int(t["h"]), int(t["mi"] or 0), int(t["s"] or 0)
    ap = (t["ap"] or "").lower()
    if ap == "p" and hour < 12:
        hour += 12
    elif ap == "a" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        return None
    return hour, minute, second
