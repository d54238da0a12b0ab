"""Deterministic checks that an answer stays inside the interview frame.

Each rule returns the offending span so that a rejection can be read and audited. Rule kinds:
other_speaker, role_reversal, repeated_question, code_markup_metadata, too_short,
not_first_person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from chorus.backstories.schema import FrameIssue
from chorus.backstories.text import normalise, sentences, words

FRAME_KINDS: tuple[str, ...] = (
    "other_speaker",
    "role_reversal",
    "repeated_question",
    "code_markup_metadata",
    "too_short",
    "not_first_person",
)

_ROLE_LABEL = re.compile(
    r"\b(?:interviewer|interviewee|question|answer|user|assistant|host|reporter|moderator|"
    r"journalist|respondent|narrator|speaker\s*\d+)\s*:",
    re.IGNORECASE,
)
_SHORT_LABEL = re.compile(r"(?:^|\n|[.!?]\s+)\s*(?:Q|A|Me|You)\s*:", re.MULTILINE)

_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”")
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself)\b", re.IGNORECASE)
# Idioms that are questions with "you" but not questions to the interviewer.
_IDIOMS = re.compile(
    r"\b(?:you know|can you believe|would you believe|know what i mean|if you ask me|"
    r"can you imagine)\b",
    re.IGNORECASE,
)
_ASKS_BACK = re.compile(
    r"\b(?:tell|describe|share with) me (?:about|how|what|why|when|where|who)\b|"
    r"\b(?:now )?it'?s your turn\b",
    re.IGNORECASE,
)

_MARKUP = [
    re.compile(r"```|~~~"),
    re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]*)?/?>"),
    re.compile(r"^\s{0,3}#{1,6}\s", re.MULTILINE),
    re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__"),
    re.compile(r"(?<![\w*])\*[^*\n]{1,60}\*(?![\w*])"),  # *stage directions*
    re.compile(r"^\s*[-*+•]\s+\S", re.MULTILINE),
    re.compile(
        r"^\s*(?:def|class|import|function|public|private|return|var|let|const)\b.*[:({;=]\s*$",
        re.MULTILINE,
    ),
    re.compile(r"[{}]\s*$|;\s*$", re.MULTILINE),
    re.compile(r"\b(?:print|console\.log|System\.out\.println)\s*\("),
    re.compile(r"https?://|www\.\w"),
    re.compile(r"\[[^\]\n]{1,60}\]"),  # [Your name], [insert city]
    re.compile(r"(?<![\w&])#[A-Za-z]\w+"),  # hashtags
    re.compile(
        r"^\s*(?:word count|title|tags?|notes?|keywords|summary|author|date|name|age|gender|"
        r"location|occupation|education|background|hobbies|personality|bio|profile)\s*:",
        re.IGNORECASE | re.MULTILINE,
    ),
    re.compile(
        r"\bas an ai\b|\blanguage model\b|\bI(?:'m| am) an? (?:ai|artificial intelligence|"
        r"(?:virtual |ai )?assistant|chatbot|bot|language model)\b",
        re.IGNORECASE,
    ),
]

# fmt: off
_FIRST_PERSON = {"i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself",
                 "we", "we're", "we've", "our", "ours", "us", "ourselves"}
_THIRD_PERSON = {"he", "she", "they", "him", "her", "his", "hers", "them", "their",
                 "he's", "she's", "they're", "himself", "herself", "themselves"}
# fmt: on


def _other_speaker(answer: str, **_: object) -> str | None:
    m = _ROLE_LABEL.search(answer) or _SHORT_LABEL.search(answer)
    return m.group(0).strip(" .!?\n") if m else None


def _role_reversal(answer: str, **_: object) -> str | None:
    text = _QUOTED.sub(" ", answer)
    m = _ASKS_BACK.search(text)
    if m:
        return m.group(0)
    for s in sentences(text):
        if s.endswith("?") and _SECOND_PERSON.search(s) and not _IDIOMS.search(s):
            return s
    return None


def _question_sentences(question: str) -> list[str]:
    """The parts of an interview question long enough that repeating them is no accident."""
    parts = [normalise(p) for p in re.split(r"(?<=[.?!:])\s+", question)]
    return [p for p in parts if len(p.split()) >= 4]


def _repeated_question(
    answer: str, question: str, earlier_questions: Sequence[str], **_: object
) -> str | None:
    said = normalise(answer)
    for q in [question, *earlier_questions]:
        for part in _question_sentences(q):
            if part in said:
                return part
    return None


def _markup(answer: str, **_: object) -> str | None:
    for rule in _MARKUP:
        m = rule.search(answer)
        if m:
            return m.group(0).strip()
    return None


def _too_short(answer: str, min_words: int, **_: object) -> str | None:
    n = len(words(answer))
    return f"{n} words (minimum {min_words})" if n < min_words else None


def _not_first_person(answer: str, **_: object) -> str | None:
    tokens = [w.lower() for w in words(answer)]
    first = sum(t in _FIRST_PERSON for t in tokens)
    third = sum(t in _THIRD_PERSON for t in tokens)
    if first == 0:
        return "no first-person words"
    if third > 2 * first and first < 3:
        return f"{first} first-person vs {third} third-person words"
    return None


_RULES: dict[str, Callable[..., str | None]] = {
    "other_speaker": _other_speaker,
    "role_reversal": _role_reversal,
    "repeated_question": _repeated_question,
    "code_markup_metadata": _markup,
    "too_short": _too_short,
    "not_first_person": _not_first_person,
}


def check_frame(
    answer: str, question: str, earlier_questions: Sequence[str] = (), min_words: int = 15
) -> list[FrameIssue]:
    """Every frame rule the answer breaks (empty list = the answer is inside the frame)."""
    issues = []
    for kind, rule in _RULES.items():
        detail = rule(
            answer=answer,
            question=question,
            earlier_questions=earlier_questions,
            min_words=min_words,
        )
        if detail is not None:
            issues.append(FrameIssue(kind=kind, detail=detail))
    return issues
