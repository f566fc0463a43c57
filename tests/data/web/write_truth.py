"""Write each committed page's true article text beside it: tests/data/web/pages/<name>.txt
from tests/data/web/pages/<name>.html, for every page of expected.toml.

    python tests/data/web/write_truth.py

The pages themselves are committed unedited (see SOURCES.md for where each comes from);
this script only derives the .txt files from them and reads nothing else. The true text is
read from the page's own <article> element (the USAGov template puts the post there), with
its <h1> (the title), the date line and images left out: one line per block (paragraph,
heading, list item, block quotation, table cell).
"""

from __future__ import annotations

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
    folder = Path(argv[0]) if argv else HERE / "pages"
    pages = tomllib.loads((HERE / "expected.toml").read_text(encoding="utf-8"))["page"]
    for page in pages:
        data = (folder / f"{page['name']}.html").read_bytes()
        (folder / f"{page['name']}.txt").write_text(true_text(data), encoding="utf-8")
    print(f"{len(pages)} true texts in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
