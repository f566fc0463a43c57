"""Parsing stays linear: 5 MB of plain text, of Markdown, and of adversarial text (one
huge paragraph of unbalanced quotation marks and apostrophes) each parse in seconds.

Each row runs the parser in a fresh process (wall time and peak memory include starting
Python); the note gives the time spent in ``parse_article`` alone.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from common import Row, measure
from longtext import long_article

SIZE = 5 * 1024 * 1024

CLUTTER = ["Advertisement", "Read More: Another Story From the Archive", "› Back to Top", "https://example.org/x"]

CHILD = """
import json, sys, time
from audio_articles.parsing import parse_article
text = open(sys.argv[1], encoding="utf-8").read()
start = time.perf_counter()
article = parse_article(text, markdown=sys.argv[1].endswith(".md"))
seconds = time.perf_counter() - start
json.dump({"seconds": seconds, "segments": sum(1 for _ in article.segments()),
           "sections": len(article.sections), "removed": len(article.removed)}, open(sys.argv[2], "w"))
"""


BASELINE = """
import json, sys, time
from audio_articles.parsing.markdown import _markdown_it
text = open(sys.argv[1], encoding="utf-8").read()
start = time.perf_counter()
tokens = _markdown_it().parse(text)
json.dump({"seconds": time.perf_counter() - start, "tokens": len(tokens)}, open(sys.argv[2], "w"))
"""


def plain_digest(size: int) -> str:
    """Articles of about 800 words with clutter lines, separated by "› Back to Top"."""
    rng = random.Random(5)
    parts: list[str] = []
    total = 0
    number = 0
    while total < size:
        number += 1
        article = long_article(800, seed=number).replace("A Long Year", f"Story {number} of a Long Year", 1)
        paragraphs = article.split("\n\n")
        paragraphs.insert(rng.randint(1, len(paragraphs) - 1), rng.choice(CLUTTER))
        chunk = "\n\n".join(paragraphs) + "\n› Back to Top\n\n"
        parts.append(chunk)
        total += len(chunk.encode())
    return "".join(parts)


def markdown_post(size: int) -> str:
    """Sections with paragraphs, lists, a code fence, links and emphasis."""
    rng = random.Random(6)
    parts = ["---\ntitle: A Very Long Post\nlang: en\n---\n\n# A Very Long Post\n\n"]
    total = 0
    number = 0
    while total < size:
        number += 1
        body = long_article(600, seed=1000 + number).split("\n\n")[1:]
        chunk = f"## Part {number}\n\n" + "\n\n".join(
            f"{p} See [the *notes*](https://example.org/{number}) and `code`." for p in body
        ) + "\n\n- one item\n- two items\n\n```python\nprint('skipped')\n```\n\n"
        if rng.random() < 0.3:
            chunk += "> “A long quotation in a block quote, as a reader would see it.”\n\n"
        parts.append(chunk)
        total += len(chunk.encode())
    return "".join(parts)


def adversarial(size: int) -> str:
    """One paragraph, no blank lines: openers that never close, apostrophes, brackets."""
    pieces = ["“never closed ", '"straight open ', "« guillemet ", "rock ’n’ roll ", "O’Hara’s ’90s ", "(Applause ",
              "[embed x=1 ", "word " * 3]  # fmt: skip
    rng = random.Random(7)
    out: list[str] = ["Headline\n\n"]
    total = 0
    while total < size:
        piece = rng.choice(pieces)
        out.append(piece)
        total += len(piece.encode())
    return "".join(out) + "\n"


def rows() -> list[Row]:
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as scratch:
        scratch = Path(scratch)
        for name, text, suffix in (
            ("parse 5 MB plain-text digest", plain_digest(SIZE), ".txt"),
            ("parse 5 MB Markdown post", markdown_post(SIZE), ".md"),
            ("parse 5 MB adversarial paragraph", adversarial(SIZE), ".txt"),
        ):
            source = scratch / f"input{suffix}"
            source.write_text(text, encoding="utf-8")
            report = scratch / "report.json"
            wall, peak = measure([sys.executable, "-c", CHILD, str(source), str(report)])
            found = json.loads(report.read_text())
            megabytes = source.stat().st_size / 1024 / 1024
            note = (f"{megabytes:.1f} MB: parse {found['seconds']:.2f} s, {found['segments']} segments, "
                    f"{found['sections']} sections, {found['removed']} removed")  # fmt: skip
            results.append(Row(name, wall, peak_rss_mb=peak, note=note))
            if suffix == ".md":
                # The floor: markdown-it-py tokenising the same file, which the parser walks once.
                wall, peak = measure([sys.executable, "-c", BASELINE, str(source), str(report)])
                found = json.loads(report.read_text())
                note = f"markdown-it-py alone: {found['seconds']:.2f} s, {found['tokens']} tokens"
                results.append(Row("  tokenise the same Markdown only", wall, peak_rss_mb=peak, note=note))
    return results


if __name__ == "__main__":
    subprocess.run([sys.executable, str(Path(__file__).with_name("run.py")), "parse"], check=True)
