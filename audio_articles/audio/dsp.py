"""The two signal kernels loudness measurement needs, without importing ``scipy.signal``.

``import scipy.signal`` also imports ``scipy.stats`` and ``scipy.interpolate``: ≈ 1.1 s of
CPU (``python -X importtime``), more than measuring a whole hour of speech takes. So:

- the K-weighting filter runs SciPy's own compiled linear-filter kernel (the one
  ``scipy.signal.lfilter`` calls), loaded from its file alone; if that ever fails
  (another SciPy layout), ``scipy.signal.lfilter`` is used instead;
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
def _linear_filter_kernel() -> Callable[..., np.ndarray] | None:
    """SciPy's ``_linear_filter(b, a, x, axis)``, or None when not found."""
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "signal"
    for path in sorted(folder.glob("_sigtools.*")):
        if path.suffix not in (".so", ".pyd"):
            continue
        try:
            found = importlib.util.spec_from_file_location("scipy.signal._sigtools", path)
            module = importlib.util.module_from_spec(found)
            found.loader.exec_module(module)
            return module._linear_filter
        except (ImportError, AttributeError, OSError):
            return None
    return None


def lfilter(b: np.ndarray, a: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """``scipy.signal.lfilter(b, a, samples)`` for one channel, in float64, the filter
    starting at rest.

    >>> lfilter(np.array([0.5]), np.array([1.0, -0.5]), np.array([1.0, 0.0, 0.0]))
    array([0.5  , 0.25 , 0.125])
    """
    b, a = np.asarray(b, dtype=np.float64), np.asarray(a, dtype=np.float64)
    samples = np.asarray(samples, dtype=np.float64)
    if not len(samples):
        return np.zeros(0)
    kernel = _linear_filter_kernel()
    if kernel is not None:
        try:
            return kernel(b, a, samples, -1)
        except (TypeError, ValueError):
            pass  # another SciPy's kernel: the public function below
    from scipy.signal import lfilter as public

    return public(b, a, samples)


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
