"""Safety properties that hold for any input: slugs stay inside the feed folder, and
programs are run with argument lists, never through a shell."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from audio_articles.feed.slugs import slugify, unique_slug

PACKAGE = Path(__file__).resolve().parents[1] / "audio_articles"


@given(st.text(max_size=200))
def test_fuzz_slugs_are_plain_names_inside_the_folder(title):
    # unique_slug names the files; slugify may come out empty, and then it falls back.
    for taken in (set(), {slugify(title)}):
        slug = unique_slug(title, "0f1e2d3c-guid", taken)
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug), slug
        folder = Path("/feed/episodes")
        assert (folder / f"{slug}.mp3").resolve().parent == folder


def test_titles_that_try_to_escape_get_plain_slugs():
    for title in ("../../etc/passwd", "/absolute/path", "..", ".hidden", "a/b\\c", "\x00"):
        slug = slugify(title)
        assert "/" not in slug and "\\" not in slug and not slug.startswith(".")


def test_no_program_is_run_through_a_shell():
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in PACKAGE.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"shell\s*=\s*True|os\.system\(|os\.popen\(", line)
    ]
    assert offenders == []
