"""Run the bad-input classes of docs/reliability.md and print its table.

    .venv/bin/python tests/bad_inputs.py > /tmp/table.md     (needs root for the tmpfs cases)
    .venv/bin/python tests/bad_inputs.py 18 79               (only those rows)

Each class is one shell command run in a fresh folder ($D) under memory, CPU and time
limits; the table shows the command, the exit code and the last line on stderr. Commands
use the fake engine, so the table takes a couple of minutes, not the speech.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "tests" / "articles" / "port-strike-talks.txt"

SETUP = f"""
set -e
cp {ARTICLE} a.txt
printf 'Title\\n\\nSome words.\\n' > short.txt
{sys.executable} - <<'PY'
import struct, zlib
def chunk(k, b): return struct.pack('>I', len(b)) + k + b + struct.pack('>I', zlib.crc32(k + b))
def png(w, h, body=b''):
    return (b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
            + (chunk(b'IDAT', body) if body else b'') + chunk(b'IEND', b''))
open('bomb.png', 'wb').write(png(100000, 100000, zlib.compress(bytes(1 << 22), 9)))
open('head.png', 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n')
open('bin.dat', 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n\\0\\0\\0\\rIHDR' + bytes(64))
lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
lines += [f"{{c}}: &{{c}} [" + ",".join(["*" + p] * 9) + "]" for p, c in zip("abcdefgh", "bcdefghi")]
open('bomb.md', 'w').write("---\\n" + "\\n".join(lines) + "\\ntitle: *i\\n---\\n\\n# Hello\\n\\nText.\\n")
open('deep.toml', 'w').write("x = " + "[" * 10000 + "]" * 10000 + "\\n")
open('deep-lexicon.toml', 'w').write("a = " + "{{ b = " * 3000 + "1" + " }}" * 3000 + "\\n")
open('utf16.txt', 'wb').write("Titre\\n\\nUn café à l’été.\\n".encode('utf-16'))
open('utf32.txt', 'wb').write("Titre\\n\\nUn café à l’été.\\n".encode('utf-32'))
open('quotes.md', 'w').write("# Deep\\n\\n" + "> " * 20 + "twenty levels down\\n")
open('lists.md', 'w').write("# Lists\\n\\n" + "".join("  " * i + f"- level {{i}} words\\n" for i in range(12)))
open('long.txt', 'w').write("Long\\n\\n" + "\\n\\n".join(f"Paragraph {{i}} says words, one by one." for i in range(400)))
PY
"""

CASES: list[tuple[str, str]] = [
    # Input files
    ("missing file", "aa convert nope.txt"),
    ("folder with no articles", "mkdir -p empty && aa convert empty"),
    ("empty file", ": > e.txt && aa convert e.txt"),
    ("whitespace only", "printf ' \\n\\t\\n' > w.txt && aa convert w.txt"),
    ("binary file named .txt (PNG)", "cp bin.dat img.txt && aa convert img.txt"),
    ("8 bytes of PNG signature named .txt", "cp head.png sig.txt && aa convert sig.txt --engine fake"),
    ("NUL bytes in text", "printf 'A\\0B\\n\\nC\\n' > nul.txt && aa convert nul.txt"),
    ("Windows-1252 text", "printf 'Caf\\xe9\\n\\nD\\xe9j\\xe0 vu.\\n' > l1.txt && aa convert l1.txt --engine fake"),
    ("not UTF-8, not Windows-1252", "head -c 3000 /dev/urandom > r.txt && aa convert r.txt"),
    ("UTF-16 with BOM", "aa convert utf16.txt --engine fake"),
    ("UTF-32 with BOM", "aa convert utf32.txt --engine fake"),
    ("over --max-size", "aa convert a.txt --max-size 1k"),
    ("--max-size nonsense", "aa convert a.txt --max-size lots"),
    ("/dev/zero as the article", "aa convert /dev/zero -o z.mp3"),
    ("/dev/zero behind a .html symlink", "ln -s /dev/zero z.html && aa inspect z.html"),
    ("/dev/null as the article", "aa convert /dev/null -o n.mp3"),
    ("/dev/urandom as the article", "aa convert /dev/urandom -o u.mp3 --max-size 1MB"),
    ("FIFO with no writer (30 s wait)", "mkfifo f.txt && aa convert f.txt -o f.mp3"),
    ("FIFO fed 30 MB", "mkfifo g.txt && (head -c 30000000 /dev/zero | tr '\\0' a > g.txt &) && aa convert g.txt -o g.mp3"),
    ("FIFO fed an article (<(cat a.txt))", "aa inspect <(cat a.txt) --engine fake | head -1"),
    ("symbolic link loop", "ln -s l2.txt l1.txt && ln -s l1.txt l2.txt && aa convert l1.txt"),
    ("dangling symbolic link", "ln -s gone.txt d.txt && aa convert d.txt"),
    ("nothing left after clutter", "printf 'Advertisement\\n\\nShare this article\\n' > ads.txt && aa convert ads.txt --engine fake"),
    ("Markdown with only a code block", "printf '```\\nx = 1\\n```\\n' > code.md && aa convert code.md --engine fake"),
    ("YAML alias bomb (372 bytes)", "aa inspect bomb.md"),
    ("YAML nested 5,000 deep", "(printf -- '---\\ntitle: T\\nx: '; head -c 5000 /dev/zero | tr '\\0' '['; printf '\\n---\\n\\nBody.\\n') > y.md && aa inspect y.md --engine fake | head -1"),
    ("YAML title with ESC and BEL", "printf -- '---\\ntitle: \"Red \\\\e[31m\\\\a\"\\n---\\n\\nBody.\\n' > esc.md && aa convert esc.md --engine fake"),
    ("20 levels of >", "aa convert quotes.md --engine fake"),
    ("12 levels of nested lists", "aa convert lists.md --engine fake"),
    ("HTML page with no text", "printf '<html><body><script>x()</script></body></html>' > p.html && aa convert p.html"),
    ("empty standard input", "aa convert - -o s.mp3 < /dev/null"),
    ("30 MB on standard input", "head -c 30000000 /dev/zero | tr '\\0' a | aa convert - -o s.mp3"),
    ("UTF-16 on standard input", "aa convert - -o s16.mp3 --engine fake < utf16.txt"),
    ("URL not cached with --offline", "aa convert https://example.invalid/a.html --offline"),
    ("--urls list with a non-URL", "printf 'https://x.org/a\\nnot a url\\n' > u.txt && aa feed --urls u.txt -o fd --title T --base-url https://x.org/p"),
    ("--urls list is /dev/zero", "aa feed --urls /dev/zero -o fd --title T --base-url https://x.org/p"),
    # Outputs
    ("output is the input (.mp3 named text)", "cp a.txt story.mp3 && aa convert story.mp3 -o story.mp3 --engine fake"),
    ("output is the input, --format mp3", "aa convert a.txt -o a.txt --format mp3 --engine fake"),
    ("output is the input through a symlink", "ln -s a.txt al.txt && aa convert al.txt -o a.txt -f mp3 --engine fake"),
    ("output is /dev/null", "aa convert a.txt -o /dev/null --format mp3 --engine fake"),
    ("output is a FIFO", "mkfifo out.mp3 && aa convert a.txt -o out.mp3 --engine fake"),
    ("output folder missing", "aa convert a.txt -o no/such/x.mp3 --engine fake"),
    ("unknown output format", "aa convert a.txt -o x.flac --engine fake"),
    ("two converts to one output", "aax convert long.txt -o same.mp3 --engine fake -j 1 2>/dev/null & sleep 1.5; aa convert long.txt -o same.mp3 --engine fake 2>log; r=$?; wait; head -1 log >&2; tail -1 log >&2; exit $r"),
    ("full disk, MP3", "mkdir disk && mount -t tmpfs -o size=128k tmpfs disk && aa convert a.txt -o disk/x.mp3 --engine fake --no-cache; r=$?; umount disk; exit $r"),
    ("full disk, WAV", "mkdir disk && mount -t tmpfs -o size=128k tmpfs disk && aa convert a.txt -o disk/x.wav --engine fake --no-cache; r=$?; umount disk; exit $r"),
    ("full disk, Opus", "mkdir disk && mount -t tmpfs -o size=128k tmpfs disk && aa convert a.txt -o disk/x.opus --engine fake --no-cache; r=$?; umount disk; exit $r"),
    ("full disk, M4B (ffmpeg exits 0)", "mkdir disk && mount -t tmpfs -o size=128k tmpfs disk && aa convert a.txt -o disk/x.m4b --engine fake --no-cache; r=$?; umount disk; exit $r"),
    ("full disk under the clip cache", "mkdir disk && mount -t tmpfs -o size=128k tmpfs disk && AUDIO_ARTICLES_CACHE=disk/c aa convert a.txt -o c.mp3 --engine fake 2>log; r=$?; umount disk; head -1 log >&2; exit $r"),
    # Options
    ("--bitrate 500", "aa convert a.txt --bitrate 500"),
    ("--bitrate 320 with Opus", "aa convert a.txt -o x.opus --bitrate 320 --engine fake"),
    ("--jobs 0", "aa convert a.txt --jobs 0"),
    ("--jobs 100 (capped at the cores)", "aa convert a.txt -o j.mp3 --jobs 100 --engine fake"),
    ("--format flac", "aa convert a.txt --format flac --engine fake"),
    ("--sample-rate 12345", "aa convert a.txt --sample-rate 12345 --engine fake"),
    ("--rate 20", "aa convert a.txt --rate 20"),
    ("--loudness loud", "aa convert a.txt --loudness loud"),
    ("unknown option", "aa convert a.txt --colour blue"),
    ("unknown command", "aa convrt a.txt"),
    ("--cover that is only a PNG header", "aa convert a.txt --cover head.png --engine fake"),
    ("--cover PNG bomb (100,000 px a side)", "aa convert a.txt --cover bomb.png --engine fake"),
    ("--cover GIF", "printf 'GIF89a....' > c.gif && aa convert a.txt --cover c.gif --engine fake"),
    ("--cover /dev/zero", "aa convert a.txt --cover /dev/zero --engine fake"),
    ("--voices missing profile", "aa convert a.txt --voices nosuch --engine fake"),
    ("--voices TOML nested 10,000 deep", "aa inspect a.txt --voices deep.toml --engine fake"),
    ("outro reaching __globals__", "printf 'outro = \"{title.__class__.__init__.__globals__}\"\\n[defaults]\\nvoice = \"gmw/en-us\"\\n' > o.toml && aa inspect a.txt --voices o.toml --engine fake"),
    ("outro padding {title:>9999999999}", "printf 'outro = \"{title:>9999999999}\"\\n[defaults]\\nvoice = \"gmw/en-us\"\\n' > o2.toml && aa inspect a.txt --voices o2.toml --engine fake"),
    ("--lexicon TOML nested 3,000 deep", "aa inspect a.txt --lexicon deep-lexicon.toml --engine fake"),
    ("--lexicon /dev/zero", "aa inspect a.txt --lexicon /dev/zero --engine fake"),
    # Feeds
    ("feed --base-url not a URL", "aa feed a.txt -o fd --title T --base-url example.org/pod"),
    ("feed --base-url with a query", "aa feed a.txt -o fd --title T --base-url 'https://x.org/p?a=1'"),
    ("feed --base-url https://[::1", "aa feed a.txt -o fd --title T --base-url 'https://[::1'"),
    ("feed without --title the first time", "aa feed a.txt -o fd"),
    ("feed --image only a PNG header", "aa feed a.txt -o fd --title T --base-url https://x.org/p --image head.png --engine fake"),
    ("feed with one bad article", "mkdir src && cp a.txt src/ && cp bin.dat src/bad.txt && aa feed src -o fd --title T --base-url https://x.org/p --engine fake >/dev/null"),
    ("feed: a file and a symlink to it", "mkdir s2 && cp a.txt s2/ && ln -s a.txt s2/b.txt && aa feed s2 -o fd2 --title T --base-url https://x.org/p --engine fake >/dev/null"),
    ("feed.toml nested 10,000 deep", "mkdir fd3 && cp deep.toml fd3/feed.toml && aa feed a.txt -o fd3 --engine fake"),
    # Signals
    ("SIGTERM during convert", "aax convert long.txt -o t.mp3 --engine fake --no-cache -j 1 & sleep 2; kill -TERM $!; wait $!; r=$?; ls; exit $r"),
    ("SIGINT during convert", "timeout --preserve-status -s INT 2 $PY -m audio_articles convert long.txt -o i.mp3 --engine fake --no-cache -j 1; r=$?; ls; exit $r"),
]


def _limits() -> None:
    limit = 2 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (120, 120))


def run_case(command: str, folder: Path) -> tuple[int, str, float]:
    alias = f'aa() {{ {sys.executable} -m audio_articles "$@"; }}; aax() {{ exec {sys.executable} -m audio_articles "$@"; }}; PY={sys.executable}; cd {folder}; '
    started = time.monotonic()
    try:
        done = subprocess.run(
            ["bash", "-c", alias + command], capture_output=True, text=True, timeout=120, cwd=ROOT,
            preexec_fn=_limits, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return -1, "(timed out after 120 s)", 120.0
    lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return done.returncode, last.replace(str(folder) + "/", "").replace(str(folder), "$D"), time.monotonic() - started


def main() -> None:
    print("| # | bad input | command (`aa` = `audio-articles`; `aax` the same by `exec`, so `$!` is its process) | exit | result (last line on stderr) | s |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="bad-inputs-") as base:
        wanted = {int(arg) for arg in sys.argv[1:]}
        for number, (name, command) in enumerate(CASES, 1):
            if wanted and number not in wanted:
                continue
            folder = Path(base) / f"case{number}"
            folder.mkdir()
            subprocess.run(["bash", "-c", SETUP], cwd=folder, check=True, capture_output=True)
            code, last, seconds = run_case(command, folder)
            shown = last if len(last) <= 220 else last[:217] + "…"
            cell = shown.replace("|", "\\|")
            shown_command = command.replace("|", "\\|")
            shown_command = f"`` {shown_command} ``" if "`" in command else f"`{shown_command}`"
            print(f"| {number} | {name} | {shown_command} | {code} | {cell} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
