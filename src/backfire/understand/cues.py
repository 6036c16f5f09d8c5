"""Hand-written lexical cues for sarcasm and hostility, plus VADER scores, as a small numeric vector.

Sarcasm that flips praise into hostility leaves marks: praise words next to force/arrest/violence
words, mock customer-service or advertising phrasing, scare quotes, #not / #sarcasm, eye-roll emoji,
"thanks for ..." and "so proud" over something bad. `cue_vector` turns them into numbers the trained
heads use; `cue_reasons` names the ones present, for a verdict's human-readable reason.

>>> names = cue_reasons("So proud of our officers, great baton work #not 🙄")
>>> "praise next to force" in names and "#not/#sarcasm tag" in names
True
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

_ESC = re.compile(r"\\u([0-9a-fA-F]{4})")
_URL = re.compile(r"https?://\S+")
_WORD = re.compile(r"[a-z']+")

PRAISE = frozenset(
    "proud love loving loved great thanks thank best amazing wonderful beautiful awesome fantastic hero "
    "heroes brilliant perfect lovely nice excellent glad happy fun friendly kind gentle helpful safe "
    "adorable favourite favorite finest bravest".split()
)
FORCE = frozenset(
    "arrest arrested arresting beat beaten beating baton brutality brutal force pepper tackled tackle "
    "choke chokehold shot shoot shooting kill killed killing violence violent riot gun guns punch punched "
    "kicked kicking dragged handcuff handcuffed handcuffs taser tased teargas harass harassed harassment "
    "abuse abused racist racism blood bloody bruised injured beatdown stomp stomped slammed kneeling pig pigs "
    "murder murdered raid raided cuffed jail jailed detained crackdown oppression thug thugs".split()
)
# Everyday phrases that only look like force ("kneeling to pet a dog", "shooting hoops"): not counted.
BENIGN = re.compile(r"\bkneel(?:s|ing)? (?:down )?(?:to|beside|with|next)\b|\bshoot(?:s|ing)? hoops\b|"
                    r"\bphoto ?shoots?\b|\bshot of\b", re.I)
# Force and harm in any inflection ("kettling", "body-slammed"), beyond the `FORCE` words; not a trained
# feature (the weights read `FORCE` counts): `shows_force` serves the campaign rules.
FORCE_STEMS = re.compile(
    r"\b(?:kettl|body-?slam|slamm|shov(?:e|es|ed|ing)\b|chok(?:e|es|ed|ing)\b|strangl|"
    r"punch(?:es|ed|ing)?\b|kick(?:s|ed|ing)?\b(?!\s+off)|beat(?:ing|en)\b|arrest|frisk|pepper-?spray|"
    r"tas(?:e|ed|ing)\b|taser|(?:hand)?cuff(?:s|ed|ing)?\b|club(?:bed|bing)\b|baton|brutali|assault|stomp|"
    r"drag(?:s|ged|ging)\b|pin(?:s|ned|ning)\s+(?:down|a|an|the|him|her|them)\b|harass|intimidat|evict|"
    r"foreclos|detain)",
    re.I,
)
NEGATIVE_EMOJI = frozenset("🙄🙃😒😑🤡💀😤😡🤬👎🤦🤷")
LAUGH_EMOJI = frozenset("😂🤣😆😹")
POSITIVE_EMOJI = frozenset("😍❤😊🙏👍🥰😘💕💖👏🎉😀😁☺")
SARCASM_TAGS = re.compile(r"#(not|sarcasm|sarcastic|irony|ironic|notreally|yeahright|sarcasmo|eyeroll)\b", re.I)
MOCK_PHRASES = re.compile(
    r"customer service|service with a smile|here to help|satisfaction guaranteed|call now|limited time|"
    r"special offer|book now|five stars|5 stars|would recommend|highly recommend|best service|"
    r"#ad\b|order now|try it today|free gift|your safety is our|protect and serve|courtesy,? professionalism",
    re.I,
)
SARCASM_PHRASES = re.compile(
    r"thanks? (you )?for|so proud|love (how|it when|that)|nothing says|can'?t wait|just what i needed|"
    r"yeah right|oh (great|good|wonderful|joy)|what a (surprise|shock)|of course|clearly|obviously|"
    r"totally|gotta love|got to love|because that|as if|sure,|great job|well done|good job|so glad|"
    r"another (great|wonderful)|my favou?rite|how nice|how lovely",
    re.I,
)
QUOTE_BACK = re.compile(
    r"you asked for|here'?s mine|here is mine|here'?s my|here is my|my #\w+ (photo|pic|picture)|"
    r"want(ed)? (photos|pictures|pics)|tag (it|them|us)|to be featured",
    re.I,
)
SCARE_QUOTES = re.compile(r"[\"“‘'][^\"”’' ]{2,20}[\"”’']")
ELONGATED = re.compile(r"([a-z])\1{2,}", re.I)
NEGATIONS = frozenset("not no never nothing nobody none don't doesn't didn't isn't aren't wasn't can't won't".split())

CUE_NAMES: tuple[str, ...] = (
    "vader_neg", "vader_neu", "vader_pos", "vader_compound", "praise", "force", "praise_x_force",
    "sarcasm_tag", "mock_phrase", "sarcasm_phrase", "scare_quotes", "neg_emoji", "laugh_emoji",
    "pos_emoji", "exclaim", "question", "ellipsis", "caps", "elongated", "negation", "log_len",
    "hashtags", "mentions", "url", "pos_neg_clash",
)


def clean_text(text: str) -> str:
    """Undo literal `\\uXXXX` escapes some archives carry and strip URLs (keeping a marker)."""
    if "\\u" in text:
        text = _ESC.sub(lambda m: chr(int(m.group(1), 16)), text)
    return _URL.sub(" http ", text).strip()


@lru_cache(maxsize=1)
def _vader():  # type: ignore[no-untyped-def,unused-ignore]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_scores(text: str) -> dict[str, float]:
    """VADER's neg / neu / pos / compound for `text`."""
    return dict(_vader().polarity_scores(text))


def _counts(text: str) -> tuple[list[str], int, int]:
    words = _WORD.findall(text.casefold())
    praise = sum(w in PRAISE for w in words)
    force = sum(w in FORCE for w in _WORD.findall(BENIGN.sub(" ", text).casefold()))
    return words, praise, force


def shows_force(text: str) -> bool:
    """True when `text` shows force or harm: a `FORCE` word or stem, everyday look-alikes (`BENIGN`) aside.

    >>> shows_force("officers kettling the march"), shows_force("officer kneeling to pet a dog")
    (True, False)
    """
    plain = BENIGN.sub(" ", text)
    return bool(set(_WORD.findall(plain.casefold())) & FORCE) or bool(FORCE_STEMS.search(plain))


def cue_vector(text: str) -> np.ndarray:
    """The cues of `text` as a float32 vector in the order of `CUE_NAMES`."""
    v = vader_scores(text)
    words, praise, force = _counts(text)
    chars = set(text)
    caps = sum(1 for w in text.split() if len(w) > 2 and w.isupper())
    values = [
        v["neg"], v["neu"], v["pos"], v["compound"],
        min(praise, 3) / 3, min(force, 3) / 3, float(praise > 0 and force > 0),
        float(bool(SARCASM_TAGS.search(text))), float(bool(MOCK_PHRASES.search(text))),
        float(bool(SARCASM_PHRASES.search(text))), float(bool(SCARE_QUOTES.search(text))),
        float(bool(chars & NEGATIVE_EMOJI)), float(bool(chars & LAUGH_EMOJI)),
        float(bool(chars & POSITIVE_EMOJI)), min(text.count("!"), 3) / 3, min(text.count("?"), 3) / 3,
        float("..." in text or "…" in text), min(caps, 3) / 3, float(bool(ELONGATED.search(text))),
        min(sum(w in NEGATIONS for w in words), 3) / 3, math.log1p(len(words)) / 4,
        min(text.count("#"), 5) / 5, min(text.count("@"), 5) / 5, float("http" in text),
        float(v["pos"] > 0.2 and (v["neg"] > 0.1 or force > 0)),
    ]
    return np.asarray(values, dtype=np.float32)


def cue_reasons(text: str) -> list[str]:
    """Names of the sarcasm/hostility cues present in `text`, most telling first."""
    _, praise, force = _counts(text)
    chars = set(text)
    found = []
    if praise and force:
        found.append("praise next to force")
    checks = (
        (SARCASM_TAGS.search(text), "#not/#sarcasm tag"),
        (MOCK_PHRASES.search(text), "mock advertising/service phrasing"),
        (SARCASM_PHRASES.search(text), "ironic praise phrase"),
        (QUOTE_BACK.search(text), "quotes the campaign's call back"),
        (SCARE_QUOTES.search(text), "scare quotes"),
        (chars & NEGATIVE_EMOJI, "eye-roll emoji"),
    )
    found.extend(name for hit, name in checks if hit)
    return found
