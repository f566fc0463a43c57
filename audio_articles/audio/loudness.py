"""Loudness per ITU-R BS.1770, measured without holding the programme in memory.

Each clip is measured once, on its own, as soon as it is rendered (``ClipLevels``): the
part that will be kept, K-weighted, its energy summed per 100 ms, and its peaks. Placed
in the programme, the clips' energies add up into the programme's 100 ms bins (four bins
make one 400 ms gating block, stepped by 100 ms as BS.1770 asks). Silence between clips
contributes empty bins, which the absolute gate removes anyway, so the result is that of
a measurement of the whole programme, while memory is one float per 100 ms (≈ 3 MB for
ten hours). The K-weighting filter restarts at each clip, which is exact after the
silence that precedes every clip.

From the measurement come two decisions, both plain data so every encode path applies
them the same way:

- a balance gain per segment kind (quotes as loud as the body), applied clip by clip
  while streaming (``Placement.gain_db``), never a boost, so 16-bit PCM cannot clip;
- ONE programme gain to reach the target, applied by ffmpeg in floating point, followed
  by a true-peak limiter (4× oversampled) only when the peaks would pass −1 dBTP.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..model import Clip, ClipLevels, SegmentKind, SpeechJob
from .assemble import Placement, audible_bounds, kept_audio, read_samples
from .dsp import lfilter, lowpass, upsampled

TARGET_MONO_LUFS = -19.0
"""Podcast target for mono programmes."""
TARGET_STEREO_LUFS = -16.0
"""Podcast target for stereo programmes."""
TRUE_PEAK_CEILING_DBTP = -1.0
"""No sample of the decoded output may exceed this, oversampled."""
LIMITER_CEILING_DBTP = -2.0
"""Where the limiter holds peaks for MP3: 1 dB under the ceiling leaves room for the
overshoot the encoder adds (AAC and Opus need more; see ``formats.py``)."""
ALIMITER_LEVELS = (0.015625, 64.0)
"""The input levels ffmpeg's ``alimiter`` accepts (−36 to +36 dB)."""
OVERSAMPLING = 4
"""True peak is estimated at four times the sample rate, as BS.1770 annex 2 does."""
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
MAX_BALANCE_DB = 20.0
"""A kind is never moved by more than this to match the body (a guard against clips
too short to measure well)."""
SILENT = float("-inf")


def target_for(channels: int) -> float:
    """The podcast target for a channel count.

    >>> target_for(1), target_for(2)
    (-19.0, -16.0)
    """
    return TARGET_STEREO_LUFS if channels >= 2 else TARGET_MONO_LUFS


def k_weighting(rate: int) -> np.ndarray:
    """BS.1770's K-weighting (high shelf + high pass) as second-order sections for ``rate``.

    The coefficients are derived for any rate from the filter's analogue parameters; at
    48 kHz they equal the ones printed in the standard.
    """
    # Stage 1: the head's acoustic effect, a +4 dB shelf above ≈ 1.7 kHz.
    k = math.tan(math.pi * 1681.974450955533 / rate)
    q = 0.7071752369554196
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
        1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0,
    ]  # fmt: skip
    # Stage 2: the RLB high pass at ≈ 38 Hz.
    k = math.tan(math.pi * 38.13547087602444 / rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, highpass])


@functools.cache
def k_weighting_polynomials(rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The K-weighting's two sections as one fourth-order filter (numerator, denominator).

    Run as one ``lfilter``, it gives the cascade's output to ≈ 1e-12 of full scale, and
    it keeps its speed in speech: the cascade (``sosfilt``) runs its state into subnormal
    numbers through every silence, which made it 2.6× slower on espeak-ng's clips.
    """
    shelf, highpass = k_weighting(rate)
    return np.convolve(shelf[:3], highpass[:3]), np.convolve(shelf[3:], highpass[3:])


def bin_frames(rate: int) -> int:
    """Frames in one 100 ms bin."""
    return round(rate / 10)


def weighted_energies(samples: np.ndarray, rate: int) -> np.ndarray:
    """Sum of squared K-weighted samples per 100 ms bin, the first bin starting at the
    first sample (the filter starts at rest, exact after the silence before every clip)."""
    step = bin_frames(rate)
    squared = lfilter(*k_weighting_polynomials(rate), samples)
    np.square(squared, out=squared)
    whole = len(squared) // step * step
    energies = squared[:whole].reshape(-1, step).sum(axis=1)
    return np.append(energies, squared[whole:].sum()) if whole < len(squared) or not whole else energies


def measure_clip(clip: Clip) -> ClipLevels:
    """Measure one clip: its bounds, then the audio that will be streamed of it."""
    samples = read_samples(clip)
    rate = clip.sample_rate
    keep_start, keep_end, loud_start, loud_end = audible_bounds(samples, rate)
    audio = kept_audio(samples, keep_start, keep_end, rate)
    sample_peak, peak = peaks(audio)
    return ClipLevels(
        clip.frames, rate, keep_start, keep_end, loud_start, loud_end,
        weighted_energies(audio, rate), peak, sample_peak,
    )  # fmt: skip


PEAK_BLOCK = 256
"""Samples per block when looking for the blocks worth oversampling."""
PEAK_CONTEXT = 32
"""Samples of context on each side of an oversampled run (the resampling filter spans 10)."""
PEAK_MARGIN = 10 ** (-3 / 20)
"""Blocks whose samples stay this far (3 dB) under the clip's highest sample are not
oversampled: between its samples, speech rises ≈ 0.2 dB above them at most (measured on
an hour of espeak-ng), and only energy piled near the Nyquist frequency could reach 3 dB."""


def _interpolator(oversampling: int) -> np.ndarray:
    """The low-pass filter ``resample_poly`` designs for itself."""
    return lowpass(20 * oversampling + 1, 1 / oversampling, 5.0)


def peaks(samples: np.ndarray, oversampling: int = OVERSAMPLING) -> tuple[float, float]:
    """(sample peak, true peak): the highest absolute sample, and the highest absolute
    value of the signal oversampled ``oversampling`` times.

    Only the blocks whose own samples come within 3 dB of the clip's highest sample are
    oversampled (runs of them at once, with context; see ``PEAK_MARGIN``): about one block
    in twenty in speech. Oversampling whole clips gave the same value on every clip of an
    hour of speech, for ten times the work.

    >>> import numpy as np
    >>> from scipy.signal import resample_poly
    >>> t = np.arange(22050)
    >>> tone = np.hanning(22050) * np.sin(2 * np.pi * 5512.5 * t / 22050 + np.pi / 4)  # samples miss the crests
    >>> sample_peak, true_peak = peaks(tone)
    >>> round(sample_peak, 2), round(true_peak, 2)
    (0.71, 1.0)
    >>> bool(abs(true_peak - np.max(np.abs(resample_poly(tone, 4, 1)))) < 1e-12)
    True
    >>> peaks(np.zeros(10)), peaks(np.zeros(0)), peaks(np.array([0.25, -0.5, 0.25]))[0]
    ((0.0, 0.0), (0.0, 0.0), 0.5)
    """
    if not len(samples):
        return 0.0, 0.0
    magnitude = np.abs(samples)
    whole = len(samples) // PEAK_BLOCK * PEAK_BLOCK
    block_peaks = magnitude[:whole].reshape(-1, PEAK_BLOCK).max(axis=1)
    if whole < len(samples):
        block_peaks = np.append(block_peaks, magnitude[whole:].max())
    highest = float(block_peaks.max())
    if not highest > 0:
        return 0.0, 0.0
    loud = block_peaks >= highest * PEAK_MARGIN
    edges = np.flatnonzero(np.diff(np.concatenate([[0], loud.astype(np.int8), [0]])))
    # The runs, each with its context, are joined and oversampled in one call; the
    # context keeps every run's own samples clear of its neighbours' influence.
    pieces, inner = [], []
    offset = 0
    for first, stop in zip(edges[::2], edges[1::2]):
        start, end = first * PEAK_BLOCK, min(len(samples), stop * PEAK_BLOCK)
        lo, hi = max(0, start - PEAK_CONTEXT), min(len(samples), end + PEAK_CONTEXT)
        pieces.append(samples[lo:hi])
        inner.append((offset + start - lo, offset + end - lo))
        offset += hi - lo
    fine = np.abs(upsampled(np.concatenate(pieces), oversampling, _interpolator(oversampling)))
    return highest, max(float(fine[a * oversampling : b * oversampling].max()) for a, b in inner)


def gated_loudness(energies: np.ndarray, step: int) -> float:
    """Integrated loudness (LUFS, mono) of a programme given its 100 ms bin energies.

    >>> import numpy as np
    >>> tone = np.full(50, 0.5 * 0.1 ** 2 * 100)  # 5 s of a 0.1-amplitude sine, 100-frame bins
    >>> round(gated_loudness(tone, 100), 2)
    -23.7
    >>> gated_loudness(np.zeros(50), 100)
    -inf
    """
    if len(energies) < 4:
        energies = np.concatenate([energies, np.zeros(4 - len(energies))])
    blocks = np.convolve(energies, np.ones(4), mode="valid") / (4 * step)
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10 * np.log10(blocks)
    above_absolute = blocks[block_lufs > ABSOLUTE_GATE_LUFS]
    if above_absolute.size == 0:
        return SILENT
    relative_gate = -0.691 + 10 * np.log10(above_absolute.mean()) + RELATIVE_GATE_LU
    kept = blocks[block_lufs > max(relative_gate, ABSOLUTE_GATE_LUFS)]
    return float(-0.691 + 10 * np.log10(kept.mean()))


@dataclass(frozen=True)
class PlacedLevels:
    """A clip's levels where the clip lies in the programme."""

    kind: SegmentKind | str
    """Balance group: the segment kind, or "jingle"."""
    start_frame: int
    """Where the clip's kept audio starts in the programme."""
    levels: ClipLevels


def programme_energies(placed: Sequence[PlacedLevels], gains_db: Sequence[float] | None = None) -> np.ndarray:
    """The programme's 100 ms bin energies, each clip scaled by its gain.

    A clip's bins count from its own first frame, so each clip is laid on the programme's
    bins from the one nearest its start: its energy moves by at most 50 ms, as if the
    clip were a little earlier or later. That changes the integrated loudness by
    hundredths of a LU, as little as moving the whole programme's gating grid does
    (sharing each bin between the two it overlaps instead blurs the clip's edges and was
    ten times further off; tests compare with the whole programme measured in one piece).
    """
    if not placed:
        return np.zeros(0)
    step = bin_frames(placed[0].levels.sample_rate)
    firsts = [(p.start_frame + step // 2) // step for p in placed]
    energies = np.zeros(max(first + len(p.levels.energies) for first, p in zip(firsts, placed)))
    for n, (first, p) in enumerate(zip(firsts, placed)):
        scale = 10 ** ((gains_db[n] if gains_db else 0.0) / 10)
        energies[first : first + len(p.levels.energies)] += scale * p.levels.energies
    return energies


def kind_loudness(placed: Sequence[PlacedLevels], step: int) -> dict[SegmentKind | str, float]:
    """Each kind's loudness, measured over its own clips in place (the rest silent)."""
    result = {}
    for kind in dict.fromkeys(p.kind for p in placed):
        result[kind] = gated_loudness(programme_energies([p for p in placed if p.kind == kind]), step)
    return result


def balance_gains(loudness: dict[SegmentKind, float]) -> dict[SegmentKind, float]:
    """Gain per kind that brings every kind to the body's loudness (or the loudest kind's,
    when there is no body), shifted so that no kind is boosted.

    >>> gains = balance_gains({SegmentKind.BODY: -20.0, SegmentKind.QUOTE: -26.0, SegmentKind.HEADLINE: -19.0})
    >>> [(str(kind), gain) for kind, gain in gains.items()]
    [('body', -6.0), ('quote', 0.0), ('headline', -7.0)]

    (The quote needs 6 dB more than the body: rather than boost it, the others are cut;
    the programme gain restores the level afterwards, in floating point.)
    """
    measured = {kind: value for kind, value in loudness.items() if value != SILENT}
    if not measured:
        return {kind: 0.0 for kind in loudness}
    reference = measured.get(SegmentKind.BODY, max(measured.values()))
    raw = {
        kind: max(-MAX_BALANCE_DB, min(MAX_BALANCE_DB, reference - value)) if value != SILENT else 0.0
        for kind, value in loudness.items()
    }
    # No boosts: the largest raw gain becomes 0 dB.
    top = max(raw.values())
    return {kind: gain - top if top > 0 else gain for kind, gain in raw.items()}


@dataclass(frozen=True)
class LoudnessPlan:
    """What to do to the programme's level; the same for every encode path."""

    target_lufs: float
    """Integrated loudness the output should have (as its channels are counted)."""
    measured_lufs: float
    """Loudness of the balanced programme before the programme gain (mono)."""
    gain_db: float
    """The one gain applied to the whole programme."""
    true_peak_dbtp: float
    """True peak the programme would reach with ``gain_db`` and no limiter."""
    kind_gains_db: dict[SegmentKind, float]
    """Balance gain applied to every clip of each kind before the programme gain."""
    overshoot_db: float = 0.0
    """How far any clip's true peak rises above its highest sample (≈ 0.2 dB for speech)."""

    def needs_limiter(self, ceiling_dbtp: float = LIMITER_CEILING_DBTP) -> bool:
        return self.true_peak_dbtp > ceiling_dbtp

    def filters(self, rate: int, ceiling_dbtp: float = LIMITER_CEILING_DBTP) -> list[str]:
        """ffmpeg audio filters (in order) applying the gain, and the limiter if needed.

        The limiter holds the samples under the ceiling less the measured overshoot, so
        the peaks between samples that a decoder reconstructs stay under the ceiling too
        (limiting at four times the rate gives the same result for five times the work:
        4 s instead of 0.8 s of CPU per hour). ``latency=1`` removes its look-ahead delay
        so the chapter times stay exact. Lossy codecs overshoot as well, so pass a lower
        ceiling for them (``AudioFormat.limiter_ceiling_dbtp``).
        """
        limit = self.needs_limiter(ceiling_dbtp)
        if not self.gain_db and not limit:
            return []
        gain = float(f"{self.gain_db:.3f}")
        volume = f"volume={gain:.3f}dB:precision=double"
        if not limit:
            return [volume]
        ceiling = 10 ** ((ceiling_dbtp - max(0.0, self.overshoot_db)) / 20)
        limiter = f"limit={max(ceiling, 0.0625):.5f}:attack=1:release=50:level=0:latency=1"
        level_in = 10 ** (gain / 20)
        if ALIMITER_LEVELS[0] <= level_in <= ALIMITER_LEVELS[1]:
            # The limiter applies the gain itself, in the same double precision: a filter
            # less in each encoder (≈ 2 % of its CPU time).
            return [f"alimiter=level_in={level_in!r}:{limiter}"]
        return [volume, f"alimiter={limiter}"]


def parse_target(text: str) -> float | None:
    """A ``--loudness`` value: LUFS as a number (the minus sign optional), or None for "off".

    >>> parse_target("-16"), parse_target("23"), parse_target("off")
    (-16.0, -23.0, None)
    """
    from ..errors import InputError

    cleaned = text.strip().lower().removesuffix("lufs").strip()
    if cleaned in ("off", "none", "no"):
        return None
    try:
        value = -abs(float(cleaned))
    except ValueError:
        raise InputError(f"--loudness {text!r} is not a number; give a target such as -16 (LUFS) or 'off'") from None
    if not -40.0 <= value <= -5.0:
        raise InputError(f"--loudness {text!r} is out of range; give a target from -40 to -5 LUFS, or 'off'")
    return value


def _db(value: float) -> float:
    return 20 * math.log10(value) if value > 0 else SILENT


def plan_loudness(placed: Sequence[PlacedLevels], channels: int = 1, target_lufs: float | None = None) -> LoudnessPlan:
    """Balance the kinds, then find the one gain that brings the programme to the target.

    Duplicating a mono programme into two channels adds 3 dB (BS.1770 sums the channels),
    so the gain is computed for the channel count the output will have.
    """
    target = target_for(channels) if target_lufs is None else target_lufs
    if not placed:
        return no_change(target_lufs)
    step = bin_frames(placed[0].levels.sample_rate)
    kind_gains = balance_gains(kind_loudness(placed, step))
    clip_gains = [kind_gains[p.kind] for p in placed]
    measured = gated_loudness(programme_energies(placed, clip_gains), step)
    if measured == SILENT:
        return LoudnessPlan(target, SILENT, 0.0, SILENT, kind_gains)
    channel_sum_db = 10 * math.log10(max(1, channels))
    gain = target - (measured + channel_sum_db)
    peak = max((_db(p.levels.true_peak) + g for p, g in zip(placed, clip_gains)), default=SILENT)
    overshoot = max(
        (_db(p.levels.true_peak) - _db(p.levels.sample_peak) for p in placed if p.levels.sample_peak > 0),
        default=0.0,
    )
    return LoudnessPlan(target, measured, gain, peak + gain, kind_gains, overshoot)


def no_change(target_lufs: float | None = None) -> LoudnessPlan:
    """A plan that leaves the level alone (normalization switched off)."""
    return LoudnessPlan(target_lufs if target_lufs is not None else SILENT, SILENT, 0.0, SILENT, {})



JINGLE = "jingle"
"""Balance group of the profile's jingles: music is levelled apart from the voices."""


def balance_group(job: SpeechJob) -> SegmentKind | str:
    """What a clip is balanced with: its segment kind, or the jingles' group (no text)."""
    return job.kind if job.text else JINGLE


def measure(placements: Sequence[Placement]) -> list[PlacedLevels]:
    """Levels of every placed clip: taken when the clip was rendered, else measured now
    (reading one clip at a time: exactly the audio ``pcm_chunks`` streams, before any gain)."""
    placed = []
    for p in placements:
        levels = p.clip.levels
        if levels is None or levels.bounds[:2] != (p.keep_start, p.keep_end):
            levels = measure_clip(p.clip)
        placed.append(PlacedLevels(balance_group(p.job), p.start_frame, levels))
    return placed


def loudness_plan(placements: Sequence[Placement], channels: int = 1, target_lufs: float | None = None) -> LoudnessPlan:
    """Measure the placed programme and decide its balance and gain."""
    return plan_loudness(measure(placements), channels, target_lufs)


def balanced(placements: Sequence[Placement], plan: LoudnessPlan) -> list[Placement]:
    """The placements with each clip's balance gain set (applied while streaming)."""
    return [replace(p, gain_db=plan.kind_gains_db.get(balance_group(p.job), 0.0)) for p in placements]
