"""What kind of answer a question asks for, from its wording alone."""
from __future__ import annotations

import re
from dataclasses import dataclass

PERSON, ORG, PLACE, DATE, TIME, NUMBER, MONEY, PERCENT, QUANTITY, DURATION, ORDINAL, TITLE, SCORE, AGE, OTHER = (
    "person", "organization", "place", "date", "time", "number", "money", "percent", "quantity",
    "duration", "ordinal", "title", "score", "age", "other",
)
# "What is the name of the ship?": a proper name of whatever kind
NAME = "name"
NAME_TYPES = {PERSON, ORG, PLACE, TITLE}

ORG_NOUNS = {
    "company", "companies", "organization", "organisation", "organizations", "organisations",
    "university", "universities", "institution", "institutions", "agency", "firm", "firms", "group",
    "team", "club", "body", "government", "commission", "center", "centre", "department", "ministry",
    "hospital", "bank", "party", "school", "college", "institute", "laboratory", "lab", "enterprise",
    "enterprises", "corporation", "startup", "publisher", "newspaper", "broadcaster", "authority",
    "council", "committee", "association", "federation", "union", "manufacturer", "airline", "brand",
    "operator", "developer", "network", "outlet", "sponsor", "charity", "foundation", "museum", "band",
    "academy", "society", "trust", "fund", "branch", "consortium", "studio", "label", "retailer", "insurer",
    "orchestra", "choir", "ensemble", "theatre", "theater", "magazine", "channel", "parliament", "church",
    "army", "police", "regulator", "squad", "maker", "supplier", "contractor", "consultancy", "carrier",
    "lender", "chain", "utility", "court", "broker", "restaurant", "shop",
}
PLACE_NOUNS = {
    "city", "cities", "country", "countries", "province", "district", "region", "town", "village",
    "place", "venue", "location", "state", "continent", "area", "county", "nation", "capital",
    "island", "river", "stadium", "site", "port", "neighbourhood", "neighborhood", "street", "park",
    "zone", "valley", "lake", "mountain", "arena", "hall", "airport", "station", "suburb", "borough",
    "part", "side", "corner", "quarter", "neighbourhood", "municipality", "state's",
}
PERSON_NOUNS = {
    "person", "man", "woman", "scientist", "professor", "academician", "official", "director",
    "ceo", "chief", "head", "leader", "author", "writer", "speaker", "expert", "researcher", "player",
    "coach", "minister", "mayor", "president", "chairman", "chair", "founder", "reporter", "journalist",
    "artist", "singer", "actor", "actress", "engineer", "architect", "designer", "curator", "captain",
    "manager", "winner", "scholar", "doctor", "physician", "spokesperson", "spokesman", "spokeswoman",
    "secretary", "governor", "senator", "composer", "conductor", "athlete", "driver", "pilot",
    "runner", "swimmer", "cyclist", "skier", "boxer", "golfer", "rider", "jockey", "poet", "painter",
    "photographer", "producer", "chef", "lawyer", "judge", "teacher", "student", "candidate", "owner",
    "investor", "donor", "presenter", "guest", "member", "farmer", "chemist", "physicist", "economist",
    "analyst", "historian", "novelist", "dancer", "musician", "pianist", "footballer", "striker",
    "goalkeeper", "champion", "librarian", "astronaut", "entrepreneur", "diplomat", "ambassador", "envoy",
    "officer", "nurse", "surgeon", "coroner", "detective", "firefighter", "rescuer", "paramedic",
    "victim", "suspect", "witness", "finder", "landowner", "passenger", "resident", "volunteer",
    "father", "mother", "parent", "son", "daughter", "child", "husband", "wife", "partner", "brother",
    "sister", "grandfather", "grandmother", "uncle", "aunt", "widow", "widower",
}
TITLE_NOUNS = {
    "theme", "title", "slogan", "motto", "name", "report", "book", "film", "movie", "song", "album",
    "topic", "play", "exhibition", "show", "series", "novel", "project", "programme", "program",
    "campaign", "initiative", "plan", "award", "prize", "paper", "speech", "talk", "lecture",
}
MONEY_WORDS = {
    "cost", "costs", "price", "worth", "money", "spend", "spent", "invest", "invested", "investment",
    "fund", "funding", "funded", "revenue", "output", "value", "valued", "pay", "paid", "raise", "raised",
    "budget", "sell", "sold", "earn", "earned", "fee", "salary", "prize", "dollars", "yuan", "euros",
    "pounds", "budgeted", "loan", "grant", "sales", "profit", "turnover",
}
_TIME_VERBS = {
    "last", "lasts", "lasted", "take", "takes", "took", "taken", "run", "runs", "ran", "spend", "spent",
    "wait", "waited", "stay", "stayed", "serve", "served", "been", "ago", "since",
    "remain", "remained", "work", "worked", "live", "lived", "continue", "continued",
}
PRICE_WORDS = {"price", "cost", "worth", "value", "budget", "salary", "fee", "valuation", "fine"}
# Nouns whose value is a sum of money: "what was the company's *profit*"
MONEY_NOUNS = PRICE_WORDS | {
    "profit", "revenue", "sales", "turnover", "income", "earnings", "loss", "wage", "debt", "investment",
    "funding", "grant", "loan", "reward", "bonus", "takings", "compensation", "bill", "deficit", "surplus",
}
# Nouns whose value is a change or a share, most often in percent: "what pay *rise*", "the *turnout*"
CHANGE_NOUNS = {
    "rise", "increase", "fall", "drop", "growth", "decline", "gain", "reduction", "cut", "turnout",
    "share", "proportion", "rate", "inflation", "swing",
}
_AUXILIARIES = {
    "is", "was", "are", "were", "the", "a", "an", "of", "did", "does", "do", "has", "have", "had",
    "will", "would", "can", "could", "kind", "type", "sort", "two", "three", "other", "main",
}
EVENT_NOUNS = {
    "event", "conference", "meeting", "forum", "summit", "fair", "expo", "festival", "tournament",
    "competition", "race", "games", "championship", "ceremony", "symposium", "exhibition", "week",
}
DATE_NOUNS = {"date", "day", "year", "month", "week", "season", "decade", "century", "weekday"}
# "What height did the river reach?": a number with its unit
MEASURE_NOUNS = {"height", "length", "depth", "width", "weight", "distance", "speed", "temperature", "altitude"}
# What a match or a vote ends with: "4-2", "31 to 9"
SCORE_NOUNS = {"score", "scoreline", "result", "tally", "margin"}

_WH_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how"}
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")


@dataclass(frozen=True)
class AnswerType:
    """expected: answer types in order of preference; focus: the noun the question asks
    about ("academicians" in "how many academicians"), if any."""

    expected: tuple[str, ...]
    focus: str | None = None
    wh: str = ""

    @property
    def primary(self) -> str:
        return self.expected[0]


def detect_answer_type(question: str) -> AnswerType:
    words = [w.lower() for w in _WORD.findall(question.replace("’", "'"))]
    # "which group's technology" asks for a group; "what is the council's budget" for a budget
    words = [w.removesuffix("'s") if i > 0 and words[i - 1] in ("which", "what") else w for i, w in enumerate(words)]
    text = " ".join(words)
    first_wh = next((w for w in words if w in _WH_WORDS), None)

    def after(*phrase: str) -> str | None:
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if tuple(words[i:i + n]) == phrase:
                rest = [w for w in words[i + n:] if w not in {"of", "the", "a", "an", "different", "other", "total"}]
                return rest[0] if rest else None
        return None

    if "how many" in text:
        return AnswerType((NUMBER, QUANTITY), after("how", "many"), "how many")
    if re.search(r"\bwhat (percentage|percent|proportion|share|fraction)\b", text) or "what per cent" in text:
        return AnswerType((PERCENT, NUMBER), None, "what percent")
    if "how much" in text:
        focus = after("how", "much")
        if set(words) & MONEY_WORDS or focus in MONEY_WORDS:
            return AnswerType((MONEY, NUMBER, QUANTITY), focus, "how much")
        return AnswerType((QUANTITY, MONEY, NUMBER, PERCENT), focus, "how much")
    if re.search(r"\bhow long\b", text):
        # "how long did it last" asks for time; "how long is the bridge" for a length.
        if set(words) & _TIME_VERBS:
            return AnswerType((DURATION, QUANTITY, DATE), None, "how long")
        return AnswerType((QUANTITY, DURATION), None, "how long")
    match = re.search(r"\bhow (far|high|tall|big|large|heavy|deep|wide|fast|old|hot|cold|long)\b", text)
    if match:
        if match.group(1) == "old":
            return AnswerType((AGE, QUANTITY, DURATION, NUMBER), "old", "how old")
        return AnswerType((QUANTITY, NUMBER, DURATION), match.group(1), "how " + match.group(1))
    if re.search(r"\bhow did\b.*\bvote\b", text):
        return AnswerType((SCORE, OTHER), None, "how")
    if re.search(r"\bwhat time\b", text):
        return AnswerType((TIME, DATE), None, "what time")
    # the question's own wh-word, not one in a clause of it: "where was it sailing *when* it sank"
    if first_wh == "when" or re.search(r"\b(in )?(what|which) (date|day|year|month|week|season|decade|century|weekday)\b", text):
        return AnswerType((DATE, TIME), None, "when")
    if first_wh == "where":
        return AnswerType((PLACE, ORG), None, "where")
    if re.search(r"\bwho(m|se)?\b", text):
        if re.search(r"\bwho (hosted|co-hosted|cohosted|organized|organised|sponsored|funded|owns|owned|runs|ran|published|built|made|manufactured|developed|operates|operated|employs|backed)\b", text):
            return AnswerType((ORG, PERSON), None, "who")
        return AnswerType((PERSON, ORG), None, "who")
    called = re.search(r"\bwhat (?:is|was|are|were) (?:the |a |an |its |their |his |her )?[\w' -]*?([\w'-]+) (?:called|named)\b",
                       text)
    if called:  # "what is the satellite called": its name
        return AnswerType(_noun_class(called.group(1)) or (NAME, OTHER), called.group(1), "which")
    match = re.search(r"\b(?:which|what|name)\b((?:\s+[\w'-]+){1,6})", text)
    if match:
        following = match.group(1).split()
        # "what did X do": the answer is whatever X did, not a noun named here.
        asks_about_action = following[0] in {"did", "does", "do", "will", "can", "could", "would", "should"}
        nouns = [w for w in following if w not in _AUXILIARIES][:3]
        for i, word in enumerate([] if asks_about_action else nouns):
            if word == "name":
                named = _noun_class(nouns[i + 1]) if i + 1 < len(nouns) else None  # "the name of the ship"
                return AnswerType(named or (NAME, OTHER), "name", "which")
            expected = _noun_class(word)
            if expected:
                return AnswerType(expected, word, "which")
        if set(words) & PRICE_WORDS:
            return AnswerType((MONEY, NUMBER), None, "what")
        return AnswerType((OTHER,), None if asks_about_action or not nouns else nouns[0], words[0] if words else "")
    return AnswerType((OTHER,), None, words[0] if words else "")


def noun_answer_type(noun: str, answer_type: AnswerType) -> AnswerType:
    """The answer type for a question found by parsing to ask about `noun` ("which *broker*",
    "what was the *profit*"). When the noun names no known kind: `answer_type`, from the
    wording alone, unless that came from another noun."""
    expected = _noun_class(noun.lower())
    if expected:
        return AnswerType(expected, noun, "which")
    if answer_type.focus and answer_type.focus != noun.lower():
        # the wording's type came from another noun: "which journal published the *results*"
        return AnswerType((OTHER,), noun, answer_type.wh)
    return answer_type


def _noun_class(word: str) -> tuple[str, ...] | None:
    found = _singular_noun_class(word)
    if found is None and word.endswith("s"):
        found = _singular_noun_class(word[:-1].removesuffix("ie") + ("y" if word.endswith("ies") else ""))
    return found


def _singular_noun_class(word: str) -> tuple[str, ...] | None:
    if word in ORG_NOUNS:
        return (ORG, PLACE)
    if word in PLACE_NOUNS:
        return (PLACE, ORG)
    if word in PERSON_NOUNS:
        return (PERSON, ORG)
    if word in DATE_NOUNS:
        return (DATE, TIME)
    if word in SCORE_NOUNS:
        return (SCORE, NUMBER)
    if word in MEASURE_NOUNS:
        return (QUANTITY, NUMBER)
    if word in {"time", "record", "duration"}:
        return (DURATION, TIME, QUANTITY)
    if word in {"edition", "anniversary", "rank", "position", "generation"}:
        return (ORDINAL, NUMBER)
    if word in MONEY_NOUNS:
        return (MONEY, NUMBER)
    if word in CHANGE_NOUNS:
        return (PERCENT, NUMBER, MONEY, QUANTITY)
    if word in TITLE_NOUNS or word in EVENT_NOUNS:
        return (TITLE, OTHER)
    return None
