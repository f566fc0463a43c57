"""index.html: a self-contained page listing the episodes, each with a player and a
chapter list whose links seek that player.

Every article-derived string goes through html.escape; the only script is the fixed
SEEK_SCRIPT below, which reads times from data attributes, so no text can inject code.
The page uses relative links and no external resources, so it works opened from disk
and served over HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape as _html_escape

from ..audio.chapters import seconds
from ..units import short_clock
from .dates import duration_clock
from .rss import EPISODES_FOLDER
from .settings import FeedSettings
from .state import Episode, newest_first

SEEK_SCRIPT = """\
// A chapter link seeks its episode's player and plays from there. Without scripts the
// link still opens the MP3 at that time (a media fragment, #t=seconds).
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a[data-start]") : null;
  if (!link) return;
  var player = document.getElementById(link.getAttribute("data-player"));
  var start = parseFloat(link.getAttribute("data-start"));
  if (!player || !isFinite(start)) return;
  event.preventDefault();
  document.querySelectorAll("audio").forEach(function (other) {
    if (other !== player) other.pause();
  });
  player.currentTime = start;
  var playing = player.play();
  if (playing && playing.catch) playing.catch(function () {});
});
"""

STYLE = """\
:root { color-scheme: light dark; --accent: #1d4e89; --muted: #555; }
@media (prefers-color-scheme: dark) { :root { --accent: #8cb8ef; --muted: #aaa; } }
body { font: 1.05rem/1.5 system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem; }
header { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
header img { width: 7rem; height: 7rem; object-fit: cover; border-radius: .5rem; }
a { color: var(--accent); }
a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
article { border-top: 1px solid var(--muted); padding: 1rem 0; }
.meta { color: var(--muted); margin: 0; }
audio { width: 100%; margin: .5rem 0; }
.chapters { padding-left: 1.5rem; }
.chapters time { font-variant-numeric: tabular-nums; margin-right: .5rem; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: Canvas; padding: .5rem; }
"""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def escape(text: str, quote: bool = True) -> str:
    """``html.escape`` after dropping control characters (an ESC or BEL from a YAML
    "\\e" in a title), which HTML cannot show and a terminal viewing the page would act on.

    >>> escape("Red \\x1b[31m<b>\\x07")
    'Red [31m&lt;b&gt;'
    """
    return _html_escape(_CONTROL.sub("", text), quote)


def index_html(settings: FeedSettings, episodes: Sequence[Episode]) -> str:
    """The whole page."""
    language = escape(settings.language, quote=True)
    title = escape(settings.title)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f'<link rel="alternate" type="application/rss+xml" title="{escape(settings.title, quote=True)}" href="feed.xml">',
        f"<style>\n{STYLE}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#episodes">Skip to the episodes</a>',
        "<header>",
    ]
    if settings.image:
        parts.append(f'<img src="{escape(settings.image, quote=True)}" alt="">')
    parts += [
        "<div>",
        f"<h1>{title}</h1>",
        f"<p>{escape(settings.description or '')}</p>" if settings.description else "",
        '<p><a href="feed.xml">Subscribe: podcast feed (RSS)</a></p>',
        "</div>",
        "</header>",
        '<main id="episodes">',
    ]
    ordered = newest_first(list(episodes))
    if not ordered:
        parts.append("<p>No episodes yet.</p>")
    parts += [_episode_html(episode) for episode in ordered]
    parts += ["</main>", f"<script>\n{SEEK_SCRIPT}</script>", "</body>", "</html>", ""]
    return "\n".join(part for part in parts if part)


def _episode_html(episode: Episode) -> str:
    slug = escape(episode.slug, quote=True)
    audio = f"{EPISODES_FOLDER}/{episode.audio_name}"
    player_id = f"player-{slug}"
    heading_id = f"title-{slug}"
    title = escape(episode.title)
    lang = f' lang="{escape(episode.language, quote=True)}"' if episode.language else ""
    published = episode.published_at
    lines = [
        f'<article id="{slug}" aria-labelledby="{heading_id}"{lang}>',
        f'<h2 id="{heading_id}">{title}</h2>',
        f'<p class="meta"><time datetime="{published.date().isoformat()}">{published.day} {published:%B %Y}</time>'
        f" · {duration_clock(episode.duration_ms, short=True)}"
        + (f" · {escape(episode.author)}" if episode.author else "")
        + "</p>",
        f"<p>{escape(episode.description)}</p>" if episode.description else "",
        f'<audio id="{player_id}" controls preload="metadata" src="{escape(audio, quote=True)}"'
        f' aria-label="{escape(episode.title, quote=True)}">'
        f'<track kind="captions" label="Transcript" srclang="{escape(episode.language or "en", quote=True)}"'
        f' src="{EPISODES_FOLDER}/{escape(episode.transcript_name, quote=True)}"></audio>',
    ]
    if episode.chapters:
        lines.append(f'<nav aria-label="Chapters of {escape(episode.title, quote=True)}">')
        lines.append('<ol class="chapters">')
        for chapter in episode.chapters:
            start = seconds(chapter.start_ms)
            lines.append(
                f'<li><a href="{escape(audio, quote=True)}#t={start}" data-player="{player_id}"'
                f' data-start="{start}"><time>{short_clock(chapter.start_ms)}</time> '
                f"{escape(chapter.title)}</a></li>"
            )
        lines += ["</ol>", "</nav>"]
    lines.append(
        f'<p><a href="{escape(audio, quote=True)}" download>Download the {episode.audio_format.name.upper()}</a>'
        f' · <a href="{EPISODES_FOLDER}/{escape(episode.transcript_name, quote=True)}">Transcript (WebVTT)</a>'
        f' · <a href="{EPISODES_FOLDER}/{escape(episode.chapters_name, quote=True)}">Chapters (JSON)</a></p>'
    )
    lines.append("</article>")
    return "\n".join(line for line in lines if line)
