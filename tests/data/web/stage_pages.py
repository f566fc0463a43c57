"""Put the real-page corpus in place: copy each page of expected.toml, unedited, from a
git snapshot of usagov/usagov-archive-2023, and write beside it its true article text.

The pages are U.S. Government works (public domain) but they come from a snapshot of a
public repository, so they are not committed here: the tests and the quality bench read
them from ``$AUDIO_ARTICLES_WEB_PAGES``, ``tests/data/web/pages/`` (git-ignored) or
``shared/web-pages/`` beside the repository, and skip when none has them.

    python tests/data/web/stage_pages.py SNAPSHOT_GIT_DIR [OUT_DIR]

The true text is read from the page's own <article> element (the USAGov template puts
the post there), with its <h1> (the title), the date line and images left out: one line
per block (paragraph, heading, list item, block quotation, table cell).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).parent
BLOCKS = {"p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "th", "dd", "dt", "figcaption", "pre"}


def true_text(html: bytes) -> str:
    """The article's text from the page's own markup (see the module's docstring)."""
    import lxml.html

    tree = lxml.html.fromstring(html)
    article = tree.xpath("//article")[0]
    for unwanted in article.xpath(".//h1 | .//*[@id='pipe'] | .//script | .//style | .//img"):
        unwanted.drop_tree()
    lines = []
    for element in article.iter():
        if element.tag in BLOCKS and not any(parent.tag in BLOCKS for parent in element.iterancestors()):
            text = " ".join(element.text_content().split())
            if text:
                lines.append(text)
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    git_dir = argv[0]
    out = Path(argv[1]) if len(argv) > 1 else HERE / "pages"
    out.mkdir(parents=True, exist_ok=True)
    pages = tomllib.loads((HERE / "expected.toml").read_text(encoding="utf-8"))["page"]
    for page in pages:
        data = subprocess.run(
            ["git", "--git-dir", git_dir, "show", f"{page['commit']}:{page['path']}"],
            check=True, capture_output=True,
        ).stdout
        (out / f"{page['name']}.html").write_bytes(data)
        (out / f"{page['name']}.txt").write_text(true_text(data), encoding="utf-8")
    print(f"{len(pages)} pages in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
