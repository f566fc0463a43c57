"""Plain-text articles: headline, byline, paragraphs, lists, digests, transcripts, clutter.

The text is read once, line by line: lines become blocks (paragraphs separated by blank
lines, wrapped lines joined), clutter lines are removed with their reason, separators
split a digest into articles, and each article's blocks become segments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..model import Article
from . import clutter
from .build import ArticleBuilder
from .frontmatter import FrontMatter, read_front_matter, split_toml_front_matter
from .options import ParseOptions
from .prose import add_prose, inline_text
from .text import fold, plain_markdown
from .transcript import looks_like_transcript, split_label


@dataclass(frozen=True)
class Line:
    text: str
    start: int
    """Offset of the line in the source text."""


@dataclass(frozen=True)
class Block:
    """A paragraph of the source: consecutive non-blank lines."""

    lines: tuple[Line, ...]
    underlined: bool = False
    """The source underlined it (=== or ---): a heading."""
    text: str = field(init=False)
    """The lines joined with single spaces, Markdown escapes and bold markers set aside
    (a text copy of a Markdown page keeps them)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", plain_markdown(fold(" ".join(line.text for line in self.lines))))

    @property
    def start(self) -> int:
        return self.lines[0].start

    @property
    def end(self) -> int:
        return self.lines[-1].start + len(self.lines[-1].text)


SEPARATOR = None
"""Marks an article boundary in the block stream."""

_BULLET = re.compile(r"\s*(?:[-*•–+]|(\d{1,3}[.)]))\s+(?=\S)")
_MARKDOWN_HEADING = re.compile(r"(#{1,6})\s+(?=\S)")
_UNDERLINE = re.compile(r"\s*(?:={3,}|-{3,})\s*")
_SENTENCE_END = ".,;:!?\"”’)»…"

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|janvier|février|mars|avril|mai|juin|juillet|août|"
    r"septembre|octobre|novembre|décembre)"
)
_DATE_LINE = re.compile(
    r"(?i)(?:(?:published|updated|posted|publié le|mis à jour le)\s*:?\s*)?"
    r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+|(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?"
    r"(" + _MONTHS + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?(?:\s+\d{4})?|\d{1,2}(?:er)?\s+" + _MONTHS + r"\.?,?\s+\d{4}|\d{4}-\d{2}-\d{2})"
    r"(?:,?\s*(?:at\s+|à\s+)?\d{1,2}[:.h]\d{2}\s*(?:[ap]\.?\s?m\.?)?(?:\s+[A-Z]{2,5})?)?\s*\.?"  # a time, a zone
)
_BYLINE = re.compile(
    r"(?:By|BY|Par|PAR|Von|Por)\s+([A-Z][\w.'’\-]*(?:\s+(?:and|et|und|y|[A-Z][\w.'’\-]*)){0,7})\s*(?:[,|•/–—-]\s*(.*))?"
)
# "Jon Henley Europe correspondent", "Ana Ruiz, staff writer": a name and a newsroom role.
_ROLE_BYLINE = re.compile(
    r"([A-Z][\w.'’\-]+(?: [A-Z][\w.'’\-]+){1,2}?)[ ,]+(?:[\w\-]+ )?(?:senior |chief |deputy |staff )?"
    r"(?:correspondent|editor|reporter|writer|columnist|journalist|critic)(?: in [A-Z][\w\- ]{1,30})?"
)
HEADLINE_LINE_CHARS = 60
"""A headline's first line this short is not wrapped: what follows on the next line is a standfirst."""
_CAPTION_CREDIT = re.compile(r"Getty Images|AP Photo|/AFP|AFP via|Reuters/|/Reuters|Shutterstock|/Bloomberg|Photo(?:graph)?(?: by)?:|\(Photo")
_DATELINE = re.compile(
    r"((?:[A-Z]{2}[A-Z.'’\-]*)(?:\s+[A-Z]{2}[A-Z.'’\-]*){0,3}"
    r"(?:,\s+[A-Z][\w.]*(?:\s+[\w.]+){0,2})?(?:\s*\([^()]{1,30}\))?\s*(?:[—–]|--?))\s+(?=\S)"
)


def _lines(text: str) -> list[Line]:
    lines = []
    offset = 0
    for raw in text.split("\n"):
        lines.append(Line(raw, offset))
        offset += len(raw) + 1
    return lines


def _raw_blocks(text: str) -> list[list[Line]]:
    """Runs of non-blank lines."""
    blocks: list[list[Line]] = []
    current: list[Line] = []
    for line in _lines(text):
        if line.text.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


LIST_LINE_WORDS = 15


def _list_like(raw: list[Line]) -> bool:
    """Lines of a list of links copied as text: headlines or labels, no sentences."""
    return all(
        len(line.text.split()) <= LIST_LINE_WORDS and not line.text.rstrip().endswith((".", "!", "?", ":"))
        or bool(_BULLET.match(line.text))
        for line in raw
    )


PROSE_WORDS = 20
_SENTENCE = re.compile(r"[.!?…][\"”’)]*(?:\s|$)")


def _main_run(raw_blocks: list[list[Line]]) -> tuple[int, int]:
    """The first and last block of the article's main run of prose (a block of 20 words
    or more with a sentence in it). Page furniture sits outside it: menus and "Trending"
    lists above, footers and "Most popular" below. (0, -1) when there is no prose."""
    prose = [
        index
        for index, raw in enumerate(raw_blocks)
        if sum(len(line.text.split()) for line in raw) >= PROSE_WORDS and _SENTENCE.search(" ".join(line.text for line in raw))
    ]
    return (prose[0], prose[-1]) if prose else (0, -1)


def clean_blocks(text: str, builder: ArticleBuilder, transcript: bool) -> list[Block | None]:
    """Blocks with clutter lines removed (and recorded); None where articles separate."""
    stream: list[Block | None] = []
    after_end = False
    skipping: str | None = None
    """Why the rest of this article is not spoken: "after the end of the release" (an end
    mark), "readers' comments" (their heading); both run to the next article separator."""
    listing = False
    """A "Most popular" or "Related" heading stood alone: the short lines after it are its list."""
    raw_blocks = _raw_blocks(text)
    first_prose, last_prose = _main_run(raw_blocks)
    for index, raw in enumerate(raw_blocks):
        first = raw[0].text.strip()
        joined = " ".join(line.text for line in raw)
        if after_end:
            skipping = "after the end of the release"
            after_end = False
        if skipping:
            if len(raw) == 1 and clutter.is_separator(first):
                skipping = None
                builder.remove(first, "article separator", raw[0].start)
                stream.append(SEPARATOR)
            else:
                builder.remove(joined, skipping, raw[0].start)
            continue
        if listing and _list_like(raw):
            builder.remove(joined, "related links", raw[0].start)
            continue
        listing = False
        if clutter.is_contact_block(first):
            builder.remove(joined, "press contact", raw[0].start)
            continue
        if clutter.is_related_links(first):
            builder.remove(joined, "related links", raw[0].start)
            listing = len(raw) == 1
            continue
        if len(raw) == 1 and index > first_prose and clutter.is_comments_heading(first):
            builder.remove(first, "readers' comments", raw[0].start)
            skipping = "readers' comments"
            continue
        outside = not first_prose <= index <= last_prose
        if outside and not transcript and clutter.is_menu([line.text for line in raw]):
            builder.remove(" ".join(line.text for line in raw), "navigation menu", raw[0].start)
            continue
        if feed := _feed_item(raw, builder):
            stream.extend(feed)
            continue
        current: list[Line] = []

        def flush(underlined: bool = False) -> None:
            if current:
                stream.append(Block(tuple(current), underlined))
                current.clear()

        for position, line in enumerate(raw):
            stripped = line.text.strip()
            if after_end:
                builder.remove(stripped, "after the end of the release", line.start)
            elif clutter.is_end_mark(stripped):
                flush()
                builder.remove(stripped, "end of the release", line.start)
                after_end = True
            elif current and position == len(raw) - 1 and _UNDERLINE.fullmatch(stripped):
                flush(underlined=True)
            elif clutter.is_separator(stripped):
                flush()
                builder.remove(stripped, "article separator", line.start)
                stream.append(SEPARATOR)
            elif reason := clutter.clutter_reason(stripped):
                flush()
                builder.remove(stripped, reason, line.start)
            else:
                if transcript and current and split_label(stripped).speaker:
                    flush()  # a new speaker starts a new paragraph
                current.append(Line(stripped, line.start + len(line.text) - len(line.text.lstrip())))
        flush()
    return stream


_FEED_FIELD = re.compile(r"(?i)\s*(title|link|url|guid|description|summary|content|publication date|pub ?date|published|date|author|categories|category)\s*:\s*(.*)")
_FEED_DROPPED = {"link": "link address", "url": "link address", "guid": "link address", "publication date": "date line",
                 "pubdate": "date line", "pub date": "date line", "published": "date line", "date": "date line",
                 "author": "byline", "categories": "categories", "category": "categories"}  # fmt: skip


def _feed_item(raw: list[Line], builder: ArticleBuilder) -> list[Block | None]:
    """A feed written out as text: "Title: …" then "Link:", "Description:", "Publication
    Date:" lines. The title becomes the item's headline (a new section), the description
    its body; links and dates are removed, and the labels are never read."""
    first = _FEED_FIELD.fullmatch(raw[0].text.strip())
    if not first or first.group(1).lower() != "title" or len(raw) < 2:
        return []
    if not any((m := _FEED_FIELD.fullmatch(line.text.strip())) and m.group(1).lower() != "title" for line in raw[1:]):
        return []
    blocks: list[Block | None] = [SEPARATOR]
    for line in raw:
        field = _FEED_FIELD.fullmatch(line.text.strip())
        if field:
            label, value = field.group(1).lower(), field.group(2)
            builder.remove(line.text[: line.text.index(":") + 1], "feed label", line.start)
            start = line.start + line.text.index(":") + 1
            if label in _FEED_DROPPED:
                builder.remove(value, _FEED_DROPPED[label], start)
            elif value.strip():
                blocks.append(Block((Line(f"# {value.strip()}" if label == "title" else value.strip(), start),)))
        elif len(blocks) > 1 and line.text.strip():
            # A description wrapped over several lines continues its block.
            last = blocks.pop()
            blocks.append(Block((*last.lines, Line(line.text.strip(), line.start))))
    return blocks


def _articles(stream: list[Block | None]) -> list[list[Block]]:
    chunks: list[list[Block]] = [[]]
    for item in stream:
        if item is SEPARATOR:
            chunks.append([])
        else:
            chunks[-1].append(item)
    return [chunk for chunk in chunks if chunk]


def is_headline(block: Block) -> bool:
    """Short, one or two lines, not ending like a sentence (abbreviations like "U.S." aside)."""
    text = block.text
    if len(block.lines) > 2 or len(text.split()) > 30 or split_label(text).speaker:
        return False
    if _BULLET.match(text) and not _BULLET.match(text).group(1):
        return False
    last = text.split()[-1]
    return not text.endswith((".", ",", ";", ":")) or last.count(".") > 1


def is_subheading(block: Block, following: Block | None) -> bool:
    """A short single line between paragraphs, not punctuated like a sentence."""
    text = block.text
    if block.underlined:
        return True
    if len(block.lines) != 1 or following is None or len(text.split()) > 10:
        return False
    if text.endswith(tuple(_SENTENCE_END)) or not (text[0].isupper() or text[0].isdigit()):
        return False
    return len(following.text) > len(text) and not _BULLET.match(text)


def parse_plaintext(
    text: str, *, options: ParseOptions = ParseOptions(), fallback_title: str = "Untitled"
) -> Article:
    """Parse a plain-text article (or a digest of several)."""
    builder = ArticleBuilder(min_quote_words=options.min_quote_words)
    front, text = _front_matter(text, builder)
    transcript = looks_like_transcript(text.split("\n", 20000)[:20000])
    meta = _Meta(author=front.author, date=front.date)
    articles = _articles(clean_blocks(text, builder, transcript))
    for number, chunk in enumerate(articles):
        _parse_one(chunk, number, builder, options, transcript, meta, digest=len(articles) > 1)
    if builder.headline is None and not front.title and articles and _headline_like(articles[0][0].lines[0].text):
        # Never the file name when the text opens with a headline-like line.
        fallback_title = articles[0][0].lines[0].text.strip()
    return builder.build(
        title=front.title, fallback_title=fallback_title, author=meta.author, date=meta.date, language=front.language or "en"
    )


_FRONT_MATTER = re.compile(r"---[ \t]*\n((?:[\w-]+[ \t]*:.*\n|[ \t]+.*\n|-[ \t].*\n){1,60}?)---[ \t]*(?:\n|$)")


def _front_matter(text: str, builder: ArticleBuilder) -> tuple[FrontMatter, str]:
    """YAML front matter in a text file (saved from a Markdown post): read, removed, and
    blanked out so offsets stay those of the source."""
    match = _FRONT_MATTER.match(text)
    if not match:
        front, text, toml = split_toml_front_matter(text)
        if toml:
            builder.remove(toml, "front matter", 0)
        return front, text
    builder.remove(match.group(1), "front matter", 0)
    blank = "".join("\n" if ch == "\n" else " " for ch in match.group())
    return read_front_matter(match.group(1)), blank + text[match.end() :]


@dataclass
class _Meta:
    author: str | None = None
    date: str | None = None


def _parse_one(
    blocks: list[Block],
    number: int,
    builder: ArticleBuilder,
    options: ParseOptions,
    transcript: bool,
    meta: _Meta,
    digest: bool = False,
) -> None:
    """One article of the file: headline, byline/date/caption, then the body."""
    rest = list(blocks)
    rest[0] = _split_captioned_headline(rest[0], builder)
    heading = _MARKDOWN_HEADING.match(rest[0].text)
    if (heading and len(heading.group(1)) == 1) or (not heading and is_headline(rest[0])):
        first = rest.pop(0)
        if len(first.lines) > 1 and len(first.lines[0].text) <= HEADLINE_LINE_CHARS:
            # A short first line is the whole headline; the next line is a standfirst.
            rest.insert(0, Block(first.lines[1:]))
            first = Block(first.lines[:1])
        builder.add_headline(first.text[heading.end() :] if heading else first.text, first.start, first.end)
        # A digest opens with its own name, then the first article's headline.
        if digest and number == 0 and len(rest) > 1 and is_headline(rest[0]) and is_subheading(rest[0], rest[1]):
            first = rest.pop(0)
            builder.add_headline(first.text, first.start, first.end)
        rest = _after_headline(rest, builder, meta if number == 0 else _Meta())
        if rest:
            rest[0] = _drop_dateline(rest[0], builder)
        # A short line right under the headline is a standfirst, spoken with it (no new section).
        if len(rest) > 1 and not transcript and is_subheading(rest[0], rest[1]):
            standfirst = rest.pop(0)
            builder.add_paragraph(standfirst.text, standfirst.start, standfirst.end)
    speaker: str | None = None
    for position, block in enumerate(rest):
        following = rest[position + 1] if position + 1 < len(rest) else None
        text = block.text
        heading = _MARKDOWN_HEADING.match(text)
        if heading:
            level = len(heading.group(1))
            if level == 1:
                builder.add_headline(text[heading.end() :], block.start, block.end)
            else:
                builder.add_subheading(text[heading.end() :], level, block.start, block.end)
        elif not transcript and is_subheading(block, following):
            builder.add_subheading(text, 2, block.start, block.end)
        elif _BULLET.match(block.lines[0].text):
            _add_list(block, builder)
        else:
            speaker = add_prose(block.text, block.start, block.end, builder, options, transcript, speaker, plain=True)


_CREDIT_LINE = re.compile(r"(?i).*(?:\bcredits?\s*:|\((?:image|photo)(?: credit)?s?:|" + _CAPTION_CREDIT.pattern + r").*")


def _split_captioned_headline(block: Block, builder: ArticleBuilder) -> Block:
    """A headline line followed on the very next line by a photo caption that ends with its
    credit ("… Credits: NASA/JPL"): the headline alone stays; the caption is removed."""
    if len(block.lines) < 2 or not _headline_like(block.lines[0].text):
        return block
    if not _CREDIT_LINE.fullmatch(" ".join(line.text for line in block.lines[1:])):
        return block
    builder.remove(" ".join(line.text for line in block.lines[1:]), "photo caption", block.lines[1].start)
    return Block(block.lines[:1])


def _headline_like(line: str) -> bool:
    """A line that could be a headline: short, capitalised, not ending like a sentence."""
    line = line.strip()
    return bool(line) and len(line.split()) <= 16 and (line[0].isupper() or line[0].isdigit()) and not line.endswith((".", ",", ";", ":"))


def _after_headline(blocks: list[Block], builder: ArticleBuilder, meta: _Meta) -> list[Block]:
    """Drop the byline, date line and photo caption that follow a headline (in any order)."""
    rest = list(blocks)
    position = 0
    standfirst_seen = False
    while position < min(len(rest), 4):
        block = rest[position]
        # A block is dropped when each of its lines is a byline, a date or a caption.
        seen = replace(meta)
        found = [_meta_line(line.text, seen) for line in block.lines]
        if len(block.lines) > 1 and not all(found):
            seen = replace(meta)
            found = [_meta_line(block.text, seen)]
            lines = [block]
        else:
            lines = block.lines
        if all(found):
            meta.author, meta.date = seen.author, seen.date
            for line, reason in zip(lines, found):
                builder.remove(line.text, reason, line.start)
            rest.pop(position)
        elif not standfirst_seen and len(block.lines) == 1 and len(block.text.split()) <= 30:
            standfirst_seen = True  # a one-line summary may sit between headline and byline
            position += 1
        else:
            break
    return rest


def _meta_line(text: str, meta: _Meta) -> str | None:
    """The kind of a line under a headline ("byline", "date line", "photo caption"), noting
    the author and date in ``meta``; None for anything else."""
    words = len(text.split())
    byline = _BYLINE.fullmatch(text) if words <= 16 else None
    if byline:
        meta.author = meta.author or byline.group(1)
        tail = byline.group(2) or ""
        if (date := _DATE_LINE.search(tail)) and meta.date is None:
            meta.date = date.group(1)
        return "byline"
    if role := _ROLE_BYLINE.fullmatch(text) if words <= 8 else None:
        meta.author = meta.author or role.group(1)
        return "byline"
    if words <= 12 and (date := _DATE_LINE.fullmatch(text)):
        meta.date = meta.date or date.group(1)
        return "date line"
    if words <= 60 and _CAPTION_CREDIT.search(text):
        return "photo caption"
    return None


def _drop_dateline(block: Block, builder: ArticleBuilder) -> Block:
    """ "WASHINGTON (AP) — The president …": the place name is not spoken."""
    match = _DATELINE.match(block.lines[0].text)
    if not match:
        return block
    builder.remove(match.group(1), "dateline", block.start)
    first = block.lines[0]
    trimmed = Line(first.text[match.end() :], first.start + match.end())
    return Block((trimmed, *block.lines[1:]), block.underlined)


def _add_list(block: Block, builder: ArticleBuilder) -> None:
    """One list item per bullet; lines without a bullet continue the item above."""
    items: list[tuple[str, int, int]] = []
    for line in block.lines:
        bullet = _BULLET.match(line.text)
        if bullet:
            number = bullet.group(1) or ""
            items.append((number + " " + line.text[bullet.end() :], line.start, line.start + len(line.text)))
        elif items:
            text, start, _ = items[-1]
            items[-1] = (text + " " + line.text, start, line.start + len(line.text))
    for text, start, end in items:
        builder.add_list_item(inline_text(text, start, builder, plain=True), start, end)
