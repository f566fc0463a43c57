"""Planning speech for a long article: language detection, voice resolution against the
real engine, the speech-ready steps and the lexicon, for ~10,000 words (about an hour of
speech); with and without a 2,000-entry lexicon. And the ``voices`` command's start-up."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import BIN, ROOT, Row, measure

PLAN = """
import sys, time
sys.path.insert(0, {bench!r})
from longtext import long_article
from audio_articles.parsing import parse_article
from audio_articles.plan import plan_speech
from audio_articles.speech.lexicon import load_lexicon, Lexicon
from audio_articles.speech.voices import load_profile
article = parse_article(long_article(10_000))
lexicon = load_lexicon({lexicon!r}) if {lexicon!r} else Lexicon()
jobs = plan_speech(article, load_profile(), lexicon=lexicon)
assert jobs and all(job.spoken for job in jobs)
"""


def write_lexicon(path: Path, entries: int) -> None:
    # Made-up names, plus words the benchmark article really contains.
    lines = [f"Name{n}son = Name {n} son" for n in range(entries - 3)]
    lines += ["harbour master = harbor master", "council = counsel", "ferry = fairy"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def rows() -> list[Row]:
    python = str(BIN / "python")
    bench = str(ROOT / "tests" / "bench")
    result = []
    with tempfile.TemporaryDirectory(prefix="bench-voices-") as scratch:
        lexicon = Path(scratch) / "lexicon.txt"
        write_lexicon(lexicon, 2000)
        for label, path in (("no lexicon", ""), ("2,000-entry lexicon", str(lexicon))):
            wall, peak = measure([python, "-c", PLAN.format(bench=bench, lexicon=path)])
            result.append(Row(f"plan 10,000 words, {label}", wall, None, peak, "parse + plan, in-process start-up included"))
    wall, peak = measure([python, "-c", "import audio_articles.plan"])
    result.append(Row("python start-up + import of plan", wall, None, peak, "subtract from the rows above"))
    wall, peak = measure([str(BIN / "audio-articles"), "voices", "--json"])
    result.append(Row("voices --json (131 voices, 3 profiles)", wall, None, peak, "real engine"))
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from common import print_table

    print_table(rows())
