"""audio/dsp.py against SciPy's public functions, which it stands in for."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.signal import firwin, resample_poly
from scipy.signal import lfilter as scipy_lfilter
from scipy.signal import sosfilt as scipy_sosfilt

from audio_articles.audio import dsp
from audio_articles.audio.loudness import OVERSAMPLING, k_weighting, k_weighting_polynomials, peaks, weighted_energies

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("length", [1, 2, 7, 1000, 44_101])
@pytest.mark.parametrize("rate", [16_000, 22_050, 48_000])
def test_lfilter_equals_scipys(length, rate):
    samples = RNG.standard_normal(length)
    b, a = k_weighting_polynomials(rate)
    assert np.array_equal(dsp.lfilter(b, a, samples), scipy_lfilter(b, a, samples))


def test_lfilter_of_nothing_is_nothing():
    assert dsp.lfilter(*k_weighting_polynomials(22_050), np.zeros(0)).shape == (0,)


def test_lfilter_uses_scipys_own_kernel_and_leaves_its_input_alone():
    assert dsp._linear_filter_kernel() is not None  # the SciPy this project installs has it
    samples = RNG.standard_normal(500)
    kept = samples.copy()
    dsp.lfilter(*k_weighting_polynomials(22_050), samples)
    assert np.array_equal(samples, kept)


def test_without_the_kernel_lfilter_falls_back_on_the_public_function(monkeypatch):
    monkeypatch.setattr(dsp, "_linear_filter_kernel", lambda: None)
    samples = RNG.standard_normal(3000)
    b, a = k_weighting_polynomials(22_050)
    assert np.array_equal(dsp.lfilter(b, a, samples), scipy_lfilter(b, a, samples))


def test_a_kernel_that_refuses_its_arguments_falls_back_too(monkeypatch):
    def other_signature(*args):
        raise TypeError("_linear_filter() takes 5 positional arguments")

    monkeypatch.setattr(dsp, "_linear_filter_kernel", lambda: other_signature)
    samples = RNG.standard_normal(100)
    b, a = k_weighting_polynomials(22_050)
    assert np.array_equal(dsp.lfilter(b, a, samples), scipy_lfilter(b, a, samples))


@pytest.mark.parametrize("rate", [8_000, 16_000, 22_050, 44_100, 48_000])
def test_the_k_weighting_as_one_filter_is_its_two_sections_in_a_row(rate):
    """Speech-like bursts with digital silence between them (where the sections' state
    decays into subnormal numbers): the fourth-order filter gives the cascade's output."""
    t = np.arange(3 * rate)
    bursts = 0.5 * RNG.standard_normal(len(t)) * np.sin(2 * np.pi * t / rate) ** 8 * ((t // (rate // 2)) % 2)
    bursts[np.abs(bursts) < 1e-3] = 0.0
    cascade = scipy_sosfilt(k_weighting(rate), bursts)
    assert np.max(np.abs(dsp.lfilter(*k_weighting_polynomials(rate), bursts) - cascade)) < 1e-10


@pytest.mark.parametrize(("taps", "cutoff", "beta"), [(81, 0.25, 5.0), (41, 0.5, 5.0), (161, 0.125, 8.6)])
def test_lowpass_equals_firwin(taps, cutoff, beta):
    assert np.allclose(dsp.lowpass(taps, cutoff, beta), firwin(taps, cutoff, window=("kaiser", beta)), atol=1e-15)


@pytest.mark.parametrize("length", [1, 2, 5, 21, 1000, 22_050])
@pytest.mark.parametrize("factor", [2, 4])
def test_upsampled_equals_resample_poly(length, factor):
    response = firwin(20 * factor + 1, 1 / factor, window=("kaiser", 5.0))
    samples = RNG.standard_normal(length)
    ours = dsp.upsampled(samples, factor, response)
    assert ours.shape == (length * factor,)
    assert np.allclose(ours, resample_poly(samples, factor, 1, window=response), atol=1e-12)


def test_upsampled_refuses_a_filter_it_would_misalign():
    with pytest.raises(ValueError, match="multiple of the factor"):
        dsp.upsampled(np.ones(10), 4, np.ones(7))


def test_true_peak_equals_oversampling_the_whole_signal_with_scipy():
    rate = 22_050
    t = np.arange(rate)
    # Bursts at different levels, one of them a tone whose samples miss its crests.
    signal = 0.3 * RNG.standard_normal(rate) * (t < rate // 3)
    signal += 0.7 * np.sin(2 * np.pi * 5512.5 * t / rate + np.pi / 4) * (t > rate // 2)
    assert peaks(signal)[1] == pytest.approx(np.max(np.abs(resample_poly(signal, OVERSAMPLING, 1))), abs=1e-12)


def test_measuring_does_not_import_scipy_signal():
    # Its import costs ≈ 1 s of CPU; the measurement must not pay it.
    code = (
        "import sys, numpy as np\n"
        "from audio_articles.audio.loudness import weighted_energies, peaks\n"
        "samples = np.sin(np.arange(22050) / 5.0)\n"
        "weighted_energies(samples, 22050), peaks(samples)\n"
        "print('scipy.signal' in sys.modules)\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


def test_weighted_energies_sum_the_filtered_squares_bin_by_bin():
    rate = 22_050
    samples = RNG.standard_normal(rate + 123)
    filtered = scipy_sosfilt(k_weighting(rate), samples)
    energies = weighted_energies(samples, rate)
    assert len(energies) == 11
    assert energies[0] == pytest.approx(np.sum(filtered[:2205] ** 2))
    assert energies[-1] == pytest.approx(np.sum(filtered[22_050:] ** 2))
