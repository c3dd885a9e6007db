"""The "what not to say" check: reads any text (a draft or the person's own edit) and flags
what hurts a recovery message, sentence by sentence, each with a one-line why and a fix.

Pure and deliberately simple: word patterns, no language model. It errs towards flagging; the
person decides. `kind` (a composer draft kind) says what the message must contain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Draft kinds that are an apology and must contain one.
APOLOGY_KINDS = frozenset({"phone_script", "voicemail", "apology_email", "recruiter_note"})
# Draft kinds that ask for a new time and must offer concrete times.
RESCHEDULE_KINDS = frozenset({"reschedule_request", "recruiter_note"})


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    why: str
    fix: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("over_apologising", "Over-apologising",
             "More than one apology, or pleading, reads as anxiety rather than responsibility.",
             "Keep one clear apology near the start and remove the rest."),
        Rule("long_explanation", "Long explanation",
             "More than one line of reason sounds like an excuse and buries the request.",
             "Keep a single short, factual sentence of reason."),
        Rule("blame", "Blame shifted",
             "Pointing at someone else (or at no one) removes your own responsibility.",
             "Say what you did: “I missed our interview”, “I got the time wrong”."),
        Rule("personal_detail", "Personal or medical detail",
             "Medical, family or emotional detail is private and makes the reader uneasy.",
             "Say “a personal emergency” and leave it there; give details only if asked."),
        Rule("demand", "Demand",
             "A new interview is a favour, not something owed; demands close the door.",
             "Ask politely (“Could we find a new time?”) and accept a no."),
        Rule("time_without_zone", "Time without a zone",
             "A time without its zone is how interviews get missed across borders.",
             "Add the zone after every time (e.g. “14:00 CET, Europe/Berlin”)."),
        Rule("no_apology", "No apology",
             "The message is about the missed interview but never apologises.",
             "Add one plain sentence: “I missed our interview, and I apologise.”"),
        Rule("no_times", "No concrete times",
             "Asking to reschedule without times leaves all the work to them.",
             "Offer two or three slots, each with its zone, or invite them to propose one."),
        Rule("no_thanks", "No thanks",
             "A message with no thanks reads as cold.",
             "Close with a short thank-you for their time or understanding."),
    )
}


@dataclass(frozen=True)
class Finding:
    rule: str
    sentence: str  # the sentence that fired the rule; "" when something is missing
    why: str
    fix: str

    @property
    def title(self) -> str:
        return RULES[self.rule].title


_I = re.IGNORECASE

APOLOGY_RE = re.compile(
    r"\b(?:sorry|apolog(?:y|ies|ise|ize|ised|ized|ising|izing)|forgive me|pardon me)\b", _I
)
PLEADING_RE = re.compile(
    r"\b(?:beg(?:ging)?|please,? please|i(?:'ll| will) do anything|desperate(?:ly)?|"
    r"(?:one more|another|a second|one last|last) chance)\b",
    _I,
)
EXPLANATION_RE = re.compile(
    r"\b(?:because|due to|owing to|as a result|which meant|which is why|that'?s why|"
    r"the reason|what happened|it turned out|on top of that|to make (?:things|matters) worse|"
    r"and then|after that)\b",
    _I,
)
LONG_REASON_WORDS = 30
BLAME_RES = [
    re.compile(p, _I)
    for p in (
        r"\b(?:not|wasn'?t|isn'?t|was not|is not)\s+(?:really\s+|entirely\s+|at all\s+)?"
        r"my\s+fault\b",
        r"\byour\s+(?:\w+\s+){0,2}?(?:invite|invitation|calendar|e-?mail|message|system|link|"
        r"software|platform|recruiter|team|coordinator|assistant|scheduler|office|instructions)"
        r"\b[^.!?\n]*?\b(?:wrong|incorrect|confusing|confused|unclear|broken|failed|mistake|"
        r"error|never|didn'?t|did not)\b",
        r"\b(?:the|my|your)\s+(?:recruiter|coordinator|hr|agency|scheduler|assistant|"
        r"receptionist|company)\s+(?:\w+\s+){0,3}?(?:gave|sent|told|put|scheduled|booked)\s+"
        r"(?:\w+\s+){0,4}?(?:wrong|incorrect)\b",
        r"\b(?:someone|somebody|they)\s+(?:else\s+)?(?:gave|sent|told)\s+me\s+the\s+wrong\b",
        r"\byou\s+(?:didn'?t|did not|never|forgot|failed)\b",
        r"\b(?:because of|thanks to|blame)\s+(?:you|your|the recruiter|the coordinator|"
        r"the company|them)\b",
        r"\bthe (?:interview|call|meeting) (?:was|got) (?:missed|not attended)\b",
        r"\bmistakes were made\b",
    )
]
PERSONAL_RE = re.compile(
    r"\b(?:hospital\w*|ambulance|a ?& ?e|emergency room|surgery|diagnos\w+|vomit\w*|diarrh\w*|"
    r"food poisoning|migraine|fever|flu|covid|infection|bleeding|blood|injur\w+|broke my|"
    r"pregnan\w+|miscarriage|medication|pills?|therap(?:y|ist)|anxiety|depress(?:ed|ion)|"
    r"panic attack|mental health|funeral|died|passed away|death|divorce|break-?up|"
    r"sick|ill(?:ness)?|hangover|hung over|drunk|devastated|mortified|heartbroken|humiliated|"
    r"cried|crying|in tears|panick\w*|i feel (?:terrible|awful|horrible|sick))\b"
    r"|\bmy (?:wife|husband|partner|mother|father|mum|mom|dad|child|son|daughter|kid|"
    r"grand(?:mother|father|ma|pa)|sister|brother)\s+(?:was|is|had|has|got)\b",
    _I,
)
DEMAND_RE = re.compile(
    r"\byou (?:must|have to|need to|owe|are obliged to|are required to)\b"
    r"|\bI (?:expect|demand|insist|deserve|require)\b"
    r"|\bI am entitled\b|\bI'm entitled\b|\bonly fair\b|\bthe least you can do\b",
    _I,
)
TIME_RE = re.compile(
    r"(?<![\w+\-−:.])(?:(?:[01]?\d|2[0-3]):[0-5]\d(?:\s?(?:am|pm|a\.m\.|p\.m\.))?"
    r"|(?:1[0-2]|0?[1-9])\s?(?:am|pm|a\.m\.|p\.m\.))(?![\w:])",
    _I,
)
ZONE_RE = re.compile(
    r"\b(?:UTC|GMT)\b|\b[A-Z]{1,4}T\b|\b(?:MSK|WIB|WITA|WIT|SAST|CAT|EAT|WAT)\b"
    r"|\b[A-Z][a-z]+/[A-Z][A-Za-z_]+"
    r"|\b(?:your|my|their|our|his|her|local)\s+time\b|\btime\s?zone\b"
    r"|\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s+time\b"
)
ZONE_WINDOW = 50
MISSED_RE = re.compile(
    r"\b(?:missed|miss(?:ing)? (?:our|the|my) (?:interview|call|meeting)|didn'?t make it|"
    r"did not make it|could(?:n'?t| not) (?:attend|join|make it)|no-show)\b",
    _I,
)
RESCHEDULE_RE = re.compile(
    r"\b(?:reschedul\w*|new time|another time|different time|new slot|rearrang\w*|"
    r"find a time|new date|another date)\b",
    _I,
)
INVITE_RE = re.compile(
    r"\b(?:suggest|propose|let me know)\b[^.?!\n]*\b(?:time|slot|date)\b"
    r"|\b(?:any|whatever) time (?:that )?suits\b|\bnow,? if you are free\b|\bright now\b",
    _I,
)
THANKS_RE = re.compile(r"\b(?:thank\w*|grateful|appreciat\w*)\b", _I)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(A-Z0-9-])")


def sentences(text: str) -> list[str]:
    """Lines, then sentences within lines; bullets are sentences of their own."""
    out: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = line.strip()
        if not line:
            continue
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


def _finding(code: str, sentence: str = "") -> Finding:
    rule = RULES[code]
    return Finding(rule=code, sentence=sentence, why=rule.why, fix=rule.fix)


def _times_without_zone(sentence: str) -> bool:
    for m in TIME_RE.finditer(sentence):
        window = sentence[m.end(): m.end() + ZONE_WINDOW]
        if not ZONE_RE.search(window):
            return True
    return False


def check(text: str, *, kind: str | None = None) -> list[Finding]:
    """Findings for `text`, in the order of the text; missing things come last."""
    found: list[Finding] = []
    parts = sentences(text)
    apologies = 0
    explanations = 0
    for s in parts:
        n = len(APOLOGY_RE.findall(s))
        if PLEADING_RE.search(s) or (n and apologies + n > 1):
            found.append(_finding("over_apologising", s))
        apologies += n
        if EXPLANATION_RE.search(s):
            explanations += 1
            if explanations > 1 or len(s.split()) > LONG_REASON_WORDS:
                found.append(_finding("long_explanation", s))
        if any(r.search(s) for r in BLAME_RES):
            found.append(_finding("blame", s))
        if PERSONAL_RE.search(s):
            found.append(_finding("personal_detail", s))
        if DEMAND_RE.search(s):
            found.append(_finding("demand", s))
        if _times_without_zone(s):
            found.append(_finding("time_without_zone", s))

    if not text.strip():
        return found
    apology_expected = kind in APOLOGY_KINDS or (kind is None and MISSED_RE.search(text))
    if apology_expected and apologies == 0:
        found.append(_finding("no_apology"))
    if kind in RESCHEDULE_KINDS:
        if not TIME_RE.search(text):
            found.append(_finding("no_times"))
    elif RESCHEDULE_RE.search(text) and not TIME_RE.search(text) and not INVITE_RE.search(text):
        found.append(_finding("no_times"))
    if not THANKS_RE.search(text):
        found.append(_finding("no_thanks"))
    return found
