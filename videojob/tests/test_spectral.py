"""videojob.spectral computes what librosa computes: the move index's audio embeddings were made with librosa,
and the job (which no longer imports it) must produce the same vectors."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from videojob.audio_embedding import audio_embedding

from videojob import spectral

SAMPLE_RATE = 22050
librosa = pytest.importorskip("librosa")


def music(seconds: float = 6.0, seed: int = 0) -> np.ndarray:
    """Chords, a kick and noise bursts: energy in every band, onsets, silence at the start."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    song = sum(0.2 * np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6, 110.0))
    song = song * (t > 0.3)
    for beat in np.arange(0.5, seconds, 0.47):
        start = int(beat * SAMPLE_RATE)
        burst = rng.standard_normal(min(800, len(song) - start)) * np.exp(
            -np.arange(min(800, len(song) - start)) / 200
        )
        song[start : start + len(burst)] += burst
    return song.astype(np.float32)


@pytest.fixture(scope="module")
def samples():
    return music()


@pytest.fixture(scope="module")
def power(samples):
    return np.abs(librosa.stft(samples, n_fft=2048, hop_length=512)) ** 2


def test_the_power_spectrogram_is_librosas(samples, power):
    ours = spectral.stft_power(samples, n_fft=2048, hop_length=512)
    assert ours.shape == power.shape
    assert np.allclose(ours, power, rtol=1e-4, atol=1e-6 * power.max())
    small = spectral.stft_power(samples, n_fft=1024, hop_length=256)
    theirs = np.abs(librosa.stft(samples, n_fft=1024, hop_length=256)) ** 2
    assert np.allclose(small, theirs, rtol=1e-4, atol=1e-6 * theirs.max())


def test_filter_banks_are_librosas():
    for n_fft, n_mels in ((2048, 128), (2048, 32), (1024, 40)):
        assert np.allclose(
            spectral.mel_filters(SAMPLE_RATE, n_fft, n_mels),
            librosa.filters.mel(sr=SAMPLE_RATE, n_fft=n_fft, n_mels=n_mels),
            atol=1e-7,
        )
    assert np.allclose(
        spectral.chroma_filters(SAMPLE_RATE, 2048),
        librosa.filters.chroma(sr=SAMPLE_RATE, n_fft=2048, tuning=0.0),
        atol=1e-6,
    )


def test_features_are_librosas(power):
    magnitude = np.sqrt(power)
    mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=SAMPLE_RATE, n_mels=32))
    ours_db = spectral.power_to_db(spectral.melspectrogram(power, SAMPLE_RATE, n_mels=32))
    assert np.allclose(ours_db, mel_db, atol=1e-3)
    assert np.allclose(spectral.mfcc(mel_db, 14), librosa.feature.mfcc(S=mel_db, n_mfcc=14), atol=1e-3)
    assert np.allclose(
        spectral.chroma_stft(power, SAMPLE_RATE),
        librosa.feature.chroma_stft(S=power, sr=SAMPLE_RATE, tuning=0.0),
        atol=1e-5,
    )
    assert np.allclose(
        spectral.spectral_contrast(magnitude, SAMPLE_RATE),
        librosa.feature.spectral_contrast(S=magnitude, sr=SAMPLE_RATE, n_bands=6),
        atol=1e-3,
    )
    assert np.allclose(
        spectral.spectral_flatness(power),
        librosa.feature.spectral_flatness(S=magnitude),
        rtol=1e-4,
        atol=1e-7,
    )
    assert np.allclose(
        spectral.rms_from_power(power), librosa.feature.rms(S=magnitude, frame_length=2048), rtol=1e-5
    )
    envelope = librosa.onset.onset_strength(S=mel_db, sr=SAMPLE_RATE)
    assert np.allclose(spectral.onset_strength(mel_db), envelope, atol=1e-5)
    assert spectral.onset_count(envelope, SAMPLE_RATE) == len(
        librosa.onset.onset_detect(onset_envelope=envelope, sr=SAMPLE_RATE, hop_length=512)
    )


def _librosa_embedding_function():
    """The embedding as the move index's clips were embedded (git's version of audio_embedding.py before
    videojob.spectral: librosa calls), loaded from the repository's history."""
    repository = Path(__file__).resolve().parents[2]
    source = subprocess.run(
        ["git", "show", "bdc0940:videojob/videojob/audio_embedding.py"],
        cwd=repository,
        capture_output=True,
        text=True,
    )
    if source.returncode != 0:
        pytest.skip("the librosa version of the embedding is not in this clone's history")
    module = importlib.util.module_from_spec(
        importlib.util.spec_from_loader("librosa_embedding", loader=None)
    )
    exec(source.stdout, module.__dict__)
    return module.audio_embedding


@pytest.mark.parametrize("seconds", [0.2, 3.0, 9.0])
def test_the_embedding_is_the_one_the_move_index_holds(seconds):
    reference = _librosa_embedding_function()
    samples = music(seconds, seed=int(seconds * 10))
    ours = audio_embedding(samples, SAMPLE_RATE, 128.0)
    theirs = reference(samples, SAMPLE_RATE, 128.0)
    assert np.abs(ours - theirs).max() < 1e-5
    assert float(ours @ theirs) > 0.99999


def test_the_analysis_never_loads_librosa_or_numba():
    code = (
        "import sys, numpy as np; from videojob.analysis import analyze_samples; "
        "t = np.arange(10 * 22050) / 22050; y = (np.sin(2 * np.pi * 60 * t) * (t % 0.5 < 0.05)).astype('float32'); "
        "analyze_samples(y); print(sorted(m for m in sys.modules if m.split('.')[0] in ('librosa', 'numba')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_resampling_is_librosas():
    from videojob.audio_io import resample

    samples = music(2.0)
    for native in (44100, 48000, 16000):
        ours = resample(samples, native, SAMPLE_RATE)
        theirs = librosa.resample(samples, orig_sr=native, target_sr=SAMPLE_RATE, res_type="soxr_hq")
        assert ours.shape == theirs.shape and np.array_equal(ours, theirs)


def test_downmix_is_the_channel_mean_bit_for_bit():
    from videojob.audio_io import downmix

    rng = np.random.default_rng(5)
    for channels in range(1, 10):
        samples = rng.standard_normal((4001, channels)).astype(np.float32)
        mono = downmix(samples)
        assert mono.dtype == np.float32 and np.array_equal(mono, samples.mean(axis=1))


def test_a_wav_song_is_decoded_without_pyav(tmp_path):
    import soundfile

    song = tmp_path / "song.wav"
    soundfile.write(str(song), np.stack([music(2.0), music(2.0, seed=1)], axis=1), 44100)  # 1 s
    code = (
        "import sys; from videojob.audio_io import load_mono_audio; "
        f"samples = load_mono_audio({str(song)!r}); print(len(samples), 'av' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == [str(SAMPLE_RATE), "False"]
