"""Web, newsletter and press-release clutter: small named rules, each saying why.

A line rule looks at one line of the source and returns the reason it is not spoken, or
None. Add a rule by writing a function and listing it in ``LINE_RULES``. Patterns are
anchored and free of nested repetition, so each line is checked in linear time.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Rule = Callable[[str], "str | None"]

_READ_MORE = re.compile(
    r"(?:Read [Mm]ore|READ MORE|Related|RELATED|See [Aa]lso|SEE ALSO|More [Ff]rom|MORE FROM|"
    r"(?:À l|L)ire aussi|Voir aussi|Lire la suite|Weiterlesen|Mehr zum Thema|Lee también)"
    r"(?: [Ss]tories| [Cc]overage)?\s*[:›»|]"
)
_BRACKETED = re.compile(r"\[/?[a-z][\w\-]*(?:\s[^\]]*)?\]")
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}|\{%[^{}]*%\}")
_URL = re.compile(r"[<(]?(?:https?://|www\.)\S+[>)]?")
_FOOTER = re.compile(
    r"(?i)(?:thanks for reading [^!\n]{1,80}! subscribe|you(?:'re| are) receiving this|you received this (?:e-?mail|newsletter)|"
    r"this (?:e-?mail|newsletter) was sent to|to stop receiving|no longer want to receive)"
)
_COLLECTION = re.compile(r"(?i).{1,80}\s[-–—|]\s*full[- ]text (?:articles|feed|stories)\s*")
_PRESS_LABEL = re.compile(r"(?i)\s*(?:for immediate release|news release|press release|media advisory|embargoed.{0,60})[\s:.]*")
_PHOTO_CREDIT = re.compile(
    r"(?i)\s*\(?(?:Photo|Photograph|Image|Illustration|Credit|Photo credit|AP Photo)(?: by)?\s*[:/].{0,120}"
)
_CLOCK = re.compile(r"\s*(?:END\s+)?\d{1,2}:\d{2}\s*[AP]\.?M\.?(?:\s+[A-Z]{2,4})?\s*")
CLUTTER_MAX_CHARS = 300
"""Clutter lines are short; a longer line with spaces is prose (only a bare URL is longer)."""



_COOKIES = re.compile(
    r"(?i).{0,200}\b(?:we use cookies|(?:site|website) uses cookies|accept (?:all )?cookies|cookie (?:settings|preferences|policy))\b.{0,200}"
)


def cookie_banner(line: str) -> str | None:
    """The cookie banner copied with the page."""
    return "cookie banner" if len(line.split()) <= 60 and _COOKIES.fullmatch(line) else None


def read_more_link(line: str) -> str | None:
    """ "Read More: …" teasers that link to another story."""
    if _READ_MORE.match(line):
        return "read-more link"
    return None


def embed_artifact(line: str) -> str | None:
    """Bracketed template or embed code such as [time-brightcove not-tgx="true"] or [/caption]."""
    if _BRACKETED.fullmatch(line.strip()) and (
        "=" in line or "-" in line or line.lstrip().startswith("[/")
    ):
        return "embed artifact"
    if _TEMPLATE.fullmatch(line.strip()):
        return "template tag"
    return None


def bare_url(line: str) -> str | None:
    """A line that is nothing but a link."""
    if _URL.fullmatch(line.strip()):
        return "bare URL"
    return None


_FURNITURE = re.compile(
    r"(?i)[›»>↑^\s]*(?:advertisement|advertisement\s*-\s*scroll to continue|skip advertisement|"
    r"share this article|share this story|share on (?:facebook|twitter|x|linkedin)|"
    r"back to top|continue reading(?: below)?|"
    r"sign up for (?:our|the) newsletter|subscribe to (?:our|the) newsletter|click here to subscribe|"
    r"view (?:this email )?in (?:your )?browser|view online|unsubscribe|manage (?:your )?preferences|"
    r"update your preferences|forward (?:this )?to a friend|"
    r"listen to (?:this )?(?:article|story)|print this (?:article|page)|comments?|leave a comment|"
    r"story continues below(?: advertisement)?|sponsored(?: content)?|"
    r"share|like|restack|subscribe(?: now| for free)?|read in app|open in app|get the app|upgrade to paid|"
    r"print|save(?: article)?|gift this article|copy link|sign in|log in|follow(?: us)?|"
    r"reuse this content|most (?:viewed|popular|read)|trending(?: now)?|discussion about this post|"
    r"comments? \(\d+\)|show comments|load more|click here for more.{0,60}|"
    r"menu|main menu|toggle navigation|open menu|\[edit\])[\s.!:]*"
)


def web_furniture(line: str) -> str | None:
    """Buttons and labels copied along with the page or the newsletter."""
    if _FURNITURE.fullmatch(line):
        return "page furniture"
    return None


def newsletter_footer(line: str) -> str | None:
    """The subscription notice at the foot of a newsletter."""
    if _FOOTER.match(line):
        return "newsletter footer"
    return None


def collection_header(line: str) -> str | None:
    """A feed or collection name above the article, e.g. "Some Feed - Full Text Articles"."""
    if _COLLECTION.fullmatch(line):
        return "collection header"
    return None


def press_release_label(line: str) -> str | None:
    """ "FOR IMMEDIATE RELEASE" and similar labels at the top of a press release."""
    if _PRESS_LABEL.fullmatch(line):
        return "press-release label"
    return None


def photo_credit(line: str) -> str | None:
    """A photo credit line, e.g. "Photo: Jane Doe/Getty Images" or "(AP Photo/John Smith)"."""
    if _PHOTO_CREDIT.fullmatch(line):
        return "photo caption"
    return None


def transcript_time(line: str) -> str | None:
    """Clock stamps that open and close official transcripts ("2:14 P.M. EST", "END 2:50 P.M.")."""
    if _CLOCK.fullmatch(line):
        return "transcript time stamp"
    return None


_SKIP_LINK = re.compile(r"(?i)\W*(?:skip|jump|go) to (?:the )?(?:main |page )?(?:content|navigation|search|menu|footer)\W*")
_GALLERY = re.compile(r"(?i)\W*(?:image|photo|picture|slide|video)\s+\d{1,3}\s*(?:of|/)\s*\d{1,3}\W*")
# The credit closes the line: "(Image credit: NASA)", or "Credits: NASA/JPL" after a sentence.
# Case matters: "Tax credit: $2,000" is not a caption.
_CAPTION_END = re.compile(
    r".{0,600}(?:\((?i:image|photo|picture)(?i: credit)?s?:[^()]{1,120}\)"
    r"|(?:^|[.!?)]\s+)(?:Image |Photo |Photograph )?[Cc]redits?:\s*[A-Z][^.]{0,120})\s*"
)
_RELATIVE_TIME = re.compile(
    r"(?i).{0,80}?\b(?:(?:about|over|almost|nearly|around)\s+)?(?:\d{1,3}|an?|one)\s+"
    r"(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b.{0,40}"
)
_COUNT_LABEL = r"(?:likes?|comments?|restacks?|shares?|reposts?|views?|replies|reactions?|claps?)"
# A number with its label, or numbers in a row between separators ("12 · 3 · 2").
_COUNTER = re.compile(
    r"(?i)\s*(?:[\d.,]+[km]?\s*" + _COUNT_LABEL + r"[\s·•|,]*){1,6}|\s*[\d.,]+[km]?(?:\s*[·•|]\s*[\d.,]+[km]?){1,5}\s*"
)
# "© 2026 Site", or a row of footer links: "Privacy ∙ Terms", "Privacy Policy | Terms of Use".
_COPYRIGHT = re.compile(
    r"\s*(?:©|\([cC]\)|Copyright\b).{0,200}"
    r"|(?:[^·∙•|]{0,40}[·∙•|]\s*)*Privacy(?: Policy| Notice)?\s*[·∙•|]\s*Terms\b[^.]{0,80}"
)
# An imperative at the start of the line: prose that mentions a newsletter is not a sign-up box.
_SIGN_UP = re.compile(
    r"(?i)\W*(?:sign up|subscribe|get (?:our|the)|join (?:our|the))\b.{0,60}\bnewsletter\b[^.]{0,80}|\s*enter your e-?mail(?: address)?\W*.{0,40}"
)
_WIKI = re.compile(
    r"(?i)\s*(?:retrieved from\b.{0,300}|categor(?:y|ies)\s*:.{0,400}|hidden categor.{0,300}|from \w+, the free encyclopedia\W*|"
    r"jump to (?:navigation|search)\W*|this page was last edited.{0,200}|\^\s.{0,600}|\^?\s*jump up to\b.{0,600})"
)
# A reference entry: numbered, bulleted or marked with "^", carrying an identifier.
_CITATION_DATA = re.compile(r"(?i)\s*(?:\^|\[\d{1,3}\]|\d{1,3}\.|[-*•])\s.{0,400}\b(?:ISSN|ISBN|doi:|PMID|Bibcode)\b.{0,400}")


def skip_link(line: str) -> str | None:
    """ "Skip to main content" and other accessibility links copied from a page."""
    return "page furniture" if _SKIP_LINK.fullmatch(line) else None


def gallery_counter(line: str) -> str | None:
    """ "Image 1 of 3": a slideshow's counter."""
    return "page furniture" if _GALLERY.fullmatch(line) else None


def caption_with_credit(line: str) -> str | None:
    """A photo caption ending with its credit: "… (Image credit: NASA)", "… Credits: NASA/JPL"."""
    return "photo caption" if len(line.split()) <= 80 and _CAPTION_END.fullmatch(line) else None


def relative_time_byline(line: str) -> str | None:
    """A byline or time stamp relative to when the page was copied ("about 20 hours ago").
    A sentence ("He left 3 days ago.") is not one: bylines do not end with a full stop.

    >>> relative_time_byline("Jane Doe · about 20 hours ago"), relative_time_byline("He left 3 days ago.")
    ('byline', None)
    """
    if len(line.split()) > 14 or line.rstrip().endswith((".", "!", "?", '"', "”")):
        return None
    return "byline" if _RELATIVE_TIME.fullmatch(line) else None


def engagement_counter(line: str) -> str | None:
    """Like, comment and restack counters: numbers with or without their labels."""
    return "like/comment counter" if any(ch.isdigit() for ch in line) and _COUNTER.fullmatch(line) else None


def copyright_footer(line: str) -> str | None:
    """The page footer: "© 2026 Site · Privacy ∙ Terms"."""
    return "page footer" if len(line.split()) <= 30 and _COPYRIGHT.fullmatch(line) else None


def newsletter_sign_up(line: str) -> str | None:
    """A newsletter sign-up box: "Sign up for our newsletter", "Enter your email"."""
    return "newsletter sign-up" if len(line.split()) <= 30 and _SIGN_UP.fullmatch(line) else None


def wiki_furniture(line: str) -> str | None:
    """A wiki page's furniture and references: "Retrieved from …", "Categories: …",
    "^ Jump up to: a b …", and reference entries with ISSN/DOI/ISBN."""
    if _WIKI.fullmatch(line) or _CITATION_DATA.fullmatch(line):
        return "references"
    return None


LINE_RULES: tuple[Rule, ...] = (
    skip_link,
    gallery_counter,
    caption_with_credit,
    relative_time_byline,
    engagement_counter,
    copyright_footer,
    newsletter_sign_up,
    wiki_furniture,
    cookie_banner,
    read_more_link,
    embed_artifact,
    bare_url,
    web_furniture,
    newsletter_footer,
    collection_header,
    press_release_label,
    photo_credit,
    transcript_time,
)


def clutter_reason(line: str) -> str | None:
    """The first rule's reason for dropping ``line``, or None to keep it."""
    if len(line) > CLUTTER_MAX_CHARS and " " in line:
        return None
    for rule in LINE_RULES:
        reason = rule(line)
        if reason:
            return reason
    return None


# -- structure markers: not clutter to drop line by line, but boundaries -------------

_SEPARATOR = re.compile(r"\s*(?:[*\-_=~#•·]\s*){3,}|\s*[›»>↑^]*\s*back to top\s*", re.IGNORECASE)
_END_MARK = re.compile(r"\s*(?:-+\s*end\s*-+|#{3}|-\s*30\s*-|-?\s*ends?\s*-?|\[?\s*end\s*\]?)\s*", re.IGNORECASE)
_CONTACT = re.compile(
    r"\s*(?:(?:media|press|investor|news)\s+)?(?:contacts?|enquiries|inquiries)\s*:"
    # the same heading in the languages we have voices for
    r"|\s*(?:presse|medien)?kontakt(?:e)?\s*(?:für (?:medien|die presse))?\s*:?\s*$"
    r"|\s*contacts?\s+(?:presse|médias?)\s*:?\s*$|\s*contacto(?:s)?(?:\s+(?:de|para)\s+(?:prensa|medios))?\s*:?\s*$"
    r"|\s*(?:media|press)\s+contacts?\s*$",
    re.IGNORECASE,
)


def is_separator(line: str) -> bool:
    """A line that separates articles in a digest: "* * *", "---", "› Back to Top".

    >>> [is_separator(s) for s in ["* * *", "---", "› Back to Top", "A - B - C"]]
    [True, True, True, False]
    """
    return bool(_SEPARATOR.fullmatch(line))


def is_end_mark(line: str) -> bool:
    """The mark that ends a press release ("-end-", "###", "-30-", "ENDS").

    >>> [is_end_mark(s) for s in ["-end-", "- END -", "###", "-30-", "ENDS", "The end"]]
    [True, True, True, True, True, False]
    """
    return bool(_END_MARK.fullmatch(line))


_RELATED = re.compile(
    r"\s*(?:explore more on these topics|more on this story|related topics|more like this|filed under|topics|tags|"
    r"related(?: articles| stories| links| coverage| content| posts| reading)?|most (?:popular|read|viewed|shared)|"
    r"trending(?: now)?|recommended(?: for you)?|more stories|more from [\w .&'-]{1,40}|you may also like|up next|"
    r"read next|lo más leído|más leídas|les plus lus|à lire aussi|meistgelesen|das könnte sie auch interessieren)\s*:?\s*",
    re.IGNORECASE,
)
_COMMENTS = re.compile(
    r"\s*(?:\d+\s+)?(?:comments?|responses?|replies|reader comments|discussion about this post|join the discussion|"
    r"kommentare|comentarios|commentaires)\s*(?:\(\d+\))?\s*:?\s*",
    re.IGNORECASE,
)


def is_comments_heading(line: str) -> bool:
    """The line that opens readers' comments under an article ("Comments (12)",
    "Discussion about this post", "Kommentare"): what follows is not the article.

    >>> [is_comments_heading(s) for s in ["12 Comments", "Discussion about this post", "Comments are closed."]]
    [True, True, False]
    """
    return bool(_COMMENTS.fullmatch(line))


def is_related_links(first_line: str) -> bool:
    """A block headed "Explore more on these topics" or "Tags:" that lists links to other pages."""
    return bool(_RELATED.fullmatch(first_line))


def is_contact_block(first_line: str) -> bool:
    """A block that starts "Media contact:" (or "Kontakt", "Contacto", "Contact presse")
    and lists names, phones and e-mail addresses.

    >>> [is_contact_block(s) for s in ["Media contact: Ann", "Pressekontakt", "Contacto de prensa:", "Contact the team"]]
    [True, True, True, False]
    """
    return bool(_CONTACT.match(first_line))


_MENU_WORDS = 3
_DIGIT = re.compile(r"\d")


def is_menu(lines: list[str]) -> bool:
    """Three or more lines of at most three words, none ending like a sentence: a menu,
    a "Trending" list or a row of buttons copied from the page, not prose.

    >>> is_menu(["News", "Sport", "Weather", "Business"]), is_menu(["Lanham, Maryland", "2:34 P.M. EST"])
    (True, False)
    """
    # Menu items are capitalised labels: a list of ingredients ("2 eggs") is not a menu.
    return len(lines) >= 3 and all(
        0 < len(line.split()) <= _MENU_WORDS
        and line.strip()[:1].isupper()
        and not _DIGIT.search(line)
        and not line.rstrip().endswith((".", "!", "?", ":", ";", ","))
        for line in lines
    )
