"""Long articles of our own for the benchmarks, generated deterministically.

``long_article(words)`` builds a plain-text article (headline, then paragraphs with the
occasional quotation) of about ``words`` words from a fixed vocabulary and a seeded random
generator: the same call always gives the same text, so runs are comparable. About 10,000
words take about an hour to speak.

    python tests/bench/longtext.py 10000 > /tmp/long.txt
"""

from __future__ import annotations

import random
import sys

SUBJECTS = [
    "The council", "A local baker", "The harbour master", "Our reporter", "The new library",
    "A group of students", "The river authority", "The night bus", "A retired engineer",
    "The village choir", "The regional museum", "A small bookshop", "The ferry crew",
    "The weather service", "A market trader", "The football club", "The town planner",
]  # fmt: skip
VERBS = [
    "announced", "described", "questioned", "welcomed", "measured", "repaired", "visited",
    "reviewed", "explained", "opened", "planned", "delayed", "praised", "recorded", "built",
]  # fmt: skip
OBJECTS = [
    "a plan for the old station", "the cost of the new bridge", "the opening hours",
    "three new bus routes", "the autumn festival", "a garden on the roof",
    "the results of the survey", "the damage after the storm", "a map of the cycle paths",
    "the price of bread", "the first solar panels", "a quiet reading room",
    "the schedule for the summer", "the height of the spring tide", "a school for music",
]  # fmt: skip
TAILS = [
    "on Tuesday morning", "after a long debate", "for the second time this year",
    "despite the rain", "in front of a small crowd", "with some caution",
    "before the end of the month", "at a meeting in the town hall", "without much fuss",
    "to the surprise of many", "as the sun went down", "in a short statement",
]  # fmt: skip
QUOTES = [
    "We have waited a long time for this, and it is worth every minute",
    "Nobody expected the numbers to be this good so early in the year",
    "It is a small change, but people notice small changes every day",
    "We will keep listening to the people who live here",
    "The work is hard, yet the whole team is proud of what we built",
]  # fmt: skip
SPEAKERS = ["said the mayor", "said one resident", "a spokeswoman said", "he added", "she said"]


def sentence(rng: random.Random) -> str:
    """One plain sentence, e.g. "The council announced the opening hours on Tuesday morning."."""
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}."


def paragraph(rng: random.Random) -> str:
    """Four to seven sentences; about one paragraph in four carries a quotation."""
    parts = [sentence(rng) for _ in range(rng.randint(4, 7))]
    if rng.random() < 0.25:
        parts.insert(rng.randint(1, len(parts)), f"\u201c{rng.choice(QUOTES)},\u201d {rng.choice(SPEAKERS)}.")
    return " ".join(parts)


def long_article(words: int = 10_000, seed: int = 8) -> str:
    """A headline and paragraphs adding up to about ``words`` words (never fewer)."""
    rng = random.Random(seed)
    blocks = ["A Long Year in a Small Town"]
    count = 0
    while count < words:
        block = paragraph(rng)
        blocks.append(block)
        count += len(block.split())
    return "\n\n".join(blocks) + "\n"


def short_articles(count: int, words: int = 250, seed: int = 80) -> list[str]:
    """``count`` distinct short articles of about ``words`` words each."""
    return [long_article(words, seed=seed + n).replace("A Long Year", f"Notes {n + 1} from a Year", 1) for n in range(count)]


if __name__ == "__main__":
    sys.stdout.write(long_article(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
