"""Musicality figures of a plan: how well the moves follow the song (pure; no video needed).

Two kinds of figure, kept apart: how well the plan follows the analysis' own grid (cuts on its beats and
phrase starts, tempo after retiming; a move change where the analysis heard no beat, on the planner's grid
extended over a beatless intro or a silent tail, is counted apart), which cannot see a wrong grid; and how sure the analysis is of that
grid, measured against the music (the analysis' `HearingConfidence`: onsets on its beats vs between them,
the tempo level's margin, the downbeat evidence, the beat's steadiness). Where the hearing is unsure the
report says so in `hearing_notes`; bench/hearing_bench.py measures the real thing against independent truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from videojob.analysis import MusicAnalysis, bpm_from_beat_times
from videojob.library import Move
from videojob.planner import Plan

ON_BEAT_TOLERANCE = 0.07  # seconds


@dataclass(frozen=True)
class MusicalityReport:
    bpm: float
    segment_count: int
    cut_count: int
    # move changes within 70 ms of a song beat / of a detected 8-count phrase start, among the changes
    # where the analysis heard beats (None when there is none)
    cuts_on_beat_share: float | None
    cuts_on_phrase_share: float | None
    mean_tempo_mismatch_percent: float  # |clip BPM x rate - local song BPM| / local song BPM, time-weighted
    mean_beat_offset_ms: float | None  # retimed clip beats vs the nearest song beat
    energy_correlation: float | None  # Pearson r, per phrase: song RMS energy vs the move's motion energy
    repeat_rate: float  # share of segments whose move was already used earlier
    # how sure the hearing is, against the music (None for an analysis made before these figures existed)
    beat_confidence: float | None = None
    tempo_level_confidence: float | None = None
    downbeat_confidence: float | None = None
    beat_stability: float | None = None
    beat_slip: float | None = None  # the largest jump of the beat's phase at one tempo, in beats (0..0.5)
    tempo_range_bpm: tuple[float, float] | None = None  # slowest and fastest phrase
    hearing_notes: tuple[str, ...] = ()
    grid_measured_against: str = "the analysis' own beat grid (cuts_on_* figures)"
    # move changes before the first or after the last beat the analysis heard (the planner's grid extended
    # by whole phrases over a beatless intro or a silent tail): no beat to be on or off, so not counted in
    # the cuts_on_* shares
    cuts_where_no_beat_was_heard: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        unheard = self.cuts_where_no_beat_was_heard

        def share(value: float | None) -> str:
            if value is None:
                return f"n/a ({unheard} where no beat was heard)" if unheard else "n/a (no cut)"
            return f"{100 * value:.0f} %" + (f" ({unheard} more where no beat was heard)" if unheard else "")

        return [
            f"song tempo                      {self.bpm:.1f} BPM",
            f"segments / move changes         {self.segment_count} / {self.cut_count}",
            f"changes within 70 ms of a beat  {share(self.cuts_on_beat_share)}",
            f"changes on an 8-count phrase    {share(self.cuts_on_phrase_share)}",
            f"tempo mismatch after retiming   {self.mean_tempo_mismatch_percent:.2f} %",
            "clip beats vs song beats        "
            + (
                "n/a"
                if self.mean_beat_offset_ms is None
                else f"{self.mean_beat_offset_ms:.0f} ms mean offset"
            ),
            "music/move energy correlation   "
            + ("n/a" if self.energy_correlation is None else f"{self.energy_correlation:+.2f}"),
            f"repeat rate                     {100 * self.repeat_rate:.0f} %",
            *(
                []
                if self.beat_confidence is None
                else [
                    "hearing confidence (vs the music) "
                    f"beat {self.beat_confidence:.2f}, tempo level {self.tempo_level_confidence:.2f}, "
                    f"downbeat {self.downbeat_confidence:.2f}, stability {self.beat_stability:.2f}"
                    + ("" if self.beat_slip is None else f", slip {self.beat_slip:.2f} beat")
                ]
            ),
            *(
                []
                if self.tempo_range_bpm is None or self.tempo_range_bpm[1] <= 1.02 * self.tempo_range_bpm[0]
                else [
                    f"local tempo                     {self.tempo_range_bpm[0]:.1f}-{self.tempo_range_bpm[1]:.1f} BPM"
                ]
            ),
            *(f"unsure: {note}" for note in self.hearing_notes),
        ]


def _nearest_distance(times: np.ndarray, reference: np.ndarray) -> np.ndarray:
    if len(reference) == 0:
        return np.full(len(times), np.inf)
    positions = np.clip(np.searchsorted(reference, times), 1, max(1, len(reference) - 1))
    below = reference[positions - 1]
    above = reference[np.minimum(positions, len(reference) - 1)]
    return np.minimum(np.abs(times - below), np.abs(times - above))


def musicality_report(plan: Plan, analysis: MusicAnalysis, moves: Sequence[Move]) -> MusicalityReport:
    by_id = {move.clip_id: move for move in moves}
    beats = np.asarray(analysis.beat_times, dtype=float)
    phrases = np.asarray(analysis.phrase_starts, dtype=float)
    cuts = np.asarray(plan.cut_times, dtype=float)
    if len(beats):
        heard = cuts[(cuts >= beats[0] - ON_BEAT_TOLERANCE) & (cuts <= beats[-1] + ON_BEAT_TOLERANCE)]
    else:
        heard = cuts[:0]
    on_beat = float(np.mean(_nearest_distance(heard, beats) <= ON_BEAT_TOLERANCE)) if len(heard) else None
    on_phrase = float(np.mean(_nearest_distance(heard, phrases) <= ON_BEAT_TOLERANCE)) if len(heard) else None

    mismatches, weights, offsets = [], [], []
    for segment in plan.segments:
        move = by_id[segment.clip_id]
        # one stretch per rate (a segment retimed phrase by phrase across a tempo change has several)
        stretches = (
            segment.pieces() if segment.retimes else [(segment.song_start, segment.song_end, segment.rate)]
        )
        for start, end, rate in stretches:
            inside = beats[(beats >= start) & (beats <= end)]
            local_bpm = bpm_from_beat_times(inside) if len(inside) >= 4 else analysis.bpm
            mismatches.append(abs(move.bpm * rate - local_bpm) / local_bpm)
            weights.append(end - start)
        clip_beats = np.asarray(move.beat_times, dtype=float)
        clip_beats = clip_beats[(clip_beats >= segment.clip_start) & (clip_beats < segment.clip_end)]
        mapped = np.asarray(segment.song_times(clip_beats), dtype=float)
        if len(beats):
            mapped = mapped[(mapped >= beats[0] - 0.1) & (mapped <= beats[-1] + 0.1)]
            offsets.extend(_nearest_distance(mapped, beats))
    mismatch = float(np.average(mismatches, weights=weights)) * 100 if weights else 0.0

    correlation = None
    if len(phrases) >= 3:
        move_energy = []
        for start in phrases:
            covering = next(
                (s for s in plan.segments if s.song_start - 1e-6 <= start < s.song_end), plan.segments[-1]
            )
            move_energy.append(by_id[covering.clip_id].mean_motion_energy)
        song_energy = np.asarray(analysis.phrase_energy, dtype=float)
        if np.std(move_energy) > 0 and np.std(song_energy) > 0:
            correlation = float(np.corrcoef(song_energy, move_energy)[0, 1])

    seen: set[str] = set()
    repeats = 0
    for segment in plan.segments:
        repeats += segment.clip_id in seen
        seen.add(segment.clip_id)
    return MusicalityReport(
        bpm=analysis.bpm,
        segment_count=len(plan.segments),
        cut_count=len(cuts),
        cuts_on_beat_share=on_beat,
        cuts_on_phrase_share=on_phrase,
        mean_tempo_mismatch_percent=round(mismatch, 4),
        mean_beat_offset_ms=round(float(np.mean(offsets)) * 1000, 2) if offsets else None,
        energy_correlation=None if correlation is None else round(correlation, 4),
        repeat_rate=repeats / len(plan.segments),
        cuts_where_no_beat_was_heard=len(cuts) - len(heard),
        **_hearing_figures(analysis),
    )


def _hearing_figures(analysis: MusicAnalysis) -> dict:
    confidence = analysis.confidence
    tempos = [bpm for _, bpm in analysis.tempo_curve]
    figures: dict = {"hearing_notes": tuple(analysis.hearing_notes)}
    if tempos:
        figures["tempo_range_bpm"] = (round(min(tempos), 2), round(max(tempos), 2))
    if confidence is not None:
        figures.update(
            beat_confidence=confidence.beat,
            tempo_level_confidence=confidence.tempo_level,
            downbeat_confidence=confidence.downbeat,
            beat_stability=confidence.stability,
            beat_slip=confidence.slip,
        )
    return figures
