"""Markdown articles (CommonMark via markdown-it-py, plus tables, footnotes, front matter
and MyST markup). Walks the token stream once and feeds the same builder as plain text.

What is spoken: headings, paragraphs, block quotations (quote voice), list items, inline
code, link text. What is not, each recorded with its reason: front matter, code blocks,
tables, raw HTML that is script/style/embed, comments, images (unless asked), footnotes,
MyST labels and reference roles, Liquid and other template tags.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

from ..model import Article
from .build import ArticleBuilder
from .clutter import clutter_reason
from .frontmatter import FrontMatter, read_front_matter
from .options import ParseOptions
from .prose import add_prose
from .text import fold, literal_links
from .transcript import looks_like_transcript

# Roles that point somewhere else ({cite}`key`): their content is a key, not words.
REFERENCE_ROLES = {"cite", "cite:p", "cite:t", "footcite", "ref", "numref", "eq", "doc", "label", "download", "any"}
# MyST directives whose body is prose ({note}, {warning}, …): spoken; other directives are skipped.
PROSE_DIRECTIVES = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error",
                    "seealso", "admonition", "epigraph", "pull-quote", "sidebar"}  # fmt: skip
# HTML elements whose content is never spoken.
SILENT_TAGS = {"script", "style", "iframe", "noscript", "svg", "object", "embed", "video", "audio", "canvas", "template", "head"}

# A block quotation that itself opens with a quotation mark is split like any paragraph,
# so its attribution ("…,” Knuth wrote.) stays in the body voice.
QUOTE_MARKS = ("\u201c", '"', "\u00ab", "\u201e")
_LITERAL_TAG = re.compile(r"(<!--.{0,2000}?-->|</?[A-Za-z][\w-]*(?:\s[^<>\n]{0,300})?/?>)", re.S)
_INLINE_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]{1,40}\]")
_EMPHASIS = re.compile(r"\*\*|__")
_SPACE_BEFORE_STOP = re.compile(r" +(?=[.,](?:\s|$))")
_TEMPLATE_TAG = re.compile(r"\{%-?[^%\n]{0,200}?-?%\}|\{\{-?[^}\n]{0,200}?-?\}\}")
_LIQUID_HIGHLIGHT = re.compile(r"^\{%-?\s*highlight\s+([\w+-]+)[^%\n]*%\}[ \t]*$|^\{%-?\s*endhighlight\s*-?%\}[ \t]*$", re.M)
_ROLE_TITLE = re.compile(r"(.*?)\s*<[^<>]*>\s*$", re.S)

NOTICES = {
    "en": {"code": "Code block skipped.", "code_in": "{language} code skipped.", "table": "Table skipped."},
    "fr": {"code": "Bloc de code omis.", "code_in": "Code {language} omis.", "table": "Tableau omis."},
    "de": {"code": "Codeblock übersprungen.", "code_in": "{language}-Code übersprungen.", "table": "Tabelle übersprungen."},
    "es": {"code": "Bloque de código omitido.", "code_in": "Código {language} omitido.", "table": "Tabla omitida."},
}


@lru_cache(maxsize=1)
def _markdown_it():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin
    from mdit_py_plugins.myst_blocks import myst_block_plugin
    from mdit_py_plugins.myst_role import myst_role_plugin

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md = md.use(front_matter_plugin).use(footnote_plugin).use(myst_role_plugin).use(myst_block_plugin)
    md.block.ruler.before(md.block.ruler.__rules__[0].name, "too_deep", _too_deep)
    return md


FLATTEN_LEVEL = 16
"""Token nesting from which block structure is no longer followed. markdown-it drops
everything past its ``maxNesting`` (20: ten nested lists, or twenty ``>``) without a
word; from this level the rest of the block is kept as plain paragraphs instead (still
in the quote voice or list item it is nested in)."""
_DEEP_MARKERS = re.compile(r"^(?:[ \t]*(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)))+[ \t]*")


def _too_deep(state, start: int, end: int, silent: bool) -> bool:
    """A block rule tried first: past ``FLATTEN_LEVEL``, the lines up to the end of the
    enclosing block become paragraphs, with their quote and list markers dropped."""
    if silent or state.level < FLATTEN_LEVEL:
        return False
    paragraph: list[str] = []
    first = start

    def flush(last: int) -> None:
        if not paragraph:
            return
        opening = state.push("paragraph_open", "p", 1)
        opening.map = [first, last]
        inline = state.push("inline", "", 0)
        inline.content, inline.map, inline.children = "\n".join(paragraph), [first, last], []
        state.push("paragraph_close", "p", -1)
        paragraph.clear()

    for line in range(start, end):
        text = _DEEP_MARKERS.sub("", state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]).strip()
        if text:
            if not paragraph:
                first = line
            paragraph.append(text)
        else:
            flush(line)
    flush(end)
    state.line = end
    return True


class _HtmlText(HTMLParser):
    """Visible text of an HTML fragment; silent elements and comments are set aside."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.spoken: list[str] = []
        self.silent: list[str] = []
        self.comments: list[str] = []
        self._silent_depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SILENT_TAGS:
            self._silent_depth += 1
        elif tag in {"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "figcaption", "blockquote"}:
            self.spoken.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SILENT_TAGS and self._silent_depth:
            self._silent_depth -= 1

    def handle_data(self, data: str) -> None:
        (self.silent if self._silent_depth else self.spoken).append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def html_text(fragment: str) -> _HtmlText:
    parser = _HtmlText()
    parser.feed(fragment)
    parser.close()
    return parser


def _notice(article_language: str, key: str, **values: str) -> str:
    """A notice in the article's language (English when we have no translation)."""
    table = NOTICES.get(article_language.split("-")[0].lower(), NOTICES["en"])
    return table[key].format(**values)


@dataclass
class _Walk:
    """State of one walk over the token stream."""

    builder: ArticleBuilder
    options: ParseOptions
    language: str
    line_starts: list[int]
    front_title: str | None = None
    transcript: bool = False
    """Paragraphs open with speaker labels (**THE PRESIDENT:** …)."""
    speaker: str | None = None
    quote_depth: int = 0
    list_stack: list[str] = field(default_factory=list)
    """"bullet" or "ordered" per open list."""
    item_numbers: list[str] = field(default_factory=list)
    started: bool = False

    def offsets(self, token) -> tuple[int, int]:
        if not token.map:
            return 0, 0
        first, last = token.map
        end = self.line_starts[last] - 1 if last < len(self.line_starts) else self.line_starts[-1]
        return self.line_starts[first], max(end, self.line_starts[first])


def inline_lines(token, walk: _Walk) -> list[str]:
    """An inline token as spoken text, one string per source line; drops are recorded."""
    lines = [""]
    options, builder = walk.options, walk.builder
    in_autolink = False
    silent: list[str] = []
    """Open inline elements whose content is never spoken (<script>…</script>)."""
    for child in token.children or []:
        kind = child.type
        if silent and kind != "html_inline":
            builder.remove(child.content, "HTML embed or script")
        elif kind == "text":
            if in_autolink:
                builder.remove(child.content, "bare URL")
            else:
                lines[-1] += _drop_orphan_footnote_refs(_literal_tags(child.content, silent, builder), builder)
        elif kind in ("softbreak", "hardbreak"):
            lines.append("")
        elif kind == "code_inline":
            lines[-1] += _literal_tags(child.content, [], builder, keep_names=True)
        elif kind == "link_open":
            in_autolink = child.markup == "autolink"
        elif kind == "link_close":
            in_autolink = False
        elif kind == "image":
            alt = child.content or child.attrs.get("alt", "")
            if options.image_alt and alt.strip():
                lines[-1] += " " + alt + " "
            else:
                builder.remove(alt or str(child.attrs.get("src", "")), "image")
        elif kind == "html_inline":
            tag = _INLINE_TAG.match(child.content)
            if tag and tag.group(2).lower() in SILENT_TAGS:
                if not tag.group(1) and not child.content.endswith("/>"):
                    silent.append(tag.group(2).lower())
                elif tag.group(1) and silent and silent[-1] == tag.group(2).lower():
                    silent.pop()
                continue
            if silent:
                continue
            parsed = html_text(child.content)
            for comment in parsed.comments:
                builder.remove(comment, "HTML comment")
            lines[-1] += "".join(parsed.spoken)
        elif kind == "myst_role":
            lines[-1] += _role_text(child.meta.get("name", ""), child.content, builder)
        # footnote_ref, emphasis, strikethrough: markup only, nothing to say.
    cleaned = []
    for line in lines:
        line, dropped = literal_links(_drop_templates(line, builder))
        for text, reason in dropped:
            builder.remove(text, reason)
        # Dropped images and references may leave "see the chart ." behind.
        cleaned.append(_SPACE_BEFORE_STOP.sub("", line))
    return cleaned


def _literal_tags(text: str, silent: list[str], builder: ArticleBuilder, keep_names: bool = False) -> str:
    """Tags and entities written as text (escaped "\\<script>", "\\&amp;") are still not
    words; what a literal <script> or <style> encloses is code, not speech. ``silent`` is
    updated in place. With ``keep_names`` (inline code, "`<div>`") a tag is read as its name."""
    if "&" in text:
        text = html.unescape(text)
    if "<" not in text:
        return text
    kept = []
    for position, piece in enumerate(_LITERAL_TAG.split(text)):
        if position % 2 and piece.startswith("<!--"):
            builder.remove(piece[4:-3], "HTML comment")
        elif position % 2:  # a tag
            tag = _INLINE_TAG.match(piece)
            name = tag.group(2).lower()
            if name in SILENT_TAGS and not tag.group(1):
                silent.append(name)
            elif name in SILENT_TAGS and silent and silent[-1] == name:
                silent.pop()
            elif keep_names and not silent:
                kept.append(f" {tag.group(2)} ")
        elif silent:
            builder.remove(piece, "HTML embed or script")
        else:
            kept.append(piece)
    return "".join(kept)


def _drop_matches(text: str, pattern: re.Pattern, hint: str, reason: str, builder: ArticleBuilder, by: str = "") -> str:
    """``text`` with ``pattern``'s matches replaced ``by``, each recorded as removed for
    ``reason``; ``hint`` is in every match, so most text is passed over unsearched."""
    if hint not in text:
        return text
    for match in pattern.findall(text):
        builder.remove(match, reason)
    return pattern.sub(by, text)


def _drop_orphan_footnote_refs(text: str, builder: ArticleBuilder) -> str:
    """A footnote marker whose note is missing ("[^1]") stays literal text in Markdown."""
    return _drop_matches(text, _FOOTNOTE_REF, "[^", "footnote marker", builder)


def _role_text(name: str, content: str, builder: ArticleBuilder) -> str:
    """What a MyST role says: a reference's title if it has one; nothing for a bare key."""
    if name in REFERENCE_ROLES:
        titled = _ROLE_TITLE.fullmatch(content)
        if titled and titled.group(1).strip():
            return titled.group(1)
        builder.remove(f"{{{name}}}`{content}`", "MyST reference")
        return ""
    return content


def _drop_templates(text: str, builder: ArticleBuilder) -> str:
    """Liquid/Jinja tags ({% raw %}, {{ site.url }}) are site-generator markup."""
    return _drop_matches(text, _TEMPLATE_TAG, "{", "template tag", builder, by=" ")


def _kept_text(lines: list[str], builder: ArticleBuilder) -> str:
    """Lines joined, with clutter lines ("Read more: …", "Advertisement") removed."""
    kept = []
    for line in lines:
        reason = clutter_reason(line.strip()) if line.strip() else None
        if reason:
            builder.remove(line, reason)
        else:
            kept.append(line)
    return fold(" ".join(kept))


def parse_markdown(text: str, *, options: ParseOptions = ParseOptions(), fallback_title: str = "Untitled") -> Article:
    """Parse a Markdown article (front matter, headings, quotes, lists, code, HTML, MyST)."""
    # {% highlight python %} … {% endhighlight %} is a code block in Jekyll; make it a fence.
    source = _LIQUID_HIGHLIGHT.sub(lambda m: "```" + (m.group(1) or ""), text)
    tokens = _markdown_it().parse(source)
    front = FrontMatter()
    if tokens and tokens[0].type == "front_matter":
        front = read_front_matter(tokens[0].content)
    language = front.language or "en"
    line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
    walk = _Walk(ArticleBuilder(min_quote_words=options.min_quote_words), options, language, line_starts, front.title)
    walk.transcript = looks_like_transcript(_EMPHASIS.sub("", source).split("\n"))
    _walk_tokens(tokens, walk)
    return walk.builder.build(
        title=front.title, fallback_title=fallback_title, author=front.author, date=front.date, language=language
    )


def _start_article(walk: _Walk, token) -> None:
    """Before the first spoken block: a post without a `#` headline is announced by its front-matter title."""
    if walk.started:
        return
    walk.started = True
    is_h1 = token.type == "heading_open" and token.tag == "h1"
    if walk.front_title and not is_h1:
        walk.builder.add_headline(walk.front_title)


def _walk_tokens(tokens: list, walk: _Walk) -> None:
    builder, options = walk.builder, walk.options
    i = 0
    footnotes = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        start, end = walk.offsets(token)
        if kind == "front_matter":
            builder.remove(token.content, "front matter")
        elif kind == "footnote_block_open":
            footnotes += 1
        elif kind == "footnote_block_close":
            footnotes -= 1
        elif footnotes and kind == "paragraph_open":
            builder.remove(" ".join(inline_lines(tokens[i + 1], walk)), "footnote")
            i += 2
        elif kind == "heading_open":
            _start_article(walk, token)
            text = _kept_text(inline_lines(tokens[i + 1], walk), builder)
            level = int(token.tag[1])
            if level == 1:
                builder.add_headline(text, start, end)
            else:
                builder.add_subheading(text, level, start, end)
            i += 2
        elif kind == "blockquote_open":
            walk.quote_depth += 1
        elif kind == "blockquote_close":
            walk.quote_depth -= 1
        elif kind in ("bullet_list_open", "ordered_list_open"):
            walk.list_stack.append("ordered" if kind == "ordered_list_open" else "bullet")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            walk.list_stack.pop()
        elif kind == "list_item_open":
            walk.item_numbers.append(token.info if walk.list_stack and walk.list_stack[-1] == "ordered" else "")
        elif kind == "list_item_close":
            walk.item_numbers.pop()
        elif kind == "paragraph_open":
            _start_article(walk, token)
            text = _kept_text(inline_lines(tokens[i + 1], walk), builder)
            if walk.item_numbers:
                number = walk.item_numbers[-1]
                builder.add_list_item(f"{number}. {text}" if number else text, start, end)
                walk.item_numbers[-1] = ""  # later paragraphs of the item carry no number
            elif walk.quote_depth and not text.startswith(QUOTE_MARKS):
                builder.add_paragraph(text, start, end, quoted=True)
            else:
                walk.speaker = add_prose(text, start, end, builder, options, walk.transcript, walk.speaker)
            i += 2
        elif kind in ("fence", "code_block"):
            _start_article(walk, token)
            _code(token, walk, start, end)
        elif kind == "html_block":
            _start_article(walk, token)
            _html_block(token.content, walk, start, end)
        elif kind == "table_open":
            _start_article(walk, token)
            i = _table(tokens, i, walk, start, end)
        elif kind == "myst_target":
            builder.remove(f"({token.content})=", "MyST label")
        elif kind == "myst_line_comment":
            builder.remove(token.content, "comment")
        i += 1


def _code(token, walk: _Walk, start: int, end: int) -> None:
    """Code is skipped with a short notice; MyST prose directives ({note}) are spoken."""
    info = token.info.strip()
    directive = re.fullmatch(r"\{([\w:-]+)\}(.*)", info)
    if directive and directive.group(1) in PROSE_DIRECTIVES:
        body = [line for line in token.content.splitlines() if not re.match(r"\s*:[\w-]+:", line)]
        for paragraph in re.split(r"\n\s*\n", "\n".join([directive.group(2), *body])):
            add_prose(fold(_drop_templates(paragraph, walk.builder)), start, end, walk.builder, walk.options)
        return
    if directive:
        walk.builder.remove(f"{directive.group(2)} {token.content}", f"{directive.group(1)} directive")
        return
    walk.builder.remove(token.content, "code block")
    if walk.options.code_notice:
        language = info.split()[0] if info else ""
        if language and language.isalpha():
            walk.builder.add_notice(_notice(walk.language, "code_in", language=language.capitalize()), start, end)
        else:
            walk.builder.add_notice(_notice(walk.language, "code"), start, end)


def _html_block(content: str, walk: _Walk, start: int, end: int) -> None:
    """Raw HTML: visible text is spoken; scripts, styles, embeds and comments are not."""
    opened = _unclosed_comment(content)
    if opened >= 0:
        # An unclosed comment hides the rest of the page from readers; it does from listeners too.
        walk.builder.remove(content[opened + 4 :], "HTML comment")
        content = content[:opened]
    parsed = html_text(content)
    for comment in parsed.comments:
        walk.builder.remove(comment, "HTML comment")
    silent = fold(" ".join(parsed.silent))
    if silent or re.search(r"<(?:iframe|embed|object|video|audio|script)\b", content, re.I):
        walk.builder.remove(silent or content, "HTML embed or script")
    # Markdown inside an HTML block is not rendered, but its links, images and roles are
    # still markup, not words: read the text as inline Markdown.
    visible = "".join(parsed.spoken)
    inline = _markdown_it().parseInline(visible)[0] if visible.strip() else None
    spoken = fold(" ".join(inline_lines(inline, walk))) if inline else ""
    if spoken:
        add_prose(spoken, start, end, walk.builder, walk.options)


def _unclosed_comment(content: str) -> int:
    """Where a "<!--" that is never closed starts, or -1."""
    position = 0
    while (opened := content.find("<!--", position)) >= 0:
        closed = content.find("-->", opened + 4)
        if closed < 0:
            return opened
        position = closed + 3
    return -1


def _table(tokens: list, i: int, walk: _Walk, start: int, end: int) -> int:
    """Skip a table (recorded, with a notice); returns the index of table_close."""
    cells = []
    while tokens[i].type != "table_close":
        if tokens[i].type == "inline":
            cells.extend(inline_lines(tokens[i], walk))
        i += 1
    walk.builder.remove(" ".join(cells), "table")
    if walk.options.code_notice:
        walk.builder.add_notice(_notice(walk.language, "table"), start, end)
    return i
