"""The persona's fact table: what earlier answers said about age, gender, place, family, work,
education, religion and politics, as quoted sentences.

Extraction is deterministic (a topic is a set of cue words; a fact is a first-person sentence
with a cue) so every critic decision points at exact quotes; judging whether a new sentence
contradicts them is the LLM critic's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from chorus.backstories.text import sentences

TOPICS: dict[str, str] = {  # topic -> how the critic prompt names it
    "age": "age",
    "gender": "gender",
    "place": "home and where they grew up",
    "family": "family",
    "work": "work",
    "education": "education",
    "religion": "religion",
    "politics": "politics",
}

_CUES: dict[str, re.Pattern[str]] = {
    "age": re.compile(
        r"\b\d{1,3}[- ]years?[- ]old\b"
        r"|\bI(?:'m| am| was| turned| turn)\s+(?:now\s+|just\s+|only\s+)?"
        r"\d{1,3}\b|\bage (?:of )?\d{1,3}\b|\bat \d{1,3}\b|\bborn in (?:19|20)\d\d\b|"
        r"\b(?:teens|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b|"
        r"\b(?:retired|retirement|teenager|grandchildren|grandkids)\b",
        re.IGNORECASE,
    ),
    "gender": re.compile(
        r"\b(?:I(?:'m| am| was)|as|being) an? (?:\w+ )?(?:man|woman|guy|gal|girl|boy|male|female|"
        r"mother|father|mom|dad|grandmother|grandfather|grandma|grandpa|husband|wife|son|daughter|"
        r"widow|widower|lady|gentleman)\b|\b(?:transgender|non-?binary)\b",
        re.IGNORECASE,
    ),
    "place": re.compile(
        r"\b(?:grew up|was born|born and raised|raised|live|lived|living|moved|settled|stayed)\s+"
        r"(?:\w+\s+)?(?:in|on|to|near|outside|back to)\b|\bhome ?town\b|\bI(?:'m| am) from\b|"
        r"\bnever left\b|\bmy (?:city|town|village|state|country|neighborhood)\b",
        re.IGNORECASE,
    ),
    "family": re.compile(
        r"\b(?:children|child|kids?|sons?|daughters?|grandchildren|grandkids|married|marriage|"
        r"divorced?|widowed|wife|husband|spouse|partner|siblings?|brothers?|sisters?|single|"
        r"only child|parents?|mother|father|mom|dad)\b",
        re.IGNORECASE,
    ),
    "work": re.compile(
        r"\b(?:work|worked|works|working|job|jobs|career|retired|retire|employ\w*|unemployed|"
        r"profession|occupation|boss|business|company|factory|shift|hired|fired|laid off|"
        r"nurse|teacher|engineer|farmer|mechanic|driver|clerk|lawyer|doctor|salary|paycheck)\b",
        re.IGNORECASE,
    ),
    "education": re.compile(
        r"\b(?:school|college|university|degree|graduated|graduate|diploma|GED|dropped out|"
        r"bachelor'?s?|master'?s?|PhD|doctorate|studied|studying|major(?:ed)?|classes|tuition)\b",
        re.IGNORECASE,
    ),
    "religion": re.compile(
        r"\b(?:church|god|faith|relig\w*|pray\w*|bible|catholic|protestant|baptist|methodist|"
        r"lutheran|evangelical|christian|muslim|islam|mosque|jewish|judaism|synagogue|atheist|"
        r"agnostic|spiritual|hindu|buddhis\w*|mormon|believer|mass)\b",
        re.IGNORECASE,
    ),
    "politics": re.compile(
        r"\b(?:democrat\w*|republican\w*|liberal|conservative|progressive|independent|vote[ds]?|"
        r"voting|voter|election|politic\w*|left-wing|right-wing|trump|obama|biden|clinton|"
        r"romney|party)\b",
        re.IGNORECASE,
    ),
}

_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|me|my|mine|we|our|us)\b", re.IGNORECASE)
MAX_QUOTES = 3  # per topic: the earliest statements carry the facts later answers must respect
MAX_QUOTE_CHARS = 300


class Fact(BaseModel):
    topic: str
    quote: str
    turn: int  # index of the answer the quote comes from


def _quote(sentence: str) -> str:
    return sentence if len(sentence) <= MAX_QUOTE_CHARS else sentence[:MAX_QUOTE_CHARS] + "..."


def topic_sentences(text: str) -> dict[str, list[str]]:
    """Topic -> the first-person sentences of `text` that speak about it."""
    found: dict[str, list[str]] = {}
    for s in sentences(text):
        if not _FIRST_PERSON.search(s):
            continue
        for topic, cue in _CUES.items():
            if cue.search(s):
                found.setdefault(topic, []).append(_quote(s))
    return found


def fact_table(answers: Sequence[str]) -> list[Fact]:
    """The facts stated in earlier answers: up to MAX_QUOTES sentences per topic."""
    facts: list[Fact] = []
    count: dict[str, int] = {}
    for turn, answer in enumerate(answers):
        for topic, quotes in topic_sentences(answer).items():
            for q in quotes:
                if count.get(topic, 0) < MAX_QUOTES:
                    facts.append(Fact(topic=topic, quote=q, turn=turn))
                    count[topic] = count.get(topic, 0) + 1
    return facts
