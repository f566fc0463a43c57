"""The two signal kernels loudness measurement needs, without importing ``scipy.signal``.

``import scipy.signal`` also imports ``scipy.stats`` and ``scipy.interpolate``: ≈ 1.1 s of
CPU (``python -X importtime``), more than measuring a whole hour of speech takes. So:

- the K-weighting filter runs SciPy's own compiled second-order-sections kernel (the one
  ``scipy.signal.sosfilt`` calls), loaded from its file alone; if that ever fails (another
  SciPy layout), ``scipy.signal.sosfilt`` is used instead;
- oversampling for the true peak is ``resample_poly``'s polyphase filter written with
  ``np.convolve`` (four short convolutions), its low-pass designed as ``firwin`` does.

``tests/test_dsp.py`` holds both to SciPy's public functions.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np


@functools.cache
def _sos_kernel() -> Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None:
    """SciPy's ``_sosfilt(sos, x, zi)`` (filters ``x`` in place), or None when not found."""
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "signal"
    for path in sorted(folder.glob("_sosfilt.*")):
        if path.suffix not in (".so", ".pyd"):
            continue
        try:
            found = importlib.util.spec_from_file_location("scipy.signal._sosfilt", path)
            module = importlib.util.module_from_spec(found)
            found.loader.exec_module(module)
            return module._sosfilt
        except (ImportError, AttributeError, OSError):
            return None
    return None


def sosfilt(sos: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """``scipy.signal.sosfilt(sos, samples)`` for one channel, the filter starting at rest.

    >>> sosfilt(np.array([[0.5, 0.0, 0.0, 1.0, -0.5, 0.0]]), np.array([1.0, 0.0, 0.0]))
    array([0.5  , 0.25 , 0.125])
    """
    kernel = _sos_kernel()
    sos = np.ascontiguousarray(sos, dtype=np.float64)
    if kernel is not None:
        try:
            out = np.array(samples, dtype=np.float64, order="C").reshape(1, len(samples))
            kernel(sos, out, np.zeros((1, len(sos), 2)))
            return out[0]
        except (TypeError, ValueError):
            pass  # another SciPy's kernel: the public function below
    from scipy.signal import sosfilt as public

    return public(sos, np.asarray(samples, dtype=np.float64))


@functools.cache
def lowpass(taps: int, cutoff: float, beta: float) -> np.ndarray:
    """A windowed-sinc low-pass, as ``scipy.signal.firwin(taps, cutoff, window=("kaiser",
    beta))`` designs it: ``cutoff`` relative to the Nyquist frequency, unity gain at 0 Hz."""
    offsets = np.arange(taps) - (taps - 1) / 2
    response = cutoff * np.sinc(cutoff * offsets) * np.kaiser(taps, beta)
    return response / response.sum()


def upsampled(samples: np.ndarray, factor: int, response: np.ndarray) -> np.ndarray:
    """``scipy.signal.resample_poly(samples, factor, 1, window=response)`` for an odd
    ``response`` length: each of the ``factor`` output phases is one short convolution."""
    half = (len(response) - 1) // 2
    if half % factor:
        raise ValueError("the filter's half length must be a multiple of the factor")
    delay = half // factor
    out = np.empty(len(samples) * factor)
    for phase in range(factor):
        taps = factor * response[phase::factor]
        out[phase::factor] = np.convolve(samples, taps)[delay : delay + len(samples)]
    return out
