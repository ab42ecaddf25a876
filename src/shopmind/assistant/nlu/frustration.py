"""Frustration score: a sentiment model's probability combined with surface cues.

frustration = 1 − (1 − p_upset) · (1 − c),  c = min(0.9, Σ cue weights)

p_upset comes from a sentiment head over the message's sentence vector (trained on Chinese
shopping reviews + English customer messages, see :mod:`shopmind.assistant.nlu.shop`). The cues are
what a review-trained model misses in a live chat: shouting (ALL CAPS, "!!!"), explicit threats to
complain or leave a bad review (投诉 / 差评 / "report you"), insults, and repetition — the customer
has complained before in this conversation (``history``) or repeats the same message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_ANGER = re.compile(
    r"投诉|差评|垃圾|骗子|骗人|坑人|气死|太差|太烂|恶心|什么破|退钱|消协|曝光|无语|滚|投诉你们|搞什么"
    r"|\b(?:unacceptable|ridiculous|outrageous|scam|worst|terrible|horrible|awful|useless|pathetic|furious"
    r"|angry|fed up|sick of|wtf|damn|fucking|bullshit|rip-?off|thieves|liars?|lawsuit|complain(?:t)?"
    r"|bad review|one[- ]star|report you)\b",
    re.IGNORECASE,
)
_SHOUT_WORD = re.compile(r"\b[A-Z]{3,}\b")
_BANGS = re.compile(r"[!！?？]{2,}|[!！]{1}.*[!！].*[!！]")
_REPEAT = re.compile(
    r"又|还是没|还没|第[二三四五六七八九十\d]+次|再一次|三遍|多少次|again|still|(?:third|fourth|fifth) time"
)


def cue_score(text: str, history: Sequence[str] = ()) -> float:
    """Sum of cue weights in [0, 0.9] (0 for a calm message)."""
    score = 0.0
    anger = len(_ANGER.findall(text))
    score += min(0.5, 0.3 * anger)
    shouted = [w for w in _SHOUT_WORD.findall(text) if w not in {"USD", "RMB", "CNY", "SKU", "APP"}]
    if len(shouted) >= 2:
        score += 0.25
    if _BANGS.search(text):
        score += 0.15
    if _REPEAT.search(text):
        score += 0.1
    earlier = [h for h in history if h.strip()]
    if earlier:
        angry_before = sum(1 for h in earlier if _ANGER.search(h) or _BANGS.search(h))
        score += min(0.3, 0.15 * angry_before)
        if text.strip() and any(h.strip().lower() == text.strip().lower() for h in earlier):
            score += 0.2
    return min(0.9, score)


def combine(p_upset: float, cues: float) -> float:
    """1 − (1 − p)(1 − c): either source alone can raise the score; both together raise it more."""
    return float(1.0 - (1.0 - p_upset) * (1.0 - cues))
