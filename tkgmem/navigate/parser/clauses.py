"""Shallow clause reading for questions: wh-type, answer kind, entity mentions, verb lemma, keywords.

Rules over the surface string, no model: capitalised spans are entity mentions, the auxiliary
tells subject from answer slot ("Who visited Paris" vs "Where did Alice work"), a small irregular-verb
table plus suffix rules gives lemmas that match the extractor's spaCy lemmas after stemming.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tkgmem.navigate.text import STOPWORDS, stem, words
from tkgmem.temporal import Granularity

_IRREGULAR = {
    "went": "go", "gone": "go", "goes": "go", "bought": "buy", "met": "meet", "made": "make", "took": "take",
    "taken": "take", "saw": "see", "seen": "see", "got": "get", "gotten": "get", "gave": "give", "given": "give",
    "left": "leave", "came": "come", "ran": "run", "won": "win", "began": "begin", "begun": "begin",
    "wrote": "write", "written": "write", "read": "read", "ate": "eat", "eaten": "eat", "drank": "drink",
    "drove": "drive", "driven": "drive", "flew": "fly", "flown": "fly", "sold": "sell", "told": "tell",
    "said": "say", "found": "find", "thought": "think", "brought": "bring", "built": "build", "sent": "send",
    "spent": "spend", "lost": "lose", "paid": "pay", "taught": "teach", "caught": "catch", "held": "hold",
    "kept": "keep", "felt": "feel", "knew": "know", "known": "know", "became": "become", "chose": "choose",
    "chosen": "choose", "fell": "fall", "grew": "grow", "heard": "hear", "led": "lead", "sang": "sing",
    "sung": "sing", "swam": "swim", "threw": "throw", "wore": "wear", "joined": "join", "had": "have",
    "has": "have", "did": "do", "does": "do", "was": "be", "were": "be", "is": "be", "are": "be", "am": "be",
    "married": "marry", "studied": "study", "moved": "move", "lived": "live", "visited": "visit",
    "started": "start", "quit": "quit", "shot": "shoot", "struck": "strike", "fought": "fight", "hit": "hit",
    "put": "put", "set": "set", "shut": "shut", "cut": "cut", "beat": "beat", "sat": "sit", "stood": "stand",
    "understood": "understand", "forgot": "forget", "slept": "sleep", "woke": "wake", "rode": "ride",
}
_AUX = r"(?:did|does|do|was|were|is|are|has|have|had|will|would|can|could|should)"
_MONTH_DAY = re.compile(r"^(?:January|February|March|April|May|June|July|August|September|October|November|"
                        r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|I|I'm|I've|"
                        r"When|Where|Who|Whom|What|Which|How|Why|Did|Does|Do|Is|Was|Were|Has|Have|Had|In|On|"
                        r"At|Before|After|During|While|Since|Until|The|A|An|Then|And|Or|If|For|With|To|From|"
                        r"Between|By|Of|Whose|Can|Could|Will|Would|Should)$")
_CONNECT = {"of", "the", "de", "del", "da", "van", "von", "and", "for", "&", "'s", "bin", "al", "el", "la", "le"}
_TOKEN = re.compile(r"[A-Za-z\u00C0-\u024F0-9][\w\u00C0-\u024F'’.-]*|[&]")

_DETERMINERS = {"the", "a", "an", "his", "her", "their", "our", "my", "your", "its", "this", "that", "these",
                "those"}
_POSSESSED = re.compile(r"^['’]s?\s+(?:\w+\s+){0,2}?\w+(?:\s+and\s+(?:his|her|their|its)\s+\w+)?(?=\s)", re.I)
PRONOUNS = {"he", "she", "they", "him", "her", "them", "his", "their", "it", "its", "i", "me", "my", "we", "us",
            "our", "you", "your"}


def lemma(word: str) -> str:
    """Verb lemma: irregular table, then suffix rules ("visited" -> "visit"); compare lemmas via `stem`."""
    w = word.casefold()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    for suffix, repl in (("ied", "y"), ("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            base = w[: len(w) - len(suffix)] + repl
            if suffix in ("ed", "ing") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # "stopped" -> "stop"
            return base  # "moved" -> "mov": compared after `stem`, which drops a final e ("move" -> "mov")
    return w


@dataclass
class Mention:
    text: str
    start: int
    end: int


def entity_mentions(text: str) -> list[Mention]:
    """Capitalised spans ("Tsai Ing-wen", "International Court of Justice"), not sentence-initial
    function words, months or weekdays."""
    toks = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    out: list[Mention] = []
    i = 0
    while i < len(toks):
        word, s, e = toks[i]
        if word[0].isupper() and not _MONTH_DAY.match(word.rstrip(".,")):
            j = i
            end = e
            while j + 1 < len(toks):
                nxt = toks[j + 1][0]
                if (nxt[0].isupper() and not _MONTH_DAY.match(nxt)) or (
                        nxt.lower() in _CONNECT and j + 2 < len(toks) and toks[j + 2][0][0].isupper()
                        and not _MONTH_DAY.match(toks[j + 2][0])):
                    j += 1
                    end = toks[j][2]
                else:
                    break
            name = re.sub(r"['’]s?$", "", text[s:end].rstrip(".,?!"))
            out.append(Mention(name, s, s + len(name)))
            i = j + 1
        else:
            i += 1
    return out


@dataclass
class Clause:
    """One clause of a question: who does what to whom, in surface terms."""

    text: str
    subject: str | None = None  # entity name, a pronoun, or None when the subject is the answer
    subject_is_answer: bool = False
    object: str | None = None
    object_is_answer: bool = False
    verb: str | None = None  # lemma
    keywords: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    keywords_extra: list[str] = field(default_factory=list)


def answer_kind(question: str) -> tuple[str, Granularity | None]:
    """What the question asks for: time (at a granularity), count, duration, yes_no, event or entity."""
    q = question.strip().lower()
    if re.match(r"(?:on\s+)?what\s+date|(?:in\s+)?(?:what|which)\s+day\b", q):
        return "time", Granularity.DAY
    if re.match(r"(?:in\s+)?(?:what|which)\s+month\b", q):
        return "time", Granularity.MONTH
    if re.match(r"(?:in\s+)?(?:what|which)\s+year\b|what\s+year", q):
        return "time", Granularity.YEAR
    if re.match(r"when\b|what\s+time\b|at\s+what\s+(?:time|point)", q):
        return "time", None
    if re.match(r"how\s+(?:many|often)\b", q):
        return "count", None
    if re.match(r"how\s+long\b|how\s+much\s+time\b", q):
        return "duration", None
    if re.match(_AUX + r"\b", q):
        return "yes_no", None
    if re.match(r"what\s+(?:did|does|do|was|is)\s+.+\s+(?:do|doing)\b|what\s+(?:happened|has\s+happened)\b", q):
        return "event", None
    return "entity", None


_WH = re.compile(
    r"^\s*(?:(?:with|to|from|for|by|of|at|in|on)\s+)?(?:whom|who|whose|where|when|what|which|how\s+many|how\s+often|"
    r"how\s+long|how\s+much\s+time|how)\b(?:\s+(?:time|date|day|month|year|country|countries|person|people|one|"
    r"organi[sz]ation|city|place|team|company|group|party|job|position|school)s?\b)?",
    re.I,
)


def read_clause(text: str, *, question: bool = True, kind: str = "entity") -> Clause:
    """Subject, verb and object of one clause of a question ("Where did Alice work" / "she moved to Berlin")."""
    c = Clause(text=text)
    ents = entity_mentions(text)
    c.entities = [m.text for m in ents]
    rest = text
    wh = _WH.match(text) if question else None
    if wh:
        rest = text[wh.end():]
    aux = re.match(r"\s*" + _AUX + r"\b", rest, re.I)
    if wh and not aux:
        c.subject_is_answer = True  # "Who visited Paris"
    elif wh and kind in ("entity", "event"):
        c.object_is_answer = True  # "Where did Alice work", "With whom did X sign"
    after_aux = rest[aux.end():] if aux else rest
    # subject: the first entity mention or pronoun after the auxiliary (or at the start of a clause)
    if not c.subject_is_answer:
        lead = re.match(r"\s*(?:the\s+)?(\w+)", after_aux)
        first_word = lead.group(1).lower() if lead else ""
        ent_after = [m for m in ents if m.start >= len(text) - len(after_aux)]
        if first_word in PRONOUNS:
            c.subject = first_word
            after_subj = after_aux[lead.end():] if lead else after_aux
        elif ent_after and text[len(text) - len(after_aux):ent_after[0].start].strip().lower() in ("", "the"):
            c.subject = ent_after[0].text
            after_subj = text[ent_after[0].end:]
            poss = _POSSESSED.match(after_subj)
            if poss:  # "James' mother and her friend visit": the possessed noun is a keyword, not the verb
                possessed = poss.group(0)
                after_subj = after_subj[poss.end():]
                c.keywords_extra = [w for w in words(possessed) if w not in STOPWORDS and w not in PRONOUNS]
        else:
            after_subj = after_aux
    else:
        after_subj = after_aux
    # verb: first content word of what follows the subject, unless it is a noun ("the merger")
    prev = ""
    for w in words(after_subj):
        if w in STOPWORDS and w not in ("go", "went", "made", "make", "take", "took", "get", "got", "left"):
            prev = w
            continue
        if w in {"formally", "first", "last", "also", "ever", "just", "finally", "really"}:
            continue
        if prev not in _DETERMINERS:
            c.verb = lemma(w)
        break
    # object: an entity mention after the verb that is not the subject
    others = [m.text for m in ents if m.text != c.subject]
    if others and not c.object_is_answer:
        c.object = others[-1] if c.subject_is_answer else others[0]
    elif others:
        c.object = None
    ent_words = {stem(w) for m in ents for w in words(m.text)}
    verb_stem = stem(c.verb) if c.verb else ""
    kws: list[str] = []
    seen: set[str] = set()
    for w in words(after_subj):
        if w in STOPWORDS or w in PRONOUNS or len(w) < 3:
            continue
        s = stem(w)
        if s in ent_words or s == verb_stem or lemma(w) == c.verb or s in seen:
            continue
        seen.add(s)
        kws.append(w)  # surface words (readable plans); the executor stems them
    c.keywords = c.keywords_extra + [k for k in kws if k not in c.keywords_extra]
    return c
