"""Candidate answer spans in a sentence: named entities, numbers with their units,
quoted titles and noun phrases, each tagged with the answer types it can fill."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .answer_types import (
    AGE, DATE, DURATION, MONEY, NUMBER, ORDINAL, ORG, ORG_NOUNS, OTHER, PERCENT, PERSON, PERSON_NOUNS, PLACE, PLACE_NOUNS,
    QUANTITY, SCORE, TIME, TITLE,
)

ENTITY_TYPES = {
    "PERSON": (PERSON,),
    "ORG": (ORG,),
    "GPE": (PLACE,),
    "LOC": (PLACE,),
    "FAC": (PLACE, ORG),
    "NORP": (OTHER,),
    "DATE": (DATE, DURATION),
    "TIME": (TIME,),
    "CARDINAL": (NUMBER,),
    "MONEY": (MONEY,),
    "PERCENT": (PERCENT,),
    "QUANTITY": (QUANTITY,),
    "ORDINAL": (ORDINAL,),
    "WORK_OF_ART": (TITLE,),
    "EVENT": (TITLE, OTHER),
    "LAW": (TITLE,),
    "PRODUCT": (TITLE, OTHER),
    "LANGUAGE": (OTHER,),
}
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|a hundred|one hundred|dozens|hundreds|thousands"
)
_MODIFIER = r"(?:(?:more|fewer|less) than|over|under|nearly|almost|about|around|some|approximately|roughly|up to|at least|at most)\s+"
_NUMBER = re.compile(
    rf"(?<![\w.])(?:{_MODIFIER})?(?:\d[\d,]*(?:\.\d+)?|(?:{_NUMBER_WORDS})\b)"
    r"(?:\s+(?:million|billion|trillion|thousand|hundred))?(?![\w])",
    re.IGNORECASE,
)
_MONEY_UNITS = r"yuan|dollars?|euros?|pounds?|yen|rupees?|francs?|won|rmb|usd|eur|gbp|cny"
_MONEY_AFTER = re.compile(rf"\s*(?:(?:us|u\.s\.|hong kong|singapore|australian|canadian)\s+)?(?:{_MONEY_UNITS})\b", re.IGNORECASE)
_PERCENT_AFTER = re.compile(r"\s*(?:%|per ?cent|percentage points?)", re.IGNORECASE)
_QUANTITY_AFTER = re.compile(
    r"[\s-]*(?:km|kilomet(?:re|er)s?|met(?:re|er)s?|centimet(?:re|er)s?|millimet(?:re|er)s?|m|cm|mm|miles?|"
    r"feet|foot|ft|inch(?:es)?|yards?|kg|kilograms?|tonnes?|tons?|grams?|litres?|liters?|hectares?|acres?|"
    r"square (?:met(?:re|er)s|kilomet(?:re|er)s|miles)|mw|gw|kwh|gwh|(?:kilo|mega|giga)watt(?:-hour)?s?|"
    r"seats?|storeys?|floors?|degrees?)\b",
    re.IGNORECASE,
)
_DURATION_AFTER = re.compile(
    r"[\s-]*(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centuries)(?:[\s-]old)?\b",
    re.IGNORECASE,
)
_DURATION_ONLY = re.compile(
    r"^(?:about |some |nearly |almost |over |more than |less than |the past |the last )?[\w,.-]+"
    r"(?: and a half)?[\s-](?:years?|months?|weeks?|days?|decades?|hours?|minutes?|centuries)(?:[\s-]old)?$",
    re.IGNORECASE,
)
_CLOCK_UNITS = re.compile(r"\b(?:hours?|minutes?|seconds?)\b", re.IGNORECASE)
_CLOCK_TIME = re.compile(r"\b(?:a\.m|p\.m|am|pm|o'clock|noon|midnight)\b", re.IGNORECASE)
_SCORE = re.compile(r"(?<![\w.,])\d{1,3} ?(?:-|–|to) ?\d{1,3}(?![\w.,%-])")
# "Margaret Ashdown, 67, spotted", "aged 41"
_AGE = re.compile(r"(?:[A-Z][\w'-]+, |\baged )(\d{1,3})\b(?!\.\d)")
_QUOTED = re.compile(r"[\"“]([^\"“”\n]{2,200}?)[\"”]")
_CURRENCY_BEFORE = re.compile(r"(?:US|HK|A|C|S)?[$€£¥]\s*$")
# "8.30am", "6 p.m.", "10:45pm": the tagger often misses these or calls them organisations
_CLOCK = re.compile(r"(?<![\w.])\d{1,2}(?:[.:]\d{2})? ?(?:am|pm|a\.m\.|p\.m\.)(?![\w])", re.IGNORECASE)
# "through a skylight", "via a video message": how something was done
MEANS_PREPOSITIONS = frozenset({"through", "via", "using"})
_YEAR = re.compile(r"1\d{3}|20\d{2}")
# "AD 350", "350 BC", "the 3rd century BC"
_ERA = re.compile(r"(?<![\w])(?:(?:around|about|in|c\.) )?(?:AD \d{1,4}|\d{1,4} (?:AD|BC|BCE|CE))(?![\w])")
# "in the autumn", "next spring", "last winter"
_SEASON = re.compile(r"\b(?:in the|this|next|last|early|late|in|by the) (?:spring|summer|autumn|winter)\b",
                     re.IGNORECASE)
# "a one-day walkout", "a three-year deal": how long, never when
_DURATION_MODIFIER = re.compile(r"^[\w.]+-(?:year|month|week|day|hour|minute)$", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """A span [start, end) of the sentence's text, and the answer types it can fill."""

    start: int
    end: int
    types: tuple[str, ...]
    source: str
    weak_types: tuple[str, ...] = ()


def find_candidates(doc) -> list[Candidate]:
    """Candidates in a spaCy Doc of one sentence; offsets are into `doc.text`."""
    text = doc.text
    found: dict[tuple[int, int], Candidate] = {}

    def add(start: int, end: int, types: tuple[str, ...], source: str, weak: tuple[str, ...] = ()) -> None:
        start, end = _trim(text, start, end)
        if start >= end:
            return
        key = (start, end)
        if key in found:
            old = found[key]
            merged = tuple(dict.fromkeys(old.types + types))
            weak = tuple(t for t in dict.fromkeys(old.weak_types + weak) if t not in merged)
            # a name run (or its title-less tail) is never dropped as a fragment of a longer name
            kept_source = "name" if "name" in (old.source, source) else old.source
            found[key] = Candidate(start, end, merged, kept_source, weak)
        else:
            found[key] = Candidate(start, end, types, source, tuple(t for t in weak if t not in types))

    for ent in doc.ents:
        add(ent.start_char, ent.end_char, _entity_types(ent), "entity")
    # a year the tagger calls a date ("built in 1968") counts nothing, unless it counts a noun
    # ("1500 people")
    years = {ent.end_char for ent in doc.ents
             if ent.label_ == "DATE" and _YEAR.fullmatch(ent.text) and ent.root.dep_ != "nummod"}
    for match in _NUMBER.finditer(text):
        if not _CLOCK.match(text, match.start()) and not _inside(match, _ERA, text) and match.end() not in years:
            _add_number(text, match.start(), match.end(), add)
    for match in _AGE.finditer(text):
        add(match.start(1), match.end(1), (AGE, NUMBER), "number")
    for match in _SCORE.finditer(text):
        add(match.start(), match.end(), (SCORE,), "number")
    for match in _CLOCK.finditer(text):
        add(match.start(), match.end(), (TIME,), "number")
    for pattern in (_ERA, _SEASON):
        for match in pattern.finditer(text):
            add(match.start(), match.end(), (DATE,), "number")
    for start, end in _name_runs(doc):
        types = _name_types(doc, start, end)
        add(start, end, types, "name", () if set(types) & _NOT_NAMES else _NAME_TYPES)
        words = text[start:end].split(" ")
        titled = 0
        while titled < len(words) - 1 and (words[titled].lower().rstrip(".") in _TITLES or words[titled].islower()):
            titled += 1
        if titled:
            # "Academician Chen Kaixian", "Head librarian Tomás Ruane": the name without its title too
            rest = " ".join(words[titled:])
            add(end - len(rest), end, types, "name", () if set(types) & _NOT_NAMES else _NAME_TYPES)
    for match in _QUOTED.finditer(text):
        add(match.start(1), match.end(1), (TITLE, OTHER), "quote")
    for chunk in noun_chunks(doc):
        if chunk.root.pos_ == "PRON":
            continue
        # a phrase ending in a name takes the name's type: "north Shanghai" is a place
        head_types = tuple(t for ent in doc.ents if ent.end_char == chunk.end_char and ent.start_char >= chunk.start_char
                           for t in ENTITY_TYPES.get(ent.label_, ()) if t == PLACE)
        # "firefighters", "a coroner": people by what they do, when a text names nobody
        people = (PERSON,) if _names_people(chunk.root) else ()
        add(chunk.start_char, chunk.end_char, head_types + (OTHER,), "noun", people)
        # The chunk minus its determiner and leading numbers, e.g. "27 academicians" -> "academicians"
        words = [t for t in chunk if t.pos_ not in ("DET", "NUM", "PRON")]
        if words and words[0].idx > chunk.start_char:
            add(words[0].idx, chunk.end_char, (OTHER,), "noun")
    for token in doc:  # the whole means: "through an account belonging to an outside supplier"
        if token.lower_ in MEANS_PREPOSITIONS and token.dep_ == "prep":
            for obj in (c for c in token.children if c.dep_ == "pobj"):
                start, end = obj.left_edge.idx, obj.right_edge.idx + len(obj.right_edge)
                add(start, end, (OTHER,), "noun")
    # A tagger's fragment of a longer name ("Anderson Cancer Center" inside "University of
    # Texas MD Anderson Cancer Center") is not an answer of its own.
    names = [(c.start, c.end) for c in found.values() if c.source == "name"]
    quotes = [(m.start(1), m.end(1)) for m in _QUOTED.finditer(text)]
    # "Liberal Democrat Graham Pell": the person is the name after the party, not the whole run
    described = [c for c in found.values() if c.source == "entity" and _after_a_nationality(doc, c)]
    kept = []
    for c in found.values():
        if c.source == "entity" and _inside_a_name(text, c, names) and c not in described:
            continue
        if c.source == "name" and any(d.start > c.start and d.end == c.end for d in described):
            c = _without_person(c)
        if c.source in ("name", "entity"):
            c = _with_kind_before(doc, c)
        kept.append(_not_a_person_inside_a_title(_not_a_person_if_modifier(doc, c), quotes))
    return kept


def _names_people(token) -> bool:
    """Whether a noun phrase's head says who someone is ("a coroner"), and no name beside
    it says it better ("Dr Ruth Ellery, the finds liaison officer")."""
    if token.pos_ != "NOUN" or token.lemma_.lower() not in PERSON_NOUNS:
        return False
    beside = [token.head] if token.dep_ == "appos" else []
    beside += [c for c in token.children if c.dep_ == "appos"]
    return not any(t.pos_ == "PROPN" for t in beside)


def _inside(match, pattern, text: str) -> bool:
    """Whether `match` lies inside a match of `pattern`: the "350" of "AD 350" is a year."""
    return any(m.start() <= match.start() < m.end() for m in pattern.finditer(text))


def _not_a_person_inside_a_title(candidate: Candidate, quotes: list[tuple[int, int]]) -> Candidate:
    """A name inside a quoted title ("Harbour" in "Harbour at Dusk") is part of the title."""
    inside = any(start <= candidate.start and candidate.end <= end and (start, end) != (candidate.start, candidate.end)
                 for start, end in quotes)
    return _without_person(candidate) if inside else candidate


def _not_a_person_if_modifier(doc, candidate: Candidate) -> Candidate:
    """A name that only modifies a common noun names that thing, not a person: "the Varne
    estuary", "the Northgate tunnel"; nor is the name in "the village of Ellerby"."""
    if PERSON not in candidate.types and PERSON not in candidate.weak_types:
        return candidate
    last = [t for t in doc if t.idx < candidate.end][-1]
    head = last.head
    modifies = (last.dep_ == "compound" and head.i > last.i and head.pos_ == "NOUN" and head.text.islower()
                and head.idx >= candidate.end)
    names_a_place = last.dep_ == "pobj" and (
        head.lower_ == "of" and head.head.lower_ in PLACE_NOUNS and head.head.i < head.i  # "the village of Ellerby"
        or head.lower_ in ("in", "near", "on") and candidate.source != "noun")  # "a factory in Ravensworth"
    if not (modifies or names_a_place):
        return candidate
    return _without_person(candidate, (PLACE,) if names_a_place else ())


def _without_person(candidate: Candidate, also: tuple[str, ...] = ()) -> Candidate:
    """The candidate with PERSON taken from its types (and `also` added to them)."""
    if PERSON not in candidate.types + candidate.weak_types and not also:
        return candidate
    types = tuple(dict.fromkeys(t for t in candidate.types + also if t != PERSON)) or (OTHER,)
    weak = tuple(t for t in candidate.weak_types if t != PERSON and t not in types)
    return Candidate(candidate.start, candidate.end, types, candidate.source, weak)


def _inside_a_name(text: str, candidate: Candidate, names: list[tuple[int, int]]) -> bool:
    """Whether the candidate continues a capitalised name that starts further left."""
    for start, end in names:
        if start < candidate.start and candidate.end <= end:
            before = text[start:candidate.start]
            word = before.rstrip().rsplit(" ", 1)[-1]
            if before.endswith("-") or word[:1].isupper():
                return True
    return False


def _after_a_nationality(doc, candidate: Candidate) -> bool:
    """A person named right after a nationality or party is a name of its own: "Graham Pell"
    in "Liberal Democrat Graham Pell", "Tiago Mendes" in "the Brazilian Tiago Mendes"."""
    before = _token_before(doc, candidate.start)
    return PERSON in candidate.types and before is not None and before.ent_type_ == "NORP"


def _token_before(doc, start: int):
    """The last token that ends by character offset `start`, or None."""
    before = [t for t in doc if t.idx + len(t) <= start]
    return before[-1] if before else None


def _entity_types(ent) -> tuple[str, ...]:
    """Answer types of a tagged entity; the tagger's DATE and TIME also cover durations."""
    if _CLOCK.fullmatch(ent.text):
        return (TIME,)
    if ent.label_ == "DATE":
        if re.fullmatch(r"\d{1,3}", ent.text):
            return (NUMBER,)  # an age or a count the tagger took for a date: "Ashdown, 67,"
        if _DURATION_MODIFIER.match(ent.text):
            return (DURATION,)
        return (DURATION,) if _DURATION_ONLY.match(ent.text) else (DATE,)
    if ent.label_ == "TIME" and _CLOCK_UNITS.search(ent.text) and not _CLOCK_TIME.search(ent.text):
        return (DURATION, TIME)  # "2 hours 18 minutes and 4 seconds"
    return ENTITY_TYPES.get(ent.label_, (OTHER,))


def _add_number(text: str, start: int, end: int, add) -> None:
    """A number, and the number widened by its unit or currency. The "4" of "4 percent" or
    "£4" is no count of its own."""
    currency = _CURRENCY_BEFORE.search(text, 0, start)
    if not currency and not _PERCENT_AFTER.match(text, end):
        add(start, end, (NUMBER,), "number")
    if currency:
        add(currency.start(), end, (MONEY,), "number")
    for pattern, kind in ((_MONEY_AFTER, MONEY), (_PERCENT_AFTER, PERCENT), (_QUANTITY_AFTER, QUANTITY),
                          (_DURATION_AFTER, DURATION)):
        unit = pattern.match(text, end)
        if unit:
            if kind == DURATION and text[unit.end() - 3:unit.end()].lower() == "old":
                add(start, unit.end(), (AGE, QUANTITY, DURATION), "number")  # "27-year-old"
                continue
            add(currency.start() if currency and kind == MONEY else start, unit.end(), (kind,), "number")
            if kind == DURATION and not text[end:unit.end()].startswith("-"):
                add(start, unit.end(), (DATE,), "number")


# A capitalised name's type is often unknown to the tagger; any of these may fit, less surely.
_NAME_TYPES = (PERSON, ORG, PLACE, TITLE)
_TITLES = PERSON_NOUNS | {"mr", "mrs", "ms", "dr", "prof", "sir", "dame", "lord", "lady", "saint"}
_NOT_NAMES = {DATE, TIME, NUMBER, MONEY, PERCENT, QUANTITY, DURATION, ORDINAL}
_OF_HEADS = {
    "university", "academy", "institute", "ministry", "department", "museum", "bank", "college", "school",
    "center", "centre", "commission", "council", "society", "association", "federation", "league", "union",
    "republic", "kingdom", "state", "states", "city", "port", "bay", "gulf", "isle", "house", "office",
    "board", "bureau", "chamber", "court", "church", "hospital", "festival", "week", "day", "order", "party",
}
_CONNECTORS = {"of", "for", "and", "&", "de", "du", "la", "von", "van", "der"}
_ORG_HEADS = {
    "university", "academy", "center", "centre", "institute", "group", "company", "commission", "committee",
    "council", "government", "ministry", "department", "association", "foundation", "trust", "bank", "club",
    "corporation", "agency", "society", "laboratory", "hospital", "school", "college", "ltd", "inc", "co",
    "pharmaceutical", "pharmaceuticals", "therapeutics", "therapeutic", "biotech", "rail", "airlines", "branch",
}


def _name_runs(doc) -> list[tuple[int, int]]:
    """Maximal runs of capitalised words: "European Academy of Sciences", "Adel K. El-Naggar",
    "Re-store Biomedicine Group", "Chengdu High tech Zone", "CMG901"."""
    runs, current = [], []
    tokens = list(doc)
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        next_capital = nxt is not None and nxt.text[:1].isupper()
        if _is_name_word(token) or (current and _joins_name(token, current, nxt, next_capital)):
            current.append(token)
            continue
        if current:
            runs.append(current)
        current = []
    if current:
        runs.append(current)
    spans = []
    for run in runs:
        while run and run[0].i == 0 and (run[0].is_stop or run[0].pos_ in ("ADP", "DET")):
            run = run[1:]  # "On October 19th": the capital is the sentence's, not the name's
        while run and not _is_name_word(run[-1]):
            run = run[:-1]
        if not run or (run[0].i == 0 and len(run) == 1):
            continue  # a lone sentence-initial capital is just a capital
        spans.append((run[0].idx, run[-1].idx + len(run[-1])))
    return spans


def _is_name_word(token) -> bool:
    text = token.text
    if token.like_num:  # "Fourteen-year-old" starts no name
        return False
    return bool(text[:1].isupper() and (text.replace("-", "").isalnum() or re.fullmatch(r"[A-Z]\.", text)))


def _joins_name(token, current: list, nxt, next_capital: bool) -> bool:
    """Whether `token`, between name words, belongs to the name."""
    glued = token.idx == current[-1].idx + len(current[-1])
    if glued and (token.text == "-" or current[-1].text == "-") and token.text[:1].isalnum() or \
            (glued and token.text == "-" and nxt is not None and nxt.idx == token.idx + 1):
        return True  # "El-Naggar", "Re-store"
    if token.text.isdigit():
        return True  # "Fortune 500", "Class 1"
    if not next_capital or nxt.lower_ in ("the", "a", "an"):
        return False  # "the Iranian film The Salt Road" is two names
    lower = token.lower_
    if lower in ("of", "for"):
        return current[-1].lower_ in _OF_HEADS  # "Academy of Sciences", not "Wanjiru of Kenya"
    if lower == "&":
        return True  # "Holm & Price"
    if lower == "and":
        return any(t.lower_ in ("of", "for") for t in current)  # "Commission of Economy and Informatization"
    if lower in _CONNECTORS:
        return True
    # one lower-case word inside a name: "Chengdu High tech Zone", but not a title: "Head librarian Tomás"
    return (token.is_alpha and not token.is_stop and current[-1].text[:1].isupper() and token.pos_ != "VERB"
            and token.lower_ not in _TITLES)


def _name_types(doc, start: int, end: int) -> tuple[str, ...]:
    last = doc.text[start:end].split()[-1].lower().rstrip(".")
    if last in _ORG_HEADS:
        return (ORG, PLACE)
    types: list[str] = []
    for ent in doc.ents:
        if ent.start_char < end and start < ent.end_char:
            types.extend(_entity_types(ent))
    return tuple(dict.fromkeys(types + [OTHER])) if types else (OTHER,)


def _with_kind_before(doc, candidate: Candidate) -> Candidate:
    """A name right after a common noun of a known kind is also of that kind: "the company
    Novaris" is an organisation even where the tagger calls it a person."""
    if not doc.text[candidate.start].isupper() or set(candidate.types) & _NOT_NAMES:
        return candidate  # "the company last year" names nothing
    before = _token_before(doc, candidate.start)
    if before is None or before.pos_ != "NOUN" or not before.text.islower():
        return candidate
    noun = before.lower_
    kind = ORG if noun in ORG_NOUNS else PERSON if noun in PERSON_NOUNS else PLACE if noun in PLACE_NOUNS else None
    if kind is None or kind in candidate.types:
        return candidate
    return Candidate(candidate.start, candidate.end, (kind,) + candidate.types, candidate.source,
                     tuple(t for t in candidate.weak_types if t != kind))


def noun_chunks(doc) -> list:
    """The Doc's noun phrases; none where the pipeline has no parser."""
    try:
        return list(doc.noun_chunks)
    except ValueError:  # no parser in the pipeline
        return []


_TRAILING_FUNCTION_WORDS = {
    "after", "before", "in", "on", "at", "of", "and", "the", "a", "an", "to", "for", "with", "by", "from", "or",
}


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in ",;:.\"'“”‘’(["):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:.\"'“”‘’)]"):
        end -= 1
    for word in ("the ", "between ", "of "):  # the tagger's "between 42"
        if text[start:end].lower().startswith(word):
            start += len(word)
    # Taggers sometimes run an entity into the next word: "March 3 after".
    while True:
        head, _, last = text[start:end].rpartition(" ")
        if not head or last not in _TRAILING_FUNCTION_WORDS:
            return start, end
        end = start + len(head.rstrip(" ,"))
