"""Web pages: the article inside a saved or fetched HTML page, and only the article.

Finding the main content of a page (not its menus, footers, related links and cookie
banners) is left to trafilatura, a maintained extractor that leads the public
article-extraction benchmarks. It gives the article as a small XML tree (``head``, ``p``,
``list``/``item``, ``quote``, ``code``, ``table``) plus the page's metadata; this module
maps that tree onto the same builder the text and Markdown parsers feed, so quotations,
clutter lines, chapters, ``inspect`` and the removed list behave alike for every format.

What is spoken: the title (from the page's metadata, without the site name), headings,
paragraphs, block quotations (quote voice), list items. What is not, each recorded with
its reason: code and tables (a short notice is spoken instead, as for Markdown), figure
captions and photo credits, "Read more" teasers and other clutter lines.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ..errors import InputError
from ..model import Article
from .build import ArticleBuilder
from .clutter import clutter_reason
from .markdown import QUOTE_MARKS, _notice
from .options import ParseOptions
from .prose import add_prose
from .text import fold, has_words

# Between a page's own title and the site's name: "Title | Site", "Title - Site", "Site: Title".
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»)\s+")
# Elements of the page whose text is a caption or a credit, not the article's prose.
_CAPTION_XPATH = "//figcaption | //*[contains(concat(' ', normalize-space(@class), ' '), ' caption ')]"
# A heading that opens teasers for other pages, not a section of the article.
_RELATED_HEADING = re.compile(
    r"(?i)(?:you (?:might|may) also (?:like|enjoy)|related(?: (?:articles?|stories|posts|content|reading|links|news))?|"
    r"more (?:stories|news|from|on this|like this|to read)|recommended(?: for you| reading| stories)?|further reading|"
    r"see also|read (?:more|next)|popular(?: posts| stories)?|most (?:read|popular|viewed)|trending|keep reading)\b.{0,60}"
)
# Page furniture that extractors keep as if it were prose, each with the reason it is not
# spoken. The U.S. Web Design System's banner ("An official website of the United States
# government …") opens every federal page and, on a short article, outweighs it.
FURNITURE = (
    ("//*[contains(concat(' ', normalize-space(@class), ' '), ' usa-banner ')]", "site banner"),
    ("//*[@aria-label='Official government website' or @aria-label='Official website of the United States government']", "site banner"),
)
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")

EXTRACT_SETTINGS = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_formatting": False,
    "include_links": False,
    "favor_precision": True,
    "with_metadata": True,
    # The date from the page's markup (meta tags, JSON-LD, <time>, the URL) only: htmldate's
    # extensive search runs dateparser over the text in every locale, which took 3-7 s on
    # a page that has no date in its markup.
    "date_extraction_params": {"extensive_search": False, "original_date": True},
}
"""trafilatura's settings; chosen with ``tests/bench/bench_web.py`` on the real pages
(precision mode dropped section headings kept in <header> elements and cost more recall
than it saved)."""


@dataclass(frozen=True)
class PageInfo:
    """What the page says about itself, read before extraction."""

    title: str | None
    """The metadata title, site name removed."""
    site: str | None
    author: str | None
    date: str | None
    """ISO 8601 date (YYYY-MM-DD) as trafilatura found it."""
    language: str | None
    url: str | None


class NoArticleError(InputError):
    """The page has no article text that the extractor could find."""


def looks_like_html(text: str) -> bool:
    """Whether text (standard input, a download) is an HTML page or fragment.

    >>> looks_like_html("<!DOCTYPE html><html><body><p>Hi</p></body></html>")
    True
    >>> looks_like_html("# A heading\\n\\nSome *Markdown* with <br> inside.")
    False
    """
    head = text.lstrip("\ufeff \t\r\n")[:1024].lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) and "<html" in text[:4096].lower() or bool(
        re.match(r"<(?:head|body|meta|title|article|div|p)\b", head)
    )


def parse_html(
    text: str,
    *,
    options: ParseOptions = ParseOptions(),
    fallback_title: str = "Untitled",
    url: str | None = None,
    name: str = "the page",
) -> Article:
    """Parse the article of an HTML page. ``name`` names the page in errors (a file or URL).

    Raises NoArticleError when no article text is found (an app shell, a paywall, a page
    that is all menus).
    """
    import trafilatura
    from trafilatura.utils import load_html

    # trafilatura logs its own heuristics ("discarding data: …") as warnings, which the CLI
    # would print as ours; a page with no article is reported below, once.
    quiet = logging.getLogger("trafilatura")
    if quiet.level == logging.NOTSET:
        quiet.setLevel(logging.ERROR)
    tree = load_html(text)
    if tree is None:
        raise NoArticleError(f"{name} is not an HTML page that can be read; save the page again or give its text")
    language = _page_language(tree)
    h1s = [fold(h.text_content()) for h in tree.iter("h1")]
    captions = _captions(tree)
    furniture = _drop_furniture(tree)
    document = trafilatura.bare_extraction(tree, url=url, **EXTRACT_SETTINGS)
    body = getattr(document, "body", None)
    if document is None or body is None or not has_words(fold(" ".join(body.itertext()))):
        raise NoArticleError(
            f"no article text found in {name} (a page that needs JavaScript, a paywall or a list of links); "
            "open it in a browser, copy the article's text and give that instead (e.g. with '-')"
        )
    info = PageInfo(
        title=page_title(document.title, document.sitename, h1s, document.hostname),
        site=document.sitename or None,
        author=_author(document.author, document.sitename),
        date=document.date or None,
        language=language,
        url=document.url or url,
    )
    builder = ArticleBuilder(min_quote_words=options.min_quote_words)
    for text, reason in furniture:
        builder.remove(text, reason)
    walk = _Walk(builder, options, info.language or "en", captions)
    title = info.title or (h1s[0] if h1s else None)
    if title:
        builder.add_headline(title)
    walk.children(body, title)
    # The extractor leaves most captions out silently; the removed list says so.
    said = {item.text for _, _, item in builder.removed}
    for caption in captions:
        if caption not in said:
            builder.remove(caption, "figure caption")
    return builder.build(
        title=title, fallback_title=fallback_title, author=info.author, date=info.date, language=info.language or "en"
    )


def page_title(title: str | None, site: str | None, h1s: list[str] = (), host: str | None = None) -> str | None:
    """The page's title without the site's name: the name the page gives its site, else
    the page's own <h1> where the title starts or ends with it, else the host's name.

    >>> page_title("Kids and Depression | USAGov", "USAGov")
    'Kids and Depression'
    >>> page_title("NASA: Webb Sees a Galaxy Awash in Stars", "NASA")
    'Webb Sees a Galaxy Awash in Stars'
    >>> page_title("Why Rust - The Example Blog", None, ["Why Rust"])
    'Why Rust'
    >>> page_title("Left - right: a guide", None)
    'Left - right: a guide'
    >>> page_title("DLP picks its leader - Barbados Today", "Barbados Today Online", [], "barbadostoday.bb")
    'DLP picks its leader'
    """
    if not title:
        return None
    title = fold(title)
    if site:
        key = _key(site)
        for pattern in (rf"^(.+?)\s*(?:\||-|–|—|::|·|•|»|:)\s*{re.escape(site)}\s*$", rf"^\s*{re.escape(site)}\s*(?:\||-|–|—|::|·|•|»|:)\s*(.+)$"):
            match = re.match(pattern, title, re.I)
            if match and has_words(match.group(1)):
                return match.group(1).strip()
        parts = _TITLE_SEPARATORS.split(title)
        if len(parts) > 1 and _key(parts[-1]) == key:
            return " - ".join(parts[:-1]).strip()
        if len(parts) > 1 and _key(parts[0]) == key:
            return " - ".join(parts[1:]).strip()
    # The page's own <h1> says where the title ends (or starts).
    for h1 in h1s:
        if not h1 or len(h1) >= len(title):
            continue
        if title.lower().startswith(h1.lower()) and _TITLE_SEPARATORS.match(title[len(h1) :] + " "):
            return h1
        if title.lower().endswith(h1.lower()) and _TITLE_SEPARATORS.search(" " + title[: -len(h1)]):
            return h1
    # The last part names the host ("… | MODEPILOT.de", "… - Barbados Today" on barbadostoday.bb).
    parts = _TITLE_SEPARATORS.split(title)
    if host and len(parts) > 1:
        names = {_key(host), _key(host.rsplit(".", 1)[0])}
        if _key(parts[-1]) in names:
            return " - ".join(parts[:-1]).strip()
    return title


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower().removeprefix("www."))


def _author(author: str | None, site: str | None) -> str | None:
    """The byline, unless it only repeats the site's name."""
    if not author or (site and _key(author) == _key(site)):
        return None
    return fold(author)


def _page_language(tree) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang and _LANGUAGE.fullmatch(lang.strip()):
        return lang.strip()
    return None


def _drop_furniture(tree) -> list[tuple[str, str]]:
    """Remove the FURNITURE elements from the page; returns (text, reason) for each."""
    dropped = []
    for xpath, reason in FURNITURE:
        for element in tree.xpath(xpath):
            dropped.append((fold(element.text_content()), reason))
            element.drop_tree()
    return dropped


def _captions(tree) -> list[str]:
    """Figure captions and credits of the page, to keep them out of the spoken text."""
    found = []
    region = tree.xpath("//article") or tree.xpath("//main") or [tree]
    for element in region[0].xpath("." + _CAPTION_XPATH.replace(" | //", " | .//")):
        text = fold(element.text_content())
        if has_words(text) and len(text) < 600:
            found.append(text)
    return found


@dataclass
class _Walk:
    """State of one walk over the extractor's XML."""

    builder: ArticleBuilder
    options: ParseOptions
    language: str
    captions: list[str]

    related: int = 0
    """Level of the open "You might also like" heading whose teasers are being skipped; 0 if none."""

    def children(self, element, title: str | None) -> None:
        for child in element:
            if child.tag == "head":
                level = _heading_level(child.get("rend"))
                if self.related and level <= self.related:
                    self.related = 0
                heading = fold(" ".join(child.itertext()))
                if not self.related and _RELATED_HEADING.fullmatch(heading):
                    self.related = level
            if self.related:
                self.builder.remove(" ".join(child.itertext()), "related links")
                continue
            self.block(child, title)

    def block(self, element, title: str | None = None) -> None:
        tag = element.tag
        builder = self.builder
        if tag == "head":
            text = self.kept(element)
            if not text or (title and _key(text) == _key(title)):
                return  # the page's own <h1>, already said as the headline
            level = _heading_level(element.get("rend"))
            builder.add_subheading(text, level)
        elif tag == "p":
            text = self.kept(element)
            if text:
                add_prose(text, 0, 0, builder, self.options)
        elif tag == "list":
            self.items(element)
        elif tag == "quote":
            self.quote(element)
        elif tag == "code":
            builder.remove(element.text_content() if hasattr(element, "text_content") else "".join(element.itertext()), "code block")
            if self.options.code_notice:
                builder.add_notice(_notice(self.language, "code"))
        elif tag == "table":
            builder.remove(" ".join(element.itertext()), "table")
            if self.options.code_notice:
                builder.add_notice(_notice(self.language, "table"))
        elif tag == "graphic":
            builder.remove(element.get("alt") or element.get("title") or "", "image")
        elif tag in ("div", "main", "section"):
            self.children(element, title)
        else:
            text = self.kept(element)
            if text:
                add_prose(text, 0, 0, builder, self.options)

    def items(self, element) -> None:
        for item in element:
            if item.tag != "item":
                self.block(item)
                continue
            nested = [child for child in item if child.tag == "list"]
            own = _text_without(item, nested)
            text = self.kept_text(own)
            if text:
                self.builder.add_list_item(text)
            for child in nested:
                self.items(child)

    def quote(self, element) -> None:
        paragraphs = [child for child in element if child.tag == "p"] or [element]
        for paragraph in paragraphs:
            text = self.kept(paragraph)
            if not text:
                continue
            if text.startswith(QUOTE_MARKS):
                add_prose(text, 0, 0, self.builder, self.options)
            else:
                self.builder.add_paragraph(text, quoted=True)

    def kept(self, element) -> str:
        return self.kept_text(_lines(element))

    def kept_text(self, lines: list[str]) -> str:
        """Lines (split at <lb/>) without clutter lines and captions, joined."""
        kept = []
        for line in lines:
            line = fold(line)
            if not has_words(line):
                continue
            reason = clutter_reason(line) or self.caption_reason(line)
            if reason:
                self.builder.remove(line, reason)
            else:
                kept.append(line)
        return fold(" ".join(kept))

    def caption_reason(self, line: str) -> str | None:
        """A line that is a figure caption or credit of the page (or the start of one)."""
        for caption in self.captions:
            if line == caption or (len(line) > 20 and caption.startswith(line)):
                return "figure caption"
        return None


def _heading_level(rend: str | None) -> int:
    if rend and re.fullmatch(r"h[1-6]", rend):
        return max(2, int(rend[1]))
    return 2


def _lines(element) -> list[str]:
    """An element's text, one string per line (trafilatura writes <br> as <lb/>)."""
    lines = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            lines.append("")
        else:
            lines[-1] += "".join(_lines(child)) if child.tag != "list" else ""
        lines[-1] += child.tail or ""
    return lines


def _text_without(item, skipped: list) -> list[str]:
    """An item's lines, leaving out nested lists (said as items of their own)."""
    lines = [item.text or ""]
    for child in item:
        if child in skipped:
            lines.append("")
        elif child.tag == "lb":
            lines.append("")
        elif child.tag == "p":
            lines.append(" ".join(_lines(child)))
        else:
            lines[-1] += " ".join(_lines(child))
        lines[-1] += child.tail or ""
    return [" ".join(line for line in lines if line.strip())]
