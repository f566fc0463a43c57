"""Speech-ready text: each step as input -> output pairs, then the pipelines per language."""

from __future__ import annotations

import pytest

from audio_articles.speech import normalize as n


@pytest.mark.parametrize(
    "fn, written, spoken",
    [
        (n.fold_whitespace, "a\n\n b\t c", "a b c"),
        (n.drop_emoji, "Launch day 🚀🎉!", "Launch day!"),
        (n.drop_emoji, "Flags 🇫🇷 and hearts ❤️ go", "Flags and hearts go"),
        (n.speak_urls, "See https://www.nasa.gov/news/x.html today", "See nasa dot gov today"),
        (n.speak_urls, "at http://example.org.", "at example dot org."),
        (n.speak_urls, "Visit www.bbc.co.uk/news?id=3, then", "Visit bbc dot co dot uk, then"),
        (n.speak_emails, "Write to press@city.gov.", "Write to press at city dot gov."),
        (n.drop_links, "More at https://nasa.gov/x (or mail a@b.org).", "More at (or mail)."),
        (n.expand_abbreviations, "Dr. Ana Ruiz and Gov. Newsom", "Doctor Ana Ruiz and Governor Newsom"),
        (n.expand_abbreviations, "Prof. Lee met Sen. Warren and Mr. Jones", "Professor Lee met Senator Warren and Mister Jones"),
        (n.expand_abbreviations, "on Feb. 3 and Sept. 11", "on February 3 and September 11"),
        (n.expand_abbreviations, "It ended in Feb. Then it rained.", "It ended in February. Then it rained."),
        (n.expand_abbreviations, "Acme Corp. vs. the city", "Acme Corporation versus the city"),
        (n.expand_abbreviations, "i.e. the No. 5 bus", "that is the number 5 bus"),
        (n.expand_abbreviations, "a Ph.D. student", "a PhD student"),
        (n.expand_abbreviations, "at 12 Main St. in Paris", "at 12 Main Street in Paris"),
        (n.expand_abbreviations, "on Elm St. The fire spread", "on Elm Street. The fire spread"),
        (n.expand_abbreviations, "on 5th Ave., then Mulholland Dr.", "on 5th Avenue, then Mulholland Drive."),
        (n.expand_abbreviations, "Then St. Louis won", "Then Saint Louis won"),
        (n.expand_abbreviations, "As Dr. Smith said", "As Doctor Smith said"),
        (n.expand_abbreviations, "the U.S. and e.g. Canada", "the U.S. and e.g. Canada"),  # espeak-ng reads these right
        (n.join_initials, "President V.V. Putin invited", "President V.V Putin invited"),
        (n.join_initials, "George W. Bush said", "George W Bush said"),
        (n.join_initials, "J. R. R. Tolkien wrote", "J R R Tolkien wrote"),
        (n.join_initials, "U.S. officials said", "U.S officials said"),
        (n.join_initials, "back to the U.S. The next day", "back to the U.S. The next day"),
        (n.join_initials, "Plan B. Then it rained.", "Plan B. Then it rained."),
        (n.speak_times, "at 8:36 a.m. EDT", "at 8:36 a.m. Eastern Daylight Time"),
        (n.speak_times, "by 12:00", "by 12 o'clock"),
        (n.speak_times, "at 9:00 p.m.", "at 9 p.m."),
        (n.speak_times, "at 8:05", "at 8 oh 5"),
        (n.speak_times, "EST is a time zone", "EST is a time zone"),  # no clock time before it
        (n.speak_currency, "a $4.6 billion deal", "a 4.6 billion dollar deal"),
        (n.speak_currency, "spent $4.6 billion on", "spent 4.6 billion dollars on"),
        (n.speak_currency, "a $1.50 fee", "a 1.50 dollar fee"),
        (n.speak_currency, "costs $1.50", "costs 1 dollar 50 cents"),
        (n.speak_currency, "costs $2.01", "costs 2 dollars 1 cent"),
        (n.speak_currency, "only $0.99", "only 99 cents"),
        (n.speak_currency, "$1,500 each", "1,500 dollars each"),
        (n.speak_currency, "2000 USD", "2000 US dollars"),
        (n.speak_currency, "€20 and £5.25", "20 euros and 5 pounds 25 pence"),
        (n.speak_currency, "$3m and $2bn", "3 million dollars and 2 billion dollars"),
        (n.speak_ranges, "in 2020–2021", "in 2020 to 2021"),
        (n.speak_ranges, "6-12 months", "6 to 12 months"),
        (n.speak_ranges, "pages 6 – 12", "pages 6 to 12"),
        (n.speak_ranges, "call 555-123-4567", "call 555-123-4567"),
        (n.speak_ranges, "on 2024-01-05", "on 2024-01-05"),
        (n.speak_ranges, "COVID-19 cases", "COVID-19 cases"),
        (n.speak_decades, "the 1990s and the ’80s", "the nineteen nineties and the eighties"),
        (n.speak_decades, "the 2000s and 2020s", "the two thousands and twenty twenties"),
        (n.speak_units, "a 10 km run, 5kg", "a 10 kilometres run, 5 kilograms"),
        (n.speak_units, "at 90 km/h.", "at 90 kilometres per hour."),
        (n.speak_units, "the km mark", "the km mark"),  # only after a number
        (n.speak_symbols, "the #1 seed", "the number 1 seed"),
        (n.speak_symbols, "and/or his/her", "and or his or her"),
        (n.speak_symbols, "24/7 and 9/11", "24/7 and 9/11"),  # espeak-ng says these right
        (n.dashes_as_pauses, "The plan — if it works — is bold", "The plan, if it works, is bold"),
        (n.dashes_as_pauses, "well-known", "well-known"),
    ],
)
def test_step(fn, written, spoken):
    assert fn(written) == spoken


def test_english_pipeline_in_order():
    text = "Gov. Newsom said — at 8:00 a.m. EDT — the $4.6 billion plan runs 2020–2021 🎉. See https://ca.gov/plan."
    assert n.speech_ready(text) == (
        "Governor Newsom said, at 8 a.m. Eastern Daylight Time, the 4.6 billion dollars plan runs"
        " 2020 to 2021. See ca dot gov."
    )


def test_french_text_never_gets_english_rules():
    text = "Le Dr. Martin a payé 5 $ le 3 févr. — voir https://www.insee.fr/x 🎉"
    spoken = n.speech_ready(text, language="fr")
    assert spoken == "Le Dr. Martin a payé 5 $ le 3 févr., voir insee.fr"
    assert "Doctor" not in spoken and "dollar" not in spoken and " dot " not in spoken


def test_regional_english_uses_english_rules():
    assert n.speech_ready("$5", language="en-GB") == "5 dollars"


def test_urls_can_be_dropped_in_any_language():
    assert n.speech_ready("Read https://nasa.gov/x now.", urls="drop") == "Read now."
    assert n.speech_ready("Lire https://insee.fr/x ou a@b.fr.", language="fr", urls="drop") == "Lire ou."


def test_pipeline_for_lists_steps():
    assert n.pipeline_for("en") == n.ENGLISH
    assert n.pipeline_for("ja") == n.NEUTRAL
    assert [fn.__name__ for fn in n.pipeline_for("de")][2] == "read_addresses_de"


def test_addresses_and_handles_are_read_in_french_german_spanish():
    assert n.speech_ready("Contact : presse@ville.fr, @Mairie", language="fr") == "Contact: presse arobase ville point fr, Mairie"
    assert n.speech_ready("Kontakt: info [at] amt [dot] de", language="de") == "Kontakt: info at amt Punkt de"
    assert n.speech_ready("Escriba a prensa@gob.es", language="es") == "Escriba a prensa arroba gob punto es"
    assert n.speak_urls not in n.pipeline_for("en", urls="drop")


@pytest.mark.parametrize(
    "module",
    ["normalize", "language", "lexicon", "voices", "resolve"],
)
def test_doctests(module):
    """The examples in the speech modules' docstrings hold."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"audio_articles.speech.{module}"))
    assert result.failed == 0
