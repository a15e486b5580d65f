"""Fit the weights of the bar-start cues (`videojob.beats.BAR_WEIGHTS`) on the hearing set's tuning material.

For every piece of the tuning, study and variants parts (never held-out, fresh or blind) whose beats the analysis
gets right, the beats' true bar phase (which of every 4 beats starts a bar) is read from the truth. Each of
the 4 phases is scored by the mean of its beats' cues (`videojob.beats.bar_cues`); a softmax over the 4
phases is fitted to the true one (L2-regularised). The weights the analysis uses are the fit's, times
`--scale` (the Viterbi's other terms, its re-phase cost and its priors, are in the same standard units).

Cross-validation: the pieces are split into `--folds` folds by piece (a variant goes with the piece it is
made from, mma's grooves with and without their drums together); each fold's weights are fitted on the other
folds and the whole metre (`videojob.beats.metre_positions`) is run with them on the fold. Reported: the
phrase starts on a true "1" per part, for the cross-validated weights, today's `BAR_WEIGHTS` (fitted on all
of it: in-sample) and the weights before the fit.

    uv run python bench/metre_fit.py [--set var/hearing] [--folds 5] [--l2 0.05] [--scale 0.25]
"""

from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hearing_bench
import hearing_set

FIT_PARTS = ("tuning", "study", "variants")
EARLIER_WEIGHTS = (0.7, 1.0, 0.0, 0.0, 0.0)  # bass onset and chord change over ±2 beats (analysis 10)
VARIANT_PREFIXES = tuple(f"{tag}-" for tag, _, _ in hearing_set.VARIANTS)


def family(name: str) -> str:
    """The piece a variant (or a groove without its drums) is made from."""
    for prefix in VARIANT_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name.replace("study-nodrum-", "study-")


def true_bar_phase(piece: hearing_set.Piece, times: np.ndarray) -> int | None:
    """Which of every 4 estimated beats starts a bar, by the truth: the majority over the beats matched to a
    true beat, when >= 80 % agree and >= 16 are matched (else None: the beats or the truth's bars vary)."""
    true_beats, downbeats = np.asarray(piece.beats), np.asarray(piece.downbeats)
    votes = []
    for index, time in enumerate(times):
        nearest = int(np.argmin(np.abs(true_beats - time)))
        if abs(true_beats[nearest] - time) > hearing_bench.TOLERANCE:
            continue
        bar = np.searchsorted(downbeats, true_beats[nearest] + 1e-3) - 1
        if bar < 0:
            continue
        into_bar = int(
            np.sum((true_beats >= downbeats[bar] - 1e-3) & (true_beats < true_beats[nearest] - 1e-3))
        )
        votes.append((index - into_bar) % 4)
    if len(votes) < 16:
        return None
    counts = np.bincount(votes, minlength=4)
    return int(counts.argmax()) if counts.max() >= 0.8 * counts.sum() else None


def fit_weights(phase_cues: np.ndarray, phases: np.ndarray, l2: float, steps: int = 3000) -> np.ndarray:
    """Softmax over the 4 phases: `phase_cues` (pieces, 4 phases, cues) -> weights (cues)."""
    weights = np.zeros(phase_cues.shape[2])
    truth = np.eye(4)[phases]
    for _ in range(steps):
        scores = phase_cues @ weights
        scores -= scores.max(axis=1, keepdims=True)
        chance = np.exp(scores)
        chance /= chance.sum(axis=1, keepdims=True)
        gradient = (phase_cues * (chance - truth)[:, :, None]).sum(axis=1).mean(axis=0) + l2 * weights
        weights -= 0.5 * gradient
    return weights


def heard_pieces(set_folder: Path) -> list[dict]:
    from videojob.analysis import HOP_LENGTH, N_FFT
    from videojob.audio_io import ANALYSIS_SAMPLE_RATE, load_mono_audio

    from videojob import beats, spectral

    heard = []
    for piece in hearing_set.load_set(set_folder):
        if piece.part not in FIT_PARTS:
            continue
        samples = np.asarray(load_mono_audio(piece.audio, ANALYSIS_SAMPLE_RATE), dtype=np.float32)
        power = spectral.stft_power(samples, n_fft=N_FFT, hop_length=HOP_LENGTH)
        envelopes, _, _, frames = beats.beat_grid(samples, ANALYSIS_SAMPLE_RATE, power)
        if len(frames) < 16:
            continue
        times = envelopes.frame_times(frames)
        cues = beats.bar_cues(envelopes, frames)
        heard.append(
            {
                "piece": piece,
                "envelopes": envelopes,
                "frames": frames,
                "times": times,
                "phase_cues": np.stack([cues[start::4].mean(axis=0) for start in range(4)]),
                "phase": true_bar_phase(piece, times),
            }
        )
    return heard


def on_one(entry: dict, weights) -> float:
    from videojob import beats

    positions = beats.metre_positions(entry["envelopes"], entry["frames"], weights=tuple(weights)).positions
    keep = entry["times"] >= 0
    times, positions = entry["times"][keep], positions[keep]
    starts = times[positions == 0] if (positions == 0).any() else times[:1]
    return hearing_bench.phrase_on_one(entry["piece"], starts)


def main(argv: list[str] | None = None) -> int:
    from videojob import beats

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, default=hearing_set.DEFAULT_OUT)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--l2", type=float, default=0.05)
    parser.add_argument("--scale", type=float, default=0.25)
    arguments = parser.parse_args(argv)
    heard = heard_pieces(arguments.set)
    usable = [entry for entry in heard if entry["phase"] is not None]
    fold_of = {
        name: zlib.crc32(name.encode()) % arguments.folds for name in {family(e["piece"].name) for e in heard}
    }

    def fitted(entries) -> np.ndarray:
        cues = np.stack([entry["phase_cues"] for entry in entries])
        return arguments.scale * fit_weights(
            cues, np.array([entry["phase"] for entry in entries]), arguments.l2
        )

    crossed = {}
    for fold in range(arguments.folds):
        weights = fitted([entry for entry in usable if fold_of[family(entry["piece"].name)] != fold])
        for entry in heard:
            if fold_of[family(entry["piece"].name)] == fold:
                crossed[entry["piece"].name] = on_one(entry, weights)
    every = fitted(usable)
    print(f"{len(usable)} of {len(heard)} pieces with a steady true bar phase on their beats")
    print(
        "weights fitted on all of them ("
        + ", ".join(beats.BAR_CUES)
        + "): "
        + ", ".join(f"{w:.3f}" for w in every)
    )
    print('\n| the "1" (phrase starts on a true "1"), mean | ' + " | ".join(FIT_PARTS) + " |")
    print("| --- |" + " ---: |" * len(FIT_PARTS))
    rows = {
        f"cross-validated ({arguments.folds} folds by piece)": lambda entry: crossed[entry["piece"].name],
        "BAR_WEIGHTS " + str(beats.BAR_WEIGHTS) + " (in-sample)": lambda entry: on_one(
            entry, beats.BAR_WEIGHTS
        ),
        "the weights before the fit " + str(EARLIER_WEIGHTS): lambda entry: on_one(entry, EARLIER_WEIGHTS),
    }
    for label, score in rows.items():
        cells = []
        for part in FIT_PARTS:
            values = [score(entry) for entry in heard if entry["piece"].part == part]
            cells.append(f"{100 * np.mean(values):.1f} % ({len(values)})" if values else "-")
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
