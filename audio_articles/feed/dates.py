"""Publication dates: the article's own date when it has one, in RFC 2822 for RSS."""

from __future__ import annotations

import email.utils
import re
from datetime import datetime, timezone

_WRITTEN_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")


def parse_date(text: str | None) -> datetime | None:
    """An article's date (ISO 8601, RFC 2822 or "Feb. 9, 2024") as an aware UTC datetime.

    Dates without a time are taken as midnight UTC; times without a zone as UTC.

    >>> parse_date("2024-02-09")
    datetime.datetime(2024, 2, 9, 0, 0, tzinfo=datetime.timezone.utc)
    >>> parse_date("2024-02-09T14:30:00+01:00").isoformat()
    '2024-02-09T13:30:00+00:00'
    >>> parse_date("Fri, 09 Feb 2024 10:00:00 GMT").isoformat()
    '2024-02-09T10:00:00+00:00'
    >>> parse_date("Feb. 9, 2024").date().isoformat()
    '2024-02-09'
    >>> parse_date("sometime last week") is None
    True
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    parsed = _iso(text) or _rfc2822(text) or _written(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _written(text: str) -> datetime | None:
    cleaned = re.sub(r"\b([A-Za-z]{3,})\.", r"\1", text)  # "Feb." -> "Feb"
    cleaned = cleaned.replace("Sept ", "Sep ")
    for form in _WRITTEN_FORMATS:
        try:
            return datetime.strptime(cleaned, form)
        except ValueError:
            continue
    return None


def rfc2822(moment: datetime) -> str:
    """A datetime as an RSS pubDate.

    >>> rfc2822(datetime(2024, 2, 9, 13, 30, tzinfo=timezone.utc))
    'Fri, 09 Feb 2024 13:30:00 +0000'
    """
    return email.utils.format_datetime(moment.astimezone(timezone.utc))


def duration_clock(ms: int, short: bool = False) -> str:
    """A duration as H:MM:SS for itunes:duration, or (``short``) M:SS under an hour for
    the index page: one rounding rule (to the nearest second), so the two agree.

    >>> duration_clock(3_725_400), duration_clock(59_600), duration_clock(499_600, short=True)
    ('1:02:05', '0:01:00', '8:20')
    """
    total = round(ms / 1000)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if short and not hours:
        return f"{minutes}:{secs:02d}"
    return f"{hours}:{minutes:02d}:{secs:02d}"
