"""Web pages: how much of the real article we speak, and nothing else.

For every page of the real-page corpus (tests/data/web), token precision, recall and F1
of the words we would speak (headline left out: titles are scored on their own) against
the page's true article text, side by side with trafilatura's own plain-text output on
the same page; the share of titles right; and the time to extract and plan a ~300 KB page.

    python tests/bench/bench_web.py          (or: make quality)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.web_corpus import PAGES, corpus, scores  # noqa: E402

from audio_articles.model import SegmentKind  # noqa: E402
from audio_articles.parsing.html import EXTRACT_SETTINGS, parse_html  # noqa: E402
from audio_articles.sources import decode_page  # noqa: E402


def spoken_body(article) -> str:
    return "\n".join(s.text for s in article.segments() if s.kind != SegmentKind.HEADLINE)


def bare_extractor(html: str) -> str:
    import trafilatura

    settings = {key: value for key, value in EXTRACT_SETTINGS.items() if key not in ("with_metadata", "date_extraction_params")}
    return trafilatura.extract(html, output_format="txt", **settings) or ""


def readability_text(html: str) -> str | None:
    """readability-lxml's article as text, when it is installed (it is not a dependency:
    this column is what the choice of extractor was measured on)."""
    try:
        import lxml.html
        from readability import Document
    except ImportError:
        return None
    summary = lxml.html.fromstring(Document(html).summary())
    return "\n".join(" ".join(block.text_content().split()) for block in summary.iter("p", "li", "h2", "h3", "h4", "blockquote", "td"))


def main() -> int:
    ours, bare, other, titles, rows = [], [], [], 0, []
    for page in corpus():
        html = decode_page(page.html.read_bytes(), None, str(page.html))
        truth = page.truth.read_text(encoding="utf-8")
        article = parse_html(html, url=page.url)
        ours.append(scores(spoken_body(article), truth))
        bare.append(scores(bare_extractor(html), truth))
        if (text := readability_text(html)) is not None:
            other.append(scores(text, truth))
        titles += article.title == page.title
        rows.append((page.name, ours[-1][2], bare[-1][2], article.title == page.title))
    for name, f_ours, f_bare, title_ok in sorted(rows, key=lambda row: row[1])[:8]:
        print(f"  lowest: {name[:60]:60} F1 ours {f_ours:.3f}  bare {f_bare:.3f}  title {'ok' if title_ok else 'WRONG'}")
    print(f"{len(rows)} real pages ({PAGES})")
    print(f"{'':28} {'precision':>9} {'recall':>9} {'F1':>9}")
    columns = [("ours (spoken, no headline)", ours), ("trafilatura plain text", bare)]
    columns += [("readability-lxml text", other)] if other else []
    for label, values in columns:
        p, r, f = (statistics.mean(v[i] for v in values) for i in range(3))
        print(f"{label:28} {p:9.3f} {r:9.3f} {f:9.3f}")
    print(f"titles right: {titles}/{len(rows)}")
    print(f"extract + plan, ~300 KB page: {timing():.3f} s")
    return 0


def timing() -> float:
    """Best of five: a real page padded to ~300 KB with more of its own article."""
    from audio_articles.plan import plan_speech
    from audio_articles.speech.voices import load_profile

    page = corpus()[0]
    html = page.html.read_text(encoding="utf-8")
    start, end = html.index("<article"), html.index("</article>")
    body = html[html.index(">", start) + 1 : end]
    while len(html) < 300_000:
        html = html[:end] + body + html[end:]
    profile = load_profile(None)
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        article = parse_html(html, url=page.url)
        plan_speech(article, profile)
        best = min(best, time.perf_counter() - began)
    return best


if __name__ == "__main__":
    sys.exit(main())
