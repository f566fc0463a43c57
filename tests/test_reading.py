"""Reading article files: encodings, line ends, control characters, size and binary checks."""

from __future__ import annotations

import logging

import pytest

from audio_articles.errors import InputError
from audio_articles.files import DEFAULT_MAX_BYTES, clean_text, parse_size, read_article_text


def write(tmp_path, data: bytes):
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    return path


def test_utf8_with_bom_and_crlf(tmp_path):
    path = write(tmp_path, "\ufeffHeadline\r\n\r\nCafé “quoted” text.\r\n".encode("utf-8"))
    assert read_article_text(path) == "Headline\n\nCafé “quoted” text.\n"


def test_old_mac_line_ends(tmp_path):
    assert read_article_text(write(tmp_path, b"Headline\r\rBody.\r")) == "Headline\n\nBody.\n"


def test_windows_1252_is_read_with_a_warning(tmp_path, caplog):
    path = write(tmp_path, "Café News\n\nThe café opened “today” – at last.\n".encode("cp1252"))
    with caplog.at_level(logging.WARNING):
        text = read_article_text(path)
    assert text == "Café News\n\nThe café opened “today” – at last.\n"
    assert "not UTF-8" in caplog.text and "Windows-1252" in caplog.text


def test_text_in_another_legacy_encoding_is_refused(tmp_path):
    # Shift-JIS: mostly high bytes, so reading it as Windows-1252 would be a guess.
    path = write(tmp_path, "東京の図書館が再開した。".encode("shift_jis") * 3)
    with pytest.raises(InputError, match="not UTF-8.*save it as UTF-8"):
        read_article_text(path)


def test_bytes_undefined_in_windows_1252_are_refused(tmp_path):
    with pytest.raises(InputError, match="not UTF-8"):
        read_article_text(write(tmp_path, b"Headline\n\nBody \x81 text\n"))


def test_control_characters_are_removed_and_form_feeds_break_paragraphs():
    assert clean_text("One\x07 bell\x1b.\fTwo\x85 three\x7f.") == "One bell.\n\nTwo three."


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b" \n\t\n  \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"\x00\x00Headline", "binary"),
    ],
    ids=["empty", "whitespace", "png", "nul"],
)
def test_unusable_files(tmp_path, data, message):
    with pytest.raises(InputError, match=message):
        read_article_text(write(tmp_path, data))


def test_size_limit_names_the_option(tmp_path):
    path = write(tmp_path, b"Headline\n\n" + b"word " * 300)
    with pytest.raises(InputError, match=r"over the 1.0 KiB limit; raise it with --max-size"):
        read_article_text(path, max_bytes=1024)
    assert read_article_text(path, max_bytes=parse_size("2k")).startswith("Headline")
    assert DEFAULT_MAX_BYTES >= 10 * 1024 * 1024


def test_parse_size_refuses_nonsense():
    with pytest.raises(InputError, match="not understood"):
        parse_size("lots")
