"""The feed's settings, kept in FEED_DIR/feed.toml so later runs need only SOURCE and -o."""

from __future__ import annotations

import ipaddress
import re
import sys
import uuid
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import InputError
from ..files import atomic_output

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SETTINGS_FILE = "feed.toml"
DEFAULT_CATEGORY = "News"


@dataclass(frozen=True)
class FeedSettings:
    """Channel-level settings of one feed folder."""

    title: str
    base_url: str
    """Public URL of the feed folder; enclosure, chapter and transcript URLs start with it."""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    """Made once when the feed is created; episode guids derive from it, so they never change."""
    author: str | None = None
    description: str | None = None
    image: str | None = None
    """File name of the cover image inside the feed folder."""
    language: str = "en"
    category: str = DEFAULT_CATEGORY
    """Apple Podcasts category; "Parent > Sub" for a subcategory."""
    explicit: bool = False
    voices: str | None = None
    """Voice profile name or path used for every episode."""
    owner_name: str | None = None
    owner_email: str | None = None
    """itunes:owner, which some podcast directories require to verify the feed."""

    @property
    def feed_url(self) -> str:
        return url_in(self.base_url, "feed.xml")


@dataclass(frozen=True)
class SettingsChange:
    """Options given on the command line; None keeps what feed.toml says."""

    title: str | None = None
    base_url: str | None = None
    author: str | None = None
    description: str | None = None
    image: str | None = None
    language: str | None = None
    category: str | None = None
    explicit: bool | None = None
    voices: str | None = None
    owner_name: str | None = None
    owner_email: str | None = None


def url_in(base_url: str, *parts: str) -> str:
    """A URL under the feed's base URL.

    >>> url_in("https://example.org/pod/", "episodes", "a.mp3")
    'https://example.org/pod/episodes/a.mp3'
    """
    return "/".join([base_url.rstrip("/"), *parts])


_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?")
_PATH = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")


def check_base_url(url: str) -> str:
    """The base URL, or an InputError when it is not an absolute http(s) URL with a host
    name (or IP address), an optional port and a plain path: no query, fragment, user
    name, spaces, quotes or control characters, which would break every episode's URL.

    >>> check_base_url("https://example.org/pod")
    'https://example.org/pod'
    >>> for bad in ("example.org", "https://", "https://[::1", "https://a b", "https://x.org:99999",
    ...             "https://u:p@x.org", "https://x.org/?q=1", "https://x.org/#top", 'https://"x".org', "https://x.org/<a>"):
    ...     try:
    ...         check_base_url(bad)
    ...     except InputError:
    ...         pass
    ...     else:
    ...         print("accepted", bad)
    """
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        parts, port, host = None, None, ""
    ip = False
    if host:
        try:
            ipaddress.ip_address(host)
            ip = True
        except ValueError:
            pass
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not host
        or not (ip or _HOST.fullmatch(host))
        or port == 0
        or parts.username is not None
        or parts.query
        or parts.fragment
        or "?" in url
        or "#" in url
        or not _PATH.fullmatch(parts.path)
    ):
        raise InputError(
            f"--base-url {url[:200]!r} is not an http(s) URL of a plain form; give where the feed folder will be served, "
            "e.g. https://example.org/podcast (no query, fragment, user name or spaces)"
        )
    return url


def load_settings(folder: Path) -> FeedSettings | None:
    """The saved settings of a feed folder, or None for a new folder."""
    path = folder / SETTINGS_FILE
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InputError(f"{path} is not readable TOML ({err}); fix or delete it") from None
    except RecursionError:
        raise InputError(f"{path} is not readable TOML (nested too deeply); fix or delete it") from None
    known = {f.name for f in fields(FeedSettings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"{path}: unknown setting {unknown[0]!r}; known: {', '.join(sorted(known))}")
    missing = [name for name in ("title", "base_url", "id") if not isinstance(data.get(name), str)]
    if missing:
        raise InputError(f"{path} has no {missing[0]!r}; fix it or give the option again")
    try:
        return FeedSettings(**data)
    except TypeError as err:
        raise InputError(f"{path}: {err}") from None


def merge_settings(saved: FeedSettings | None, change: SettingsChange) -> FeedSettings:
    """Saved settings with the given options applied; the first run must name title and URL."""
    given = {key: value for key, value in asdict(change).items() if value is not None}
    if saved is None:
        if not given.get("title") or not given.get("base_url"):
            raise InputError(
                "a new feed needs --title and --base-url (later runs read them from feed.toml)"
            )
        settings = FeedSettings(**given)
    else:
        settings = replace(saved, **given)
    if not settings.title.strip():
        raise InputError("--title is empty; give the podcast a name")
    check_base_url(settings.base_url)
    if settings.owner_email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", settings.owner_email):
        raise InputError(f"--owner-email {settings.owner_email!r} is not an e-mail address, e.g. me@example.org")
    return settings


def save_settings(folder: Path, settings: FeedSettings) -> None:
    """Write feed.toml (atomically), leaving out unset values."""
    import tomli_w

    data = {key: value for key, value in asdict(settings).items() if value is not None}
    text = "# Settings of this podcast feed folder; edit them or pass options to `feed`.\n" + tomli_w.dumps(data)
    path = folder / SETTINGS_FILE
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    with atomic_output(path) as temp:
        temp.write_text(text, encoding="utf-8")
