"""Screen free text for likely identifiers before it goes into a practice log.

A pure function: no database, no Flask. It is a safety net tuned to flag rather than miss, and
the trainee can always confirm that a highlighted part identifies no one (a public helpline, a
made-up example). Patterns follow HIPAA Safe Harbor and research/domain.md §5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from lms.markdown import without_bidi_controls

__all__ = ["KINDS", "Hit", "highlight", "screen", "summary"]


@dataclass(frozen=True, slots=True)
class Kind:
    """What was found, said plainly, and what to do about it."""

    key: str
    label: str
    advice: str


KINDS: dict[str, Kind] = {kind.key: kind for kind in (
    Kind("name", "a name or initials",
         "Leave out names, nicknames and initials. Describe the person in general terms, "
         "such as \"a person I supported\" or \"a group member\"."),
    Kind("phone", "a phone number", "Leave out phone numbers, even partial ones."),
    Kind("email", "an e-mail address", "Leave out e-mail addresses."),
    Kind("handle", "a social-media handle", "Leave out usernames and handles."),
    Kind("url", "a web address",
         "Leave out links that could lead to a person, such as a profile page."),
    Kind("address", "an address or postcode",
         "Leave out streets, house numbers and postcodes. \"A community setting\" is enough."),
    Kind("birth_date", "a date of birth or an age over 89",
         "Leave out birthdays and very old ages. They can point to one person."),
)}

# Earlier kinds win when two patterns cover the same words.
_PRIORITY = ("email", "url", "handle", "birth_date", "phone", "address", "name")

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
         rf"|{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?|{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?"
         rf"|{_MONTH}\s+\d{{4}})")
_OLD = r"(?:9\d|1[0-2]\d)"
_STREET = (r"Street|Road|Avenue|Lane|Drive|Boulevard|Court|Place|Terrace|Crescent|Close"
           r"|Square|Highway|Parkway|Gardens|Grove|Circle|Trail|Alley|Mews|Way|Row")
_STREET_ABBR = r"St|Rd|Ave|Ln|Dr|Blvd|Ct|Pl|Ter|Cres|Sq|Hwy|Pkwy"
_US_STATE = (r"A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]"
             r"|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY]")
_TLD = r"com|org|net|edu|gov|io|co|uk|us|ca|au|nz|ie|info|biz|me|app|ly|tv"
_WORD = r"(?:Mc|Mac|O['’])?[A-Z][a-z]+(?:[-'’][A-Z][a-z]+)?"

_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "email": (
        re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
        re.compile(r"\b[\w.+-]+\s*[(\[]at[)\]]\s*[\w-]+\s*(?:[(\[]dot[)\]]|\.)\s*[a-z]{2,}\b",
                   re.I),
    ),
    "url": (
        re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']+", re.I),
        re.compile(rf"\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLD})\b(?:/[^\s<>()\"']*)?",
                   re.I),
    ),
    "handle": (
        re.compile(r"(?<![\w@./])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?"),
        re.compile(r"(?<![\w/])/?u/[A-Za-z0-9_-]{3,20}\b"),
    ),
    "birth_date": (
        re.compile(r"\b(?:born(?:\s+on|\s+in)?|birth\s?day(?:\s+is|\s+was|\s+on)?"
                   r"|d\.?o\.?b\.?|date\s+of\s+birth)(?:\s+(?:is|was))?\s*[:\-]?\s*(?:the\s+)?"
                   + _DATE, re.I),
        re.compile(rf"\b(?:aged?|age\s+of|turn(?:ed|s|ing)?)\s+{_OLD}\b"
                   rf"|\b{_OLD}[\s-]*(?:years?|yrs?)[\s-]*old\b"
                   rf"|\b{_OLD}(?:st|nd|rd|th)\s+birthday", re.I),
    ),
    "phone": (
        # A colon or comma may sit right before the number ("tel:555..."); separators may be
        # spaced or an en dash; an extension may follow.
        re.compile(r"(?<![\w/.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?"
                   r"\d(?:(?: ?[-–.] ?| )?\d){5,14}(?:\s*(?:x|ext\.?)\s*\d{1,5})?(?![\w/:-])"),
    ),
    "address": (
        re.compile(rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][A-Za-z'’-]*\.?\s+){{1,4}}"
                   rf"(?:{_STREET}|(?:{_STREET_ABBR})\b\.?)(?![a-z])"),
        re.compile(r"\b\d{1,5}[a-z]?\s+(?:[a-z]+\s+){1,2}(?:street|avenue)\b", re.I),
        re.compile(rf"\b(?:{_WORD}[ \t]+){{1,3}}(?:{_STREET})\b"),
        re.compile(r"\b(?:apt|apartment|flat|suite)\.?\s*#?\s*\d+[A-Za-z]?\b", re.I),
        re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d+", re.I),
        re.compile(rf"\b(?:{_US_STATE})\s+\d{{5}}(?:-\d{{4}})?\b"),
        re.compile(r"\b(?:zip(?:\s*code)?|post\s?code|postal\s+code)\s*(?:is\s*|:\s*)?"
                   r"[A-Z0-9]{3,5}(?:[ -][A-Z0-9]{3,4})?\b", re.I),
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b"),
    ),
    "name": (
        re.compile(rf"\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Mister|Auntie|Uncle)\.?[ \t]+{_WORD}"
                   rf"(?:[ \t]+{_WORD})?"),
        re.compile(rf"\b(?:named|called|name\s+is|name\s+was|name's|goes\s+by|known\s+as)"
                   rf"[ \t]+{_WORD}(?:[ \t]+{_WORD})?"),
        re.compile(rf"\b{_WORD}(?:[ \t]+(?:[A-Z]\.[ \t]+)?{_WORD}){{1,3}}\b"),
        re.compile(r"(?<![\w.])[A-Z]\.[ \t]?[A-Z]\.(?:[ \t]?[A-Z]\.)?"),
        # A single first name, where the words around it show it is a person.
        re.compile(rf"\b(?:son|daughter|wife|husband|partner|friend|brother|sister|mother|father"
                   rf"|mum|mom|dad|boyfriend|girlfriend|neighbou?r|boss|colleague|cousin|aunt"
                   rf"|uncle|grandson|granddaughter|client|roommate|flatmate)"
                   rf"[ \t]+(?P<who>{_WORD})"),
        re.compile(rf"(?P<who>\b{_WORD})[ \t]+(?:said|says|told|tells|asked|asks|shared|shares"
                   rf"|mentioned|explained|texted|called|cried|replied|admitted)\b"),
    ),
}

# Capitalised words that begin sentences or name days and months, not people.
_STOP = frozenset("""
A About Above Across After Afterwards Again All Almost Also Although Always Am An And Another
Any Anyway Are Around As At Be Because Been Before Being Both But By Can Could Did Do Does
During Each Earlier Either Even Every Everyone Finally First For From Had Has Have Having He Her
Here Hers Him His How However I If In Instead Is It Its Just Last Later Let Lets Many May Maybe
Me Might More Most Much Must My Never Next No Nobody None Nor Not Nothing Now Of Often Okay On
Once One Only Or Other Our Overall Perhaps Please Rather Really Second She Should Since So Some
Someone Something Sometimes Still Such Than Thank Thanks That The Their Them Then There These
They Third This Those Though Through Throughout To Today Together Tomorrow Tonight Too Two Three
Until Us Very Was We Well Were What When Where Whether Which While Who Why Will With Within
Without Would Yes Yesterday Yet You Your Hello Hi Dear Looking Going Doing Feeling Being Having
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April June July
August September October November December Morning Afternoon Evening Night Week Weekend
Christmas Easter Ramadan Eid Diwali Hanukkah Thanksgiving New Year Day Month
""".split())

# Capitalised words from peer-support practice and everyday tools: never part of a person's name.
_VOCAB = frozenset("""
Peer Peers Support Supporter Supporters Specialist Specialists Supervisor Supervisors Supervision
Trainee Trainees Session Sessions Group Groups Role Play Roleplay Practice Practise Module
Modules Foundations Lantern Active Listening Open Closed Question Questions Reflection Reflections
Reflective Complex Simple Affirmation Affirmations Summary Summaries Summarizing Summarising
Motivational Interviewing Intentional Recovery Wellness Action Plan Plans Mental Health First
Aid Crisis Trauma Informed Care Self Disclosure Boundaries Boundary Confidentiality Ethics Values
Lived Experience Community Center Centre Services Service Program Programme Training Course
Skills Skill Competency Competencies Ask Share Safety Warm Line Hotline Helpline Text Chat Video
Phone Zoom Teams Google Meet Microsoft Slack WhatsApp Signal English Spanish French Arabic
Safe Harbor Core National Guidelines Dialogue Hearing Voices Network Emotional Drop In Shadowing
Facilitation Facilitator Observation Observer Feedback Check Learning Goal Goals Next Steps
Step Steps Key Points Notes Note What Went Well Even Better If Tips Tip Part Chapter Unit Week
Cultural Humility Strengths Strength Based Person Centred Centered Harm Reduction Hope
Grounding Breathing Exercise Exercises Ground Rules Agenda Debrief Office Hours Room Library
Client Clients Caller Callers Participant Participants Patient Patients Student Students Member
Members Resident Residents Guest Guests Visitor Visitors Youth Teen Teenager Child Children Kid
Kids Parent Parents Family Friend Friends Partner Staff Team Worker Workers Volunteer Volunteers
Nurse Doctor Counsellor Counselor Therapist Manager Colleague Neighbour Neighbor Mum Mom Dad
Mother Father Son Daughter Brother Sister Everybody Somebody Anybody Nobody People
""".split())

_ALLOWED_INITIALS = frozenset({"U.S.", "U.K.", "U.N.", "E.U.", "A.M.", "P.M.", "B.C.", "A.D."})
_YEAR_RANGE = re.compile(r"^(?:19|20)\d\d(?:(?:\s*[-–]\s*|\s+)(?:19|20)\d\d)+$")
_TIME_RANGE = re.compile(r"^\d{1,2}[.:]\d{2}\s*[-–]\s*\d{1,2}[.:]\d{2}$")
_PLAIN_DATE = re.compile(r"^(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2})$")


@dataclass(frozen=True, slots=True)
class Hit:
    """One likely identifier: its kind and where it sits in the text."""

    kind: str
    start: int
    end: int
    text: str


def _accept(kind: str, match: re.Match[str]) -> tuple[int, int] | None:
    """Return the span to flag for a raw match, or None when it is a known false alarm."""
    text = match.group(0)
    start, end = match.span()
    if kind == "url":
        stripped = text.rstrip(".,;:!?")
        return (start, start + len(stripped)) if stripped else None
    if kind == "phone":
        digits = sum(char.isdigit() for char in text)
        if (not 7 <= digits <= 15 or _YEAR_RANGE.match(text) or _PLAIN_DATE.match(text)
                or _TIME_RANGE.match(text)):
            return None
        return start, end
    if kind == "name" and match.re is _PATTERNS["name"][3]:
        return None if text.replace(" ", "") in _ALLOWED_INITIALS else (start, end)
    if kind == "name" and match.re is _PATTERNS["name"][2]:
        return _name_span(text, start)
    if kind == "name" and "who" in match.re.groupindex:
        who = match.group("who")
        if who in _STOP or who in _VOCAB or who.rstrip("s") in _STOP:
            return None
        return match.span("who")
    if kind == "address" and match.re is _PATTERNS["address"][2]:
        words = text.split()
        if all(word in _STOP or word in _VOCAB for word in words[:-1]):
            return None
    return start, end


def _name_span(text: str, start: int) -> tuple[int, int] | None:
    """Trim sentence-starting words off a run of capitalised words; flag two or more left."""
    words = list(re.finditer(r"\S+", text))
    while words and (words[0].group(0) in _STOP or words[0].group(0) in _VOCAB):
        words.pop(0)
    while words and (words[-1].group(0) in _STOP or words[-1].group(0) in _VOCAB):
        words.pop()
    real = [w for w in words if not re.fullmatch(r"[A-Z]\.", w.group(0))]
    if len(real) < 2 or any(w.group(0) in _STOP or w.group(0) in _VOCAB for w in words):
        return None
    return start + words[0].start(), start + words[-1].end()


def screen(text: str) -> list[Hit]:
    """Return the likely identifiers in text, in order and without overlaps."""
    found: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for kind in _PRIORITY:
        for pattern in _PATTERNS[kind]:
            for match in pattern.finditer(text):
                span = _accept(kind, match)
                if span is None:
                    continue
                start, end = span
                if any(start < other_end and other_start < end for other_start, other_end in taken):
                    continue
                taken.append((start, end))
                found.append(Hit(kind, start, end, text[start:end]))
    return sorted(found, key=lambda hit: hit.start)


def highlight(text: str, hits: list[Hit]) -> Markup:
    """Return the text escaped for HTML, with each hit wrapped in <mark>."""
    parts: list[str] = []
    position = 0
    for hit in hits:
        parts.append(str(escape(without_bidi_controls(text[position:hit.start]))))
        label = KINDS[hit.kind].label
        parts.append(f'<mark title="{escape(label)}">{escape(without_bidi_controls(hit.text))}'
                     f'<span class="visually-hidden"> ({escape(label)})</span></mark>')
        position = hit.end
    parts.append(str(escape(without_bidi_controls(text[position:]))))
    return Markup("".join(parts))


def summary(hits: list[Hit]) -> list[tuple[Kind, int]]:
    """Return each kind found with how often, in a stable order."""
    counts: dict[str, int] = {}
    for hit in hits:
        counts[hit.kind] = counts.get(hit.kind, 0) + 1
    return [(KINDS[key], counts[key]) for key in KINDS if key in counts]
