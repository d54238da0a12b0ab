"""Flagging participant-written text that looks like an attempt to instruct the model.

Nothing is withheld: every text reaches the mediator and the representatives, quoted between
delimiters it cannot close (chorus.core.quoting), under instructions that say quoted spans are
data. A heuristic only flags texts for the researcher: the flags are recorded in the episode and
shown in the report. It reads the text as a reader would (NFKC, invisible characters dropped,
look-alike letters folded, accents removed) and names what it saw: directives addressed to the
model in English, French, German, Spanish, Italian, Portuguese, Dutch, Russian or Chinese;
invisible characters; letters of mixed scripts in one word; markup or chat tokens; encoded text.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

from pydantic import BaseModel

from chorus.core import neutralise, normalise

# Latin look-alikes from Cyrillic and Greek (the confusables that spell English words).
_CONFUSABLES = str.maketrans(
    {
        cyr_or_greek: latin
        for latin, group in [
            ("a", "аα"),
            ("c", "с"),
            ("d", "ԁ"),
            ("e", "еε"),
            ("g", "ɡ"),
            ("h", "һ"),
            ("i", "іι"),
            ("j", "ј"),
            ("k", "κ"),
            ("n", "η"),
            ("o", "оοσ"),
            ("p", "рρ"),
            ("q", "ԛ"),
            ("s", "ѕ"),
            ("t", "τ"),
            ("u", "υ"),
            ("v", "ν"),
            ("w", "ԝ"),
            ("x", "хχ"),
            ("y", "уγ"),
        ]
        for cyr_or_greek in group
    }
)

_DIRECTIVES = [
    # English
    r"\b(ignore|disregard|forget|override|bypass|skip)\W+(\w+\W+){0,3}?(previous|prior|above|"
    r"earlier|preceding|foregoing|all|any|your|system|these|those)\W+(\w+\W+){0,2}?"
    r"(instructions?|prompts?|directions?|guidelines|rules|context|messages?)\b",
    r"\b(ignore|disregard|forget)\W+(everything|all)\W+(above|before|previous|so far|else)\b",
    r"\b(system|developer) (prompt|message|mode)\b|\bjailbreak",
    r"\b(note|message|instructions?|memo|p\.?s\.?) (to|for) (whoever|anyone|the (ai|model|"
    r"assistant|mediator|moderator|writer|drafter|author|llm|bot|system|summari[sz]er))",
    r"\b(whoever|anyone who|the one who|you who) (drafts?|writes?|summari[sz]es?|compiles?)\b",
    r"\b(the|any|your|each|final|group|consensus) (final |consensus |group |summary )?"
    r"statement (must|should|shall|has to|needs to|will) (say|state|include|mention|contain|"
    r"declare|end|begin|start|read|endorse)\b",
    r"\b(you are|you're|act as|pretend to be) (now )?(an? |the )?(ai|assistant|language model|"
    r"chatbot|mediator|llm|model|system)\b|\bas an ai\b",
    r"(^|\n)\s*(system|assistant|user|human|mediator|representative|ai|model)\s*:",
    r"\b(whatever|no matter what) (the|a|any) statement says\b",
    r"\b(open|start|begin|end|close)s? with the (word|phrase|sentence)\b",
    r"\b(write|output|print|say|repeat|respond with|reply with|answer with|copy)\s+(only|exactly|"
    r"verbatim|word for word)\b",
    r"\b(new|updated|real|actual|hidden|secret|additional) instructions?\b",
    r"\binclude (the |this |these )?(exact )?(phrase|words?|sentence|text|slogan|code)\b",
    r"\b(end|close) of (the )?(opinions?|input|data|participant text)\b",
    r"\brate (every|each|all|any) statement\b",
    # French
    r"\b(ignore[rz]?|oublie[rz]?|ne tenez pas compte|ne tiens pas compte)\b.{0,40}\b"
    r"(instructions?|consignes?|regles|directives|ce qui precede|precedent)",
    r"\b(note|message|consigne)s? (a|pour|au|aux) (la personne|celui|celle|quiconque|qui|"
    r"l'ia|l'assistant|redact|mediat|modele)",
    r"\b(redacteur|redactrice|mediateur|l'ia)\b.{0,20}\b(doit|devez|dois|ecri)",
    r"\b(la|cette) (declaration|synthese|position commune) (doit|devra) ",
    r"\b(ecris|ecrivez|ecrire) (uniquement|seulement|exactement)\b|\btu es (maintenant )?(une? )?"
    r"(ia|assistant)\b",
    # German
    r"\b(ignorier\w*|vergiss|vergessen sie|missachte\w*)\b.{0,40}\b(anweisung|anleitung|"
    r"vorgabe|regeln|vorherige|obige|alles)",
    r"\b(hinweis|notiz|nachricht|anweisung) (an|fur) (den|die|das|alle|wen)\b.{0,30}"
    r"(verfass|autor|ki|assistent|modell|mediator|moderator|schreib|formulier)",
    r"\bdie (erklarung|aussage|stellungnahme|gemeinsame erklarung) (muss|soll|mu)",
    r"\b(schreib\w*) (nur|ausschliesslich|ausschlieslich|genau)\b|\bdu bist (jetzt )?(eine? )?"
    r"(ki|assistent)\b",
    # Spanish
    r"\b(ignora|ignore|ignorar|ignoren|olvida|olvide|omite|omita)\b.{0,40}\b(instrucciones|"
    r"indicaciones|reglas|lo anterior|anteriores)",
    r"\bnota (para|al|a la|a) (quien|el|la|los)\b.{0,30}(redact|mediador|ia|asistente|modelo|"
    r"escrib)",
    r"\bla (declaracion|afirmacion|postura comun) (debe|tiene que|debera)\b",
    r"\b(escribe|escriba) (solo|solamente|exactamente|unicamente)\b|\beres (ahora )?(una? )?"
    r"(ia|asistente)\b",
    # Italian, Portuguese, Dutch
    r"\b(ignora|ignorate|dimentica)\b.{0,40}\b(istruzioni|regole|precedenti)",
    r"\bnota per (chi|il|la)\b.{0,30}(redig|scriv|mediatore|ia|assistente|modello)",
    r"\b(ignore|ignora|esqueca)\b.{0,40}\b(instrucoes|regras|anteriores)",
    r"\bnota para quem (redige|escreve)",
    r"\b(negeer|vergeet)\b.{0,40}\b(instructies|opdrachten|regels|vorige)",
    # Russian, Chinese
    r"(игнориру|забуд)\w*.{0,40}(инструкц|указани|правил)",
    r"(для|тому,? кто) (составля|пиш)\w*",
    r"(忽略|无视|忘记).{0,20}(指令|指示|说明|提示|规则)",
    r"(给|致).{0,10}(撰写|起草)",
]
_DIRECTIVE = re.compile("|".join(f"(?:{p})" for p in _DIRECTIVES))

_WORD = re.compile(r"\w{2,}")
# A closing tag drawn with bracket look-alikes: not a delimiter, but meant to read as one.
_LOOKALIKE_TAG = re.compile(r"[\u2039\u2329\u27e8\u300a\u3008]\s*/\s*\w+")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_ENCODED = re.compile(
    r"&#x?[0-9a-f]+;|&[a-z]{2,6};|%[0-9a-f]{2}|\\u\{?[0-9a-f]{2,6}|\\x[0-9a-f]{2}"
)


class TextFlag(BaseModel):
    """One suspicious text: who wrote it, where it went, and what the heuristic saw."""

    source: str  # opinion, critique, candidate, backstory, O item, C item, P item, M item
    participant_id: str | None = None  # None for mediator-written candidates
    where: str = ""  # round and candidate, or the profile item
    reasons: list[str]
    text: str  # the text as written


def fold(text: str) -> str:
    """Text as a reader sees it, for matching: normalised, case-folded, look-alike letters of
    words that mix scripts folded to Latin, accents removed."""
    text = _WORD.sub(
        lambda m: m.group(0).translate(_CONFUSABLES) if _scripts(m.group(0)) > 1 else m.group(0),
        normalise(text).casefold(),
    )
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def suspicion(text: str) -> list[str]:
    """The reasons a text looks like an attempt to instruct the model (empty: none)."""
    reasons = []
    shown = normalise(text)
    if shown != unicodedata.normalize("NFKC", text).replace("\r\n", "\n"):
        reasons.append("invisible characters")
    if any(_scripts(word) > 1 for word in _WORD.findall(shown)):
        reasons.append("letters of mixed scripts in one word")
    if neutralise(shown) != shown or _LOOKALIKE_TAG.search(shown):
        reasons.append("markup, delimiters or chat tokens")
    decoded = [d for d in map(_base64_text, _BASE64.findall(shown)) if d]
    if decoded or len(_ENCODED.findall(shown.lower())) >= 2:
        reasons.append("encoded text")
    if any(_DIRECTIVE.search(fold(t)) for t in [shown, *decoded]):
        reasons.append("addresses the model with instructions")
    return reasons


def flag(
    text: str, source: str, participant_id: str | None = None, where: str = ""
) -> TextFlag | None:
    reasons = suspicion(text)
    if not reasons:
        return None
    return TextFlag(
        source=source, participant_id=participant_id, where=where, reasons=reasons, text=text
    )


def _scripts(word: str) -> int:
    """How many of Latin, Cyrillic and Greek a word's letters come from."""
    names = {unicodedata.name(ch, "").split(" ")[0] for ch in word if ch.isalpha()}
    return len(names & {"LATIN", "CYRILLIC", "GREEK"})


def _base64_text(blob: str) -> str | None:
    """A base64 run that decodes to readable text (words, not bytes) -> that text."""
    if len(blob) % 4:
        blob = blob.rstrip("=")
        blob += "=" * (-len(blob) % 4)
    try:
        raw = base64.b64decode(blob, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    printable = sum(ch.isprintable() for ch in raw)
    return raw if len(raw) >= 8 and printable == len(raw) and " " in raw else None
