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
from . import clutter
from .clutter import clutter_reason
from .frontmatter import read_front_matter, split_toml_front_matter
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
CLOSING_MARKS = ("\u201d", '"', "\u00bb", "\u201c")
_LITERAL_TAG = re.compile(r"(<!--.{0,2000}?-->|</?[A-Za-z][\w-]*(?:\s[^<>\n]{0,300})?/?>)", re.S)
_INLINE_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]{1,40}\]")
_EMPHASIS = re.compile(r"\*\*|__")
_SPACE_BEFORE_STOP = re.compile(r" +(?=[.,](?:\s|$))")
_TEMPLATE_TAG = re.compile(
    r"\{%-?[^%\n]{0,200}?-?%\}|\{\{-?[^}\n]{0,200}?-?\}\}"
    # Hugo shortcodes ({{< img src="…" >}}, {{% note %}}) may span lines and quote prose.
    r"|\{\{<[^<>]{0,3000}?>\}\}|\{\{%[^%]{0,3000}?%\}\}"
)
# A pull-quote shortcode: its text is a quotation, its credit not body text.
_PULL_QUOTE = re.compile(r"\{\{[<%]\s*([\w-]*quote[\w-]*)\s+([^<>%]{0,3000}?)\s*[>%]\}\}", re.S)
_SHORTCODE_PARAM = re.compile(r"([\w-]+)\s*=\s*\"([^\"]*)\"")
QUOTE_PARAMS = ("text", "quote", "content", "body")
CREDIT_PARAMS = ("cite", "author", "by", "credit", "source", "name", "title")
# Go's blog wraps code in {{raw `…`}}: a code block whose lines are not Markdown.
_GO_RAW = re.compile(r"^\{\{-?\s*raw\s+`[ \t]*$|^`\s*-?\}\}[ \t]*$", re.M)
# Kramdown/Pandoc heading attributes: "## A heading {#an-id .class}".
HEADING_ATTRIBUTES = re.compile(r"\s*\{\s*[#.][^{}\n]{0,200}\}\s*$")
# A struck-out word replaced by an editor: only the replacement is said.
STRUCK_TAGS = {"s", "del", "strike"}
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
        self.dropped: list[tuple[str, str]] = []
        """(text, reason) of what the page shows but a listener is not told: link
        addresses, images (alt text or address)."""
        self._silent_depth = 0
        self._struck_depth = 0
        self._in_link = 0
        self.link_chars = 0
        """Visible characters inside links: a block that is all links is navigation."""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        if tag == "a":
            self._in_link += 1
            self.spoken.append(" ")  # two links side by side are two phrases, not one word
        if tag == "img" and not self._silent_depth:
            self.dropped.append((values.get("alt") or values.get("src") or "", "image"))
        elif tag == "a" and values.get("href") and not self._silent_depth:
            self.dropped.append((values["href"], "link address"))
        if tag in STRUCK_TAGS:
            self._struck_depth += 1
        elif tag in SILENT_TAGS:
            self._silent_depth += 1
        elif tag in {"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "figcaption", "blockquote"}:
            self.spoken.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._in_link:
            self._in_link -= 1
            self.spoken.append(" ")
        if tag in STRUCK_TAGS and self._struck_depth:
            self._struck_depth -= 1
        elif tag in SILENT_TAGS and self._silent_depth:
            self._silent_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._struck_depth and not self._silent_depth:
            self.dropped.append((data, "struck-out text"))
            return
        if self._in_link and not self._silent_depth:
            self.link_chars += len(data.strip())
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
    skipping: str | None = None
    """Why the blocks now read are not spoken: under a contact or related-links heading
    (until the next heading), or after a release's end mark (to the end)."""
    ended: bool = False

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
    struck = 0
    """Open <s>/<del> or ~~: an editor's struck-out words, replaced by what follows."""
    quoted_link = ""
    """"open" inside a link whose text sits in quotation marks (the title of a linked work,
    not speech; its opening mark was dropped), "closing" right after it."""
    silent: list[str] = []
    """Open inline elements whose content is never spoken (<script>…</script>)."""
    for child in token.children or []:
        kind = child.type
        if silent and kind != "html_inline":
            builder.remove(child.content, "HTML embed or script")
        elif struck and kind in ("text", "code_inline"):
            builder.remove(child.content, "struck-out text")
        elif kind in ("s_open", "s_close"):
            struck = max(0, struck + (1 if kind == "s_open" else -1))
        elif kind == "text" and quoted_link == "closing":
            quoted_link = ""
            lines[-1] += _drop_orphan_footnote_refs(_literal_tags(_without_closing_mark(child.content), silent, builder), builder)
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
            if not in_autolink and child.attrs.get("href"):
                builder.remove(str(child.attrs["href"]), "link address")
            if lines[-1][-1:] in QUOTE_MARKS and (len(lines[-1]) == 1 or not lines[-1][-2].isalnum()):
                lines[-1] = lines[-1][:-1]
                quoted_link = "open"
        elif kind == "link_close":
            in_autolink = False
            quoted_link = "closing" if quoted_link else ""
        elif kind == "image":
            alt = child.content or child.attrs.get("alt", "")
            if options.image_alt and alt.strip():
                lines[-1] += " " + alt + " "
            else:
                builder.remove(alt or str(child.attrs.get("src", "")), "image")
        elif kind == "html_inline":
            tag = _INLINE_TAG.match(child.content)
            if tag and tag.group(2).lower() in STRUCK_TAGS:
                struck = max(0, struck + (-1 if tag.group(1) else 1))
                continue
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
            for text, reason in parsed.dropped:
                builder.remove(text, reason)
            lines[-1] += "".join(parsed.spoken)
        elif kind == "myst_role":
            lines[-1] += _role_text(child.meta.get("name", ""), child.content, builder)
        # footnote_ref, emphasis, strikethrough: markup only, nothing to say.
    # Template tags and shortcodes may span lines: drop them from the whole text at once.
    lines = _drop_templates("\n".join(lines), builder).split("\n")
    # Literal link syntax ("[a title]( )" where a template was its target) may span lines too.
    joined, dropped = literal_links("\n".join(lines))
    for text, reason in dropped:
        builder.remove(text, reason)
    cleaned = []
    for line in joined.split("\n"):
        if "**" in line or "__" in line:
            line = _EMPHASIS.sub("", line)  # emphasis marks CommonMark left as text ("**Note: **Text")
        # Dropped images and references may leave "see the chart ." behind.
        cleaned.append(_SPACE_BEFORE_STOP.sub("", line))
    return cleaned


def _without_closing_mark(text: str) -> str:
    """Text after a quoted link without the link's closing mark, which may follow the
    sentence's punctuation (“[A title](…),”)."""
    stop = len(text) - len(text.lstrip(".,;:!?"))
    return text[:stop] + text[stop + 1 :] if text[stop : stop + 1] in CLOSING_MARKS else text


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


LITERAL_ROLES = {"code", "math", "kbd", "samp", "command", "file", "envvar", "regexp"}
"""Roles whose content is said as written, even with angle brackets in it."""


def _role_text(name: str, content: str, builder: ArticleBuilder) -> str:
    """What a MyST role says: a reference's title if it has one; nothing for a bare key.
    Any other role with a target ({term}`Word <target>`) says its words, not the target."""
    titled = _ROLE_TITLE.fullmatch(content)
    if name in REFERENCE_ROLES:
        if titled and titled.group(1).strip():
            return titled.group(1)
        builder.remove(f"{{{name}}}`{content}`", "MyST reference")
        return ""
    if titled and titled.group(1).strip() and name not in LITERAL_ROLES:
        builder.remove(content[len(titled.group(1)) :].strip(), "MyST reference")
        return titled.group(1)
    return content


LINK_LIST_ITEMS = 3
LINK_LIST_WORDS = 6


def _link_list_end(tokens: list, i: int) -> int | None:
    """Index of the close of the bullet list opened at ``i`` when it is a list of links
    only (every item one short link, at least three): a menu, "Most popular", "Related" —
    where to go, not what to say. None for any other list."""
    depth, items, position = 0, 0, i
    while position < len(tokens):
        token = tokens[position]
        if token.type == "bullet_list_open":
            depth += 1
        elif token.type == "bullet_list_close":
            depth -= 1
            if depth == 0:
                return position if items >= LINK_LIST_ITEMS else None
        elif token.type == "inline":
            children = [child for child in token.children or [] if not (child.type == "text" and not child.content.strip())]
            if not children or children[0].type != "link_open" or children[-1].type != "link_close":
                return None
            if sum(child.type == "link_open" for child in children) != 1:
                return None
            if len(" ".join(child.content for child in children if child.type == "text").split()) > LINK_LIST_WORDS:
                return None
            items += 1
        position += 1
    return None


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
    source = _GO_RAW.sub("```", source) if "raw" in source else source
    front, source, toml = split_toml_front_matter(source)
    tokens = _markdown_it().parse(source)
    if tokens and tokens[0].type == "front_matter":
        front = read_front_matter(tokens[0].content)
    language = front.language or "en"
    line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
    walk = _Walk(ArticleBuilder(min_quote_words=options.min_quote_words), options, language, line_starts, front.title)
    if toml:
        walk.builder.remove(toml, "front matter", 0)
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


def _block_rule(text: str, walk: _Walk) -> str | None:
    """The same block rules as plain text: a contact block, a related-links list, the end
    mark of a release and what follows it. Returns why ``text`` is not spoken."""
    if walk.skipping:
        return walk.skipping
    first = text.split("\n")[0].strip()
    if clutter.is_end_mark(first):
        walk.ended = True
        walk.skipping = "after the end of the release"
        return "end of the release"
    if clutter.is_contact_block(first):
        return "press contact"
    if clutter.is_related_links(first):
        return "related links"
    if walk.builder.paragraphs and clutter.is_comments_heading(first):
        walk.ended = True
        walk.skipping = "readers' comments"
        return "readers' comments"
    return None


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
        elif kind == "heading_open" and (walk.ended or not tokens[i + 1].content.strip()):
            # "###" alone is a release's end mark, not an empty heading.
            if not walk.ended and token.markup == "###":
                walk.ended = True
                walk.skipping = "after the end of the release"
                builder.remove("###", "end of the release", start)
            else:
                builder.remove(tokens[i + 1].content, walk.skipping or "empty heading", start)
            i += 2
        elif kind == "heading_open" and (reason := _heading_block_rule(tokens[i + 1].content, walk)):
            builder.remove(tokens[i + 1].content, reason, start)
            i += 2
        elif kind == "heading_open":
            walk.skipping = None
            _start_article(walk, token)
            text = _kept_text(inline_lines(tokens[i + 1], walk), builder)
            if attributes := HEADING_ATTRIBUTES.search(text):
                builder.remove(attributes.group(), "heading attributes", start)
                text = text[: attributes.start()]
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
        elif kind == "bullet_list_open" and (close := _link_list_end(tokens, i)):
            for inline in (t for t in tokens[i:close] if t.type == "inline"):
                builder.remove(" ".join(inline_lines(inline, walk)), "links", start)
            i = close
        elif kind in ("bullet_list_open", "ordered_list_open"):
            walk.list_stack.append("ordered" if kind == "ordered_list_open" else "bullet")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            walk.list_stack.pop()
        elif kind == "list_item_open":
            walk.item_numbers.append(token.info if walk.list_stack and walk.list_stack[-1] == "ordered" else "")
        elif kind == "list_item_close":
            walk.item_numbers.pop()
        elif kind == "paragraph_open" and (pull_quote := _shortcode_pull_quote(tokens[i + 1].content)):
            _start_article(walk, token)
            name, text, credit = pull_quote
            builder.remove(name, "template tag", start)
            _pull_quote(text, builder, start, end, credit)
            i += 2
        elif kind == "paragraph_open" and (reason := _block_rule(tokens[i + 1].content, walk)):
            builder.remove(" ".join(inline_lines(tokens[i + 1], walk)), reason, start)
            i += 2
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


def _heading_block_rule(text: str, walk: _Walk) -> str | None:
    """A heading "Media contacts", "Kontakt", "Related links": it and its blocks are not spoken."""
    if walk.ended:
        return walk.skipping
    if clutter.is_contact_block(text.strip()):
        walk.skipping = "press contact"
        return "press contact"
    if clutter.is_related_links(text.strip()):
        walk.skipping = "related links"
        return "related links"
    if walk.builder.paragraphs and clutter.is_comments_heading(text.strip()):
        walk.ended = True
        walk.skipping = "readers' comments"
        return "readers' comments"
    return None


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
    if _HTML_TABLE.match(content):
        # An HTML table (often a screen-reader copy of a chart) is skipped like a Markdown one.
        walk.builder.remove(fold(" ".join(html_text(content).spoken)), "table", start)
        if walk.options.code_notice:
            walk.builder.add_notice(_notice(walk.language, "table"), start, end)
        return
    parsed = html_text(content)
    for comment in parsed.comments:
        walk.builder.remove(comment, "HTML comment")
    for text, reason in parsed.dropped:
        walk.builder.remove(text, reason, start)
    silent = fold(" ".join(parsed.silent))
    if silent or re.search(r"<(?:iframe|embed|object|video|audio|script)\b", content, re.I):
        walk.builder.remove(silent or content, "HTML embed or script")
    # Markdown inside an HTML block is not rendered, but its links, images and roles are
    # still markup, not words: read the text as inline Markdown.
    visible = "".join(parsed.spoken)
    inline = _markdown_it().parseInline(visible)[0] if visible.strip() else None
    spoken = fold(" ".join(inline_lines(inline, walk))) if inline else ""
    if spoken and parsed.link_chars >= len(fold(visible).replace(" ", "")) - 1:
        # Nothing but links (a file's download button, a menu): where to go, not what to say.
        walk.builder.remove(spoken, "links", start)
    elif spoken and _ASIDE.match(content):
        _pull_quote(spoken, walk.builder, start, end)
    elif spoken:
        add_prose(spoken, start, end, walk.builder, walk.options)


_HTML_TABLE = re.compile(r"\s*<table\b", re.I)
_ASIDE = re.compile(r"\s*<(?:aside|figure)\b[^>]*\b(?:pull-?quote|quote)|\s*<aside\b", re.I)
_CREDIT = re.compile(r"\s*(?:[—―–]|--?)\s*([^—―–]{1,80})$")


def _pull_quote(text: str, builder: ArticleBuilder, start: int, end: int, credit: str | None = None) -> None:
    """A pull-quote box: the quotation in the quote voice; its credit ("— @handle",
    "— Jane Doe") is not read as body text."""
    if credit is None and (match := _CREDIT.search(text)):
        text, credit = text[: match.start()], match.group(1)
    builder.add_paragraph(text.strip().strip("\u201c\u201d\"«» "), start, end, quoted=True)
    if credit:
        builder.remove(credit, "pull-quote credit", start)


def _shortcode_pull_quote(content: str) -> tuple[str, str, str] | None:
    """{{< quote-block text="…" cite="…" >}}, a pull-quote written as a Hugo shortcode:
    (shortcode name, quotation, credit), or None for any other paragraph."""
    match = _PULL_QUOTE.fullmatch(content.strip())
    if not match:
        return None
    params = dict(_SHORTCODE_PARAM.findall(match.group(2)))
    text = next((params[key] for key in QUOTE_PARAMS if params.get(key)), "")
    if not text:
        return None
    return match.group(1), text, " ".join(params[key] for key in CREDIT_PARAMS if params.get(key))


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
