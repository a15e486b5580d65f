"""The hearing evaluation set: MIDI music with exact beat, bar and 8-count truth, rendered to audio.

Two sources, both rendered with fluidsynth and the FluidR3 General MIDI soundfont at 22050 Hz:

- Debian packages with MIDI music nobody here wrote: `planetblupi-music-midi` (10 game tracks) and the
  example songs of `mma` (Musical MIDI Accompaniment) that have drums and a tempo between 90 and 170 BPM
  (outside that the "right" metrical level of a 4/4 piece is a matter of taste: a 180 BPM swing is danced
  at 90). Each is cut to its first `DEBIAN_SECONDS`. Truth: pretty_midi's tempo-map beats and downbeats,
  inside the span where notes sound. `openttd-openmsx`, `nexuiz-music` and `asc-music` are left out on
  purpose (an independent check is kept for them).
- Bachata-style pieces sequenced here (`bachata_piece`): bass, bongo martillo, güira, kick, chord guitar and
  a requinto line, with the 8-count phrase known by construction; variants that are hard on purpose:
  tresillo bass against triplet guitar (3:2-prone), swing, a tempo change 120 -> 150 -> 120, breaks where
  the percussion stops, a half bar that re-phases the 8-count, and a slow and a fast tempo.

Added to the tuning part only (2026-12-02): grooves sequenced here (`GROOVES`: off-beat hi-hat, house, son,
kick and bass on every "&", 16th funk) and songs of mma's own groove library (`MMA_GROOVES`, Latin and other
syncopated styles, patterns written by mma's authors), where bands disagree about the beat.

Added 2026-12-02 (second session): recordings, the songs of Debian's Frets on Fire song packages
(`fretsonfire-songs-muldjord`, `fretsonfire-songs-sectoid`: metal and rock produced by their composers, CC
BY-SA), with truth from each song's chart (notes.mid, one tempo) moved by its measured offset from the audio
(`fof_piece`). Every one-tempo 4/4 song between 90 and 170 BPM is in (six of eight); alternate songs by
folder name go to `tuning` and to a third part, `blind`, which the analysis is never tuned on. The blind part
also holds all the MIDI music of Debian's `freedink-data` that passes the Debian pieces' rule, chosen by that
rule before any of it was heard by the analysis.

Added the same day: a `study` part of tuning material, mma's standard groove library (`study_grooves`),
each groove with and without its drums (accompaniment alone: bass, chords, arpeggios), scored for the
analysis only (no videos: 150 pieces).

Added 2026-12-02 (third session): the music of Debian's `freedoom` (the MIDI lumps of its two WADs, by the
Freedoom project's composers), alternating by lump order between `tuning` and `held_out` by the Debian
pieces' rule. Two rules now apply to every MIDI file, read from the file alone: its meter is 4/4 where it is
cut, and its notes keep to its own tempo map (`grid_strength`). The second was missing: 11 Freedoom files and
5 of the 9 blind freedink files declare a nominal tempo (95 or 100 BPM) while their notes keep a grid of
another tempo (141, 126, 101 BPM...), so their "truth" was a beat the music never plays. They are out.

Added 2026-12-03: a `variants` part of tuning material (`variant_pieces`): the tuning part's MIDI pieces
again with Debian's MuseScore General soundfont (reverb and chorus on), and at 0.9x and 1.1x tempo with
TimGM6mb and FluidR3 (164 pieces, analysis only). It finds decisions that flip with the instruments' sound or a
small change of tempo, which no listener would hear as another metre.

Added the same day: the MIDI music of Debian's `simutrans-data` (`simutrans_sources`), by the Debian
pieces' rules (32 of its 53 files pass), alternate files to `tuning` and to `fresh`: a second part kept out of
tuning, reported on its own, as the held-out part had been read once per analysis change for two days.

Every piece goes to `tuning` or `held_out` (fixed below; Debian pieces alternate by name); the analysis may
be tuned on the first only. Audio and MIDI go under var/ (git-ignored), never into git.

    uv run python bench/hearing_set.py [--out var/hearing] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "var" / "hearing"
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SAMPLE_RATE = 22050
DEBIAN_SECONDS = 75.0
EXCLUDED_PACKAGES = ("openttd-openmsx", "nexuiz-music", "asc-music")
INSTALL_HINT = (
    "apt-get install -y fluidsynth fluid-soundfont-gm planetblupi-music-midi mma"
    " freedoom [fretsonfire-songs-muldjord fretsonfire-songs-sectoid freedink-data"
    " musescore-general-soundfont timgm6mb-soundfont simutrans-data]"
)
PLANETBLUPI = Path("/usr/share/planetblupi/music")
MMA_EXAMPLES = Path("/usr/share/doc/mma/examples")
MMA_PIECES = (
    "aria/bossa.mid",
    "aria/when-or-where.mid",
    "after/after.mid",
    "after/cresc.mid",
    "midi-inc/mid2seq/countme.mid",
    "midi-inc/mid2seq/rockgroove.mid",
    "midi-inc/mid2seq/shes-just-my-style.mid",
    "midi-inc/frankie.mid",
    "misc/grooves.mid",
    "rndset/rndchords.mid",
    "rndset/tempo.mid",
)
MIDI_RESOLUTION = 960


class SetUnavailable(RuntimeError):
    """fluidsynth, the soundfont or the MIDI packages are missing."""


@dataclass
class Piece:
    name: str
    part: str  # tuning | study, variants (tuning material, analysis only) | held_out | fresh | blind
    source: str  # where the music comes from
    audio: str  # path of the rendered WAV
    beats: list[float]
    downbeats: list[float]
    phrase_starts: list[float]  # the true 8-count "1"s (bachata pieces: by construction; else odd bars)
    tempo_bpm: float  # the median true tempo
    tags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def require_tools() -> None:
    if shutil.which("fluidsynth") is None or not SOUNDFONT.exists():
        raise SetUnavailable(f"fluidsynth and the FluidR3 soundfont are needed: {INSTALL_HINT}")


def render_midi(midi_path: Path, wav_path: Path, soundfont: Path = SOUNDFONT, effects: bool = False) -> None:
    """fluidsynth's offline renderer, mono mix left to the loader; no reverb/chorus unless `effects` (they
    blur onsets no more than a room would, but cost time)."""
    require_tools()
    midi_path, wav_path = Path(midi_path), Path(wav_path)
    wav_path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "fluidsynth",
            "-ni",
            "-q",
            "-R",
            "1" if effects else "0",
            "-C",
            "1" if effects else "0",
            "-g",
            "0.5",
            "-r",
            str(SAMPLE_RATE),
            "-F",
            str(wav_path),
            str(soundfont),
            str(midi_path),
        ],
        check=True,
        capture_output=True,
    )


# ---------------------------------------------------------------------------------------------- sequencing


@dataclass
class Section:
    bars: int
    bpm: float
    beats_per_bar: int = 4
    break_bar: bool = False  # percussion and bass stop (guitar chord only)


def _timeline(
    sections: list[Section], start: float | None = None
) -> tuple[list[float], list[tuple[float, int, Section]]]:
    """Beat times and (bar start, beats in bar, section) for each bar, from the sections' tempi."""
    beats, bars = [], []
    time = 60.0 / sections[0].bpm if start is None else start  # one beat of silence: on the file's grid
    for section in sections:
        period = 60.0 / section.bpm
        for _ in range(section.bars):
            bars.append((time, section.beats_per_bar, section))
            for _ in range(section.beats_per_bar):
                beats.append(time)
                time += period
    beats.append(time)  # the final downbeat (the last chord)
    return beats, bars


def bachata_piece(
    name: str,
    sections: list[Section],
    *,
    seed: int = 0,
    swing: float = 0.5,
    tresillo: bool = False,
    triplet_guitar: bool = False,
    key: int = 57,
):
    """A pretty_midi piece and its truth (beats, downbeats, phrase starts). The 8-count phrase starts on
    the first bar and on every second full (4-beat) bar after it; a 2-beat bar re-phases it (the next full
    bar starts a phrase). `swing`: where the off-beat eighth falls within the beat (0.5 straight, 0.62 swung)."""
    import pretty_midi

    rng = np.random.default_rng(seed)
    beats, bars = _timeline(sections)
    midi = pretty_midi.PrettyMIDI(resolution=MIDI_RESOLUTION, initial_tempo=sections[0].bpm)
    # the file's own tempo map: one tempo change per section start
    scales, tick, previous_time = [], 0, 0.0
    midi._tick_scales = [(0, 60.0 / (sections[0].bpm * MIDI_RESOLUTION))]
    for time, _, section in bars:
        scale = 60.0 / (section.bpm * MIDI_RESOLUTION)
        if abs(scale - midi._tick_scales[-1][1]) > 1e-12:
            tick += round((time - previous_time) / midi._tick_scales[-1][1])
            midi._tick_scales.append((tick, scale))
            previous_time = time
    del scales
    end_tick = tick + round((beats[-1] + 5.0 - previous_time) / midi._tick_scales[-1][1])
    midi._update_tick_to_time(end_tick)
    bass = pretty_midi.Instrument(program=33, name="bass")
    guitar = pretty_midi.Instrument(program=25, name="guitar")
    requinto = pretty_midi.Instrument(program=24, name="requinto")
    drums = pretty_midi.Instrument(program=0, is_drum=True, name="percussion")
    progression = [0, 5, 7, 0] if seed % 2 == 0 else [0, -3, 5, 7]
    downbeats, phrase_starts = [], []
    bar_in_phrase = 0

    def note(instrument, pitch, start, length, velocity):
        velocity = int(np.clip(velocity + rng.integers(-6, 7), 1, 127))
        instrument.notes.append(pretty_midi.Note(velocity, int(pitch), float(start), float(start + length)))

    phrase_number = -1
    for start, count, section in bars:
        period = 60.0 / section.bpm
        downbeats.append(start)
        if count == 4:
            if bar_in_phrase % 2 == 0:
                phrase_starts.append(start)
                phrase_number += 1
            bar_in_phrase += 1
        else:
            bar_in_phrase = 0  # a short bar: the next full bar starts a phrase
        # one chord per 8-count phrase (as in most bachata), a 4-phrase progression
        step = progression[max(phrase_number, 0) % 4]
        root = key - 12 + step
        chord = [key + step + interval for interval in (0, 4, 7)]
        eighths = [
            start + beat * period + (0 if half == 0 else swing * period)
            for beat in range(count)
            for half in (0, 1)
        ]
        # guitar: chord strums on the beats (every beat; the requinto carries the line)
        for beat in range(count):
            for index, pitch in enumerate(chord):
                note(guitar, pitch, start + beat * period + 0.012 * index, 0.8 * period, 62)
        if triplet_guitar:
            for beat in range(count):
                for third in range(3):
                    pitch = chord[(beat + third) % 3] + 12
                    note(requinto, pitch, start + (beat + third / 3) * period, period / 3, 70)
        else:
            line = rng.choice([0, 2, 4, 7, 9, 12], size=2 * count)
            for index, time in enumerate(eighths):
                if rng.random() < 0.7:
                    note(
                        requinto,
                        key + 12 + step + line[index],
                        time,
                        0.4 * period,
                        72,
                    )
        if section.break_bar:
            continue
        # bass: 1, 3, 4 (bachata), or tresillo 1, &2, 4 against it
        positions = (0.0, 1.5, 3.0) if tresillo else (0.0, 2.0, 3.0)
        for offset, interval in zip(positions, (0, 7, 12), strict=True):
            if offset < count:
                note(
                    bass, root + interval, start + offset * period, 0.45 * period, 100 if offset == 0 else 84
                )
        # kick on 1 and 3 (on the tresillo points in the 3:2 piece)
        for offset in positions if tresillo else (0.0, 2.0):
            if offset < count:
                note(drums, 36, start + offset * period, 0.1, 96)
        # bongo martillo: eighths, high bongo, the open low tone on beat 4
        for index, time in enumerate(eighths):
            beat = index // 2
            pitch = 61 if (beat == 3 and index % 2 == 0) else 60
            note(drums, pitch, time, 0.08, 88 if index % 2 == 0 else 64)
        # güira: long scrape on each beat, short ones on the off-beats (chi-chi-chik)
        for index, time in enumerate(eighths):
            note(drums, 74 if index % 2 == 0 else 73, time, 0.1, 70 if index % 2 == 0 else 56)
    # the last chord on the final downbeat
    final = beats[-1]
    for pitch in [key - 12, *chord]:
        note(guitar, pitch, final, 1.5, 70)
    downbeats.append(final)
    if bar_in_phrase % 2 == 0:  # the final chord falls where the next 8-count would start: its "1"
        phrase_starts.append(final)
    midi.instruments.extend([bass, guitar, requinto, drums])
    return midi, beats, downbeats, phrase_starts


def bachata_specs() -> list[tuple[str, str, dict, list[str]]]:
    """(name, part, bachata_piece keywords, tags)."""
    straight = lambda bpm, bars=24: [Section(bars, bpm)]  # noqa: E731
    return [
        ("bachata-128", "tuning", {"sections": straight(128.0), "seed": 1}, ["straight"]),
        ("bachata-112", "tuning", {"sections": straight(112.0), "seed": 2}, ["slow"]),
        (
            "bachata-tresillo-150",
            "tuning",
            {"sections": straight(150.0), "seed": 3, "tresillo": True, "triplet_guitar": True},
            ["3:2"],
        ),
        ("bachata-swing-124", "tuning", {"sections": straight(124.0), "seed": 4, "swing": 0.64}, ["swing"]),
        (
            "bachata-tempo-120-150-120",
            "tuning",
            {"sections": [Section(12, 120.0), Section(12, 150.0), Section(12, 120.0)], "seed": 5},
            ["tempo change"],
        ),
        (
            "bachata-breaks-132",
            "tuning",
            {
                "sections": [
                    Section(8, 132.0),
                    Section(2, 132.0, break_bar=True),
                    Section(1, 132.0, beats_per_bar=2),
                    Section(9, 132.0),
                    Section(2, 132.0, break_bar=True),
                    Section(6, 132.0),
                ],
                "seed": 6,
            },
            ["breaks", "re-phase"],
        ),
        ("bachata-140", "held_out", {"sections": straight(140.0), "seed": 11, "key": 52}, ["straight"]),
        ("bachata-118-swing", "held_out", {"sections": straight(118.0), "seed": 12, "swing": 0.6}, ["swing"]),
        (
            "bachata-tresillo-144",
            "held_out",
            {"sections": straight(144.0), "seed": 13, "tresillo": True, "triplet_guitar": True, "key": 55},
            ["3:2"],
        ),
        (
            "bachata-tempo-116-146-116",
            "held_out",
            {"sections": [Section(10, 116.0), Section(12, 146.0), Section(10, 116.0)], "seed": 14, "key": 60},
            ["tempo change"],
        ),
        (
            "bachata-breaks-126",
            "held_out",
            {
                "sections": [
                    Section(6, 126.0),
                    Section(1, 126.0, break_bar=True),
                    Section(1, 126.0, beats_per_bar=2),
                    Section(11, 126.0),
                    Section(2, 126.0, break_bar=True),
                    Section(6, 126.0),
                ],
                "seed": 15,
                "key": 53,
            },
            ["breaks", "re-phase"],
        ),
    ]


# Grooves that are not bachata, each a trap for a phase check: where the bands disagree about the beat.
# (drum or program, 16th positions in the bar, velocity, pitch or chord role, length in 16ths). "drum:N" is a
# General MIDI drum key; "bass"/"chord"/"lead" use `program` and follow the 2-bar chord progression.
GROOVES: dict[str, dict] = {
    # kick and snare on the beats, bass on every beat, a loud closed hi-hat on the off-beats only: the hi-hat
    # band alone says "off-beat", the kick band "on the beat"
    "groove-offbeat-hat-116": {
        "bpm": 116.0,
        "parts": [
            ("drum:36", (0, 8), 104, None, 1),
            ("drum:38", (4, 12), 96, None, 1),
            ("drum:42", (2, 6, 10, 14), 112, None, 1),
            ("bass:33", (0, 4, 8, 12), 96, "root", 3),
            ("chord:0", (0,), 70, "chord", 16),
        ],
    },
    # house: four-on-the-floor kick, a loud open hi-hat and the bass on the off-beats, clap on 2 and 4
    "groove-house-124": {
        "bpm": 124.0,
        "parts": [
            ("drum:36", (0, 4, 8, 12), 108, None, 1),
            ("drum:46", (2, 6, 10, 14), 104, None, 1),
            ("drum:39", (4, 12), 92, None, 1),
            ("bass:38", (2, 6, 10, 14), 100, "root", 2),
            ("chord:89", (0,), 64, "chord", 16),
        ],
    },
    # son: the cowbell on every beat, a tumbao bass on "&2" and "4" (none on the "1"), conga tones on 4 and
    # "&4", a syncopated piano: the beat is the bell's, not the bass's
    "groove-son-cowbell-104": {
        "bpm": 104.0,
        "parts": [
            ("drum:56", (0, 4, 8, 12), 100, None, 1),
            ("drum:75", (0, 6, 12), 84, None, 1),
            ("drum:63", (12, 14), 90, None, 1),
            ("drum:62", (4,), 80, None, 1),
            ("bass:33", (6, 12), 100, "root", 4),
            ("chord:0", (2, 6, 10, 14), 66, "chord", 2),
            ("lead:73", (0, 4, 8, 12), 72, "lead", 3),
        ],
    },
    # the kick and the bass on the "1" and every "&", a cowbell on 1, 2, 3, a shaker on every 16th: the
    # off-beats carry the low end, the bell and the melody carry the beat
    "groove-offbeat-kick-100": {
        "bpm": 100.0,
        "parts": [
            ("drum:36", (0, 2, 6, 10, 14), 100, None, 1),
            ("drum:56", (0, 4, 8), 96, None, 1),
            ("drum:70", tuple(range(16)), 70, None, 1),
            ("bass:38", (0, 2, 6, 10, 14), 92, "root", 2),
            ("lead:81", (0, 4, 8, 12), 84, "lead", 3),
            ("chord:4", (0,), 60, "chord", 16),
        ],
    },
    # a slow funk in 16ths whose kick and bass move in dotted eighths (3 16ths): prone to 4:3
    "groove-funk-16ths-96": {
        "bpm": 96.0,
        "parts": [
            ("drum:36", (0, 3, 6, 10), 104, None, 1),
            ("drum:38", (4, 12), 100, None, 1),
            ("drum:42", tuple(range(16)), 64, None, 1),
            ("bass:34", (0, 3, 6, 9, 12), 96, "root", 2),
            ("chord:4", (0, 8), 62, "chord", 6),
        ],
    },
}


def groove_piece(name: str, bars: int = 24, seed: int = 0, key: int = 55, bpm: float | None = None):
    """A sequenced groove of `GROOVES` and its truth (beats, downbeats, phrase starts every 2 bars);
    `bpm` overrides the groove's tempo."""
    import pretty_midi

    spec = GROOVES[name]
    bpm = spec["bpm"] if bpm is None else bpm
    rng = np.random.default_rng(seed)
    period = 60.0 / bpm
    sixteenth = period / 4
    start = period  # one beat of silence: on the file's grid
    midi = pretty_midi.PrettyMIDI(resolution=MIDI_RESOLUTION, initial_tempo=bpm)
    instruments: dict[str, pretty_midi.Instrument] = {}
    progression = [0, 5, 7, 0]
    for bar in range(bars):
        bar_start = start + bar * 4 * period
        step = progression[(bar // 2) % 4]
        for part, positions, velocity, role, length in spec["parts"]:
            kind, number = part.split(":")
            if part not in instruments:
                instruments[part] = pretty_midi.Instrument(
                    program=0 if kind == "drum" else int(number), is_drum=kind == "drum", name=part
                )
            if role == "root":
                pitches = [key - 24 + step]
            elif role == "chord":
                pitches = [key + step + interval for interval in (0, 4, 7)]
            elif role == "lead":
                pitches = [key + 12 + step + int(rng.choice([0, 2, 4, 7]))]
            else:
                pitches = [int(number)]
            for position in positions:
                time = bar_start + position * sixteenth
                for pitch in pitches:
                    level = int(np.clip(velocity + rng.integers(-6, 7), 1, 127))
                    duration = 0.1 if kind == "drum" else length * sixteenth * 0.9
                    instruments[part].notes.append(pretty_midi.Note(level, pitch, time, time + duration))
    midi.instruments.extend(instruments.values())
    beats = [start + index * period for index in range(4 * bars + 1)]
    downbeats = beats[::4]
    return midi, beats, downbeats, downbeats[0::2]


# Accompaniment written by mma's authors (its groove library, Debian `mma`), not by us: one song per groove
# from a fixed 8-bar progression, 32 bars, rendered like the rest. Tuning only; chosen for off-beat and
# syncopated styles (Latin, ska, funk, trance), where a phase check is tested hardest.
MMA_GROOVES = (
    ("Salsa", 100.0),
    ("Son", 100.0),
    ("Merengue", 130.0),
    ("Mambo", 120.0),
    ("ChaCha", 116.0),
    ("Rhumba", 104.0),
    ("Bolero", 96.0),
    ("Ska", 140.0),
    ("Calypso", 120.0),
    ("Samba", 100.0),
    ("BVFunk", 104.0),
    ("Trance", 132.0),
    ("Twist", 150.0),
    ("Zydeco", 120.0),
    ("R&B", 96.0),
    ("DSoul", 110.0),
    ("8Beat", 120.0),
    ("SoftRock", 112.0),
)
MMA_PROGRESSION = ("Am", "F", "C", "G", "Am", "Dm", "E7", "Am")


def mma_groove_midi(groove: str, bpm: float, folder: Path, bars: int = 32):
    """mma's `groove` over `MMA_PROGRESSION`: (pretty_midi piece, beats, downbeats) from its tempo map. mma
    starts bar 1 at time 0 here (no preamble: checked against the first notes)."""
    import pretty_midi

    if shutil.which("mma") is None:
        raise SetUnavailable(f"mma is needed: {INSTALL_HINT}")
    lines = ["RndSeed 1", f"Tempo {bpm:g}", f"Groove {groove}"]  # mma randomises timing and velocity
    lines += [f"{bar + 1} {MMA_PROGRESSION[bar % len(MMA_PROGRESSION)]}" for bar in range(bars)]
    # in a folder of its own: two benches building the set at once read each other's half-written MIDI
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as work:
        source = Path(work) / f"mma-groove-{groove.lower().replace('&', 'n')}.mma"
        source.write_text("\n".join(lines) + "\n")
        subprocess.run(  # by its bare name: mma writes the song's path into the MIDI
            ["mma", "-f", source.with_suffix(".mid").name, source.name],
            cwd=work,
            check=True,
            capture_output=True,
        )
        midi = pretty_midi.PrettyMIDI(str(source.with_suffix(".mid")))
    signatures = {(t.numerator, t.denominator) for t in midi.time_signature_changes}
    if signatures - {(4, 4)}:
        raise ValueError(f"{groove}: not in 4/4 ({signatures})")
    notes = [n for instrument in midi.instruments for n in instrument.notes]
    last = max(n.end for n in notes)
    beats = [float(t) for t in midi.get_beats() if t < last - 0.1]
    beats = beats[: 4 * bars + 1]
    first = min(n.start for n in notes)
    assert first < 0.05, f"{groove}: the first note is at {first:.3f} s, not on bar 1"
    return midi, beats, beats[::4]


MMA_STDLIB = Path("/usr/share/mma/lib/stdlib")
STUDY_TEMPI = (96.0, 108.0, 120.0, 132.0, 144.0)


def study_grooves() -> list[tuple[str, float]]:
    """The `study` part's grooves: the first groove each file of mma's standard library defines, except the
    `MMA_GROOVES` already in the tuning part and the files of other metres (waltz, 6/8, 5/4, metronome),
    at a tempo cycling through `STUDY_TEMPI` by the file's place in the library. Tuning material (the
    analysis may be tuned on it), scored for the analysis only; each comes with and without its drums."""
    import re

    used = {groove.lower() for groove, _ in MMA_GROOVES}
    grooves = []
    for index, path in enumerate(sorted(MMA_STDLIB.glob("*.mma"))):
        if any(word in path.stem for word in ("waltz", "68", "54", "metronome")):
            continue
        found = re.search(
            r"^\s*DefGroove\s+(\S+)", path.read_text(errors="ignore"), re.MULTILINE | re.IGNORECASE
        )
        if found and found.group(1).lower() not in used:
            grooves.append((found.group(1), STUDY_TEMPI[index % len(STUDY_TEMPI)]))
    return grooves


# ---------------------------------------------------------------------------------------------- Debian pieces


def debian_sources() -> list[tuple[str, Path]]:
    pieces = [(f"blupi-{path.stem}", path) for path in sorted(PLANETBLUPI.glob("*.mid"))]
    pieces += [
        (f"mma-{Path(name).stem}", MMA_EXAMPLES / name)
        for name in MMA_PIECES
        if (MMA_EXAMPLES / name).exists()
    ]
    return pieces


SIMUTRANS_MUSIC = Path("/usr/share/games/simutrans/music")


def simutrans_sources() -> list[tuple[str, Path]]:
    """The MIDI music of Debian's `simutrans-data` (the Simutrans game's 53 tracks by its community's
    composers: swing, blues, marches, rock, house, techno), in file order; alternate files go to `tuning` and
    to `fresh`, a second part kept out of tuning (added 2026-12-03, after the held-out part had been read
    once per change for two days), by the rule of the other Debian pieces."""
    return [(f"simu-{path.stem.lower()}"[:28], path) for path in sorted(SIMUTRANS_MUSIC.glob("*.mid"))]


DINK_SOUND = Path("/usr/share/games/dink/dink/Sound")


def blind_midi_sources() -> list[tuple[str, Path]]:
    """The MIDI music of Debian's `freedink-data` (Dink Smallwood, 1997-2003): all of it goes to the blind
    part, by the rule of the other Debian pieces (first `DEBIAN_SECONDS`, median tempo 90-170 BPM, 16 beats
    or more)."""
    return [(f"dink-{path.stem}", path) for path in sorted(DINK_SOUND.glob("*.mid"))]


FREEDOOM_WADS = (Path("/usr/share/games/doom/freedoom1.wad"), Path("/usr/share/games/doom/freedoom2.wad"))


def freedoom_sources(out: Path, wads: tuple[Path, ...] = FREEDOOM_WADS) -> list[tuple[str, Path]]:
    """The music of Debian's `freedoom` (Freedoom: Phase 1 and 2, BSD-3-Clause): the MIDI lumps (`D_*`) of
    its two WADs, written to out/freedoom/ so the MIDI loop can read them like any other file. Music by the
    Freedoom project's many composers (rock, metal, ambient, jazz), none of it written or chosen here."""
    import struct

    folder = out / "freedoom"
    sources = []
    for wad in wads:
        if not wad.exists():
            continue
        data = wad.read_bytes()
        _, count, directory = struct.unpack("<4sii", data[:12])
        for index in range(count):
            position, size, raw = struct.unpack(
                "<ii8s", data[directory + 16 * index : directory + 16 * index + 16]
            )
            lump = raw.rstrip(b"\0").decode("ascii", "replace")
            body = data[position : position + size]
            if not lump.startswith("D_") or body[:4] != b"MThd":
                continue
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{wad.stem}-{lump[2:].lower()}.mid"
            if not path.exists() or path.read_bytes() != body:
                path.write_bytes(body)
            sources.append((f"doom{wad.stem[-1]}-{lump[2:].lower()}", path))
    return sources


def in_common_time(midi, seconds: float) -> bool:
    """Every time signature that starts before `seconds` is 4/4 (a file without one is 4/4 by the MIDI
    standard). Bachata is danced in 4/4; a 3/4 piece's truth would put a bar every three beats."""
    return all(
        (t.numerator, t.denominator) == (4, 4) for t in midi.time_signature_changes if t.time < seconds
    )


GRID_STRENGTH = 0.35


def grid_strength(midi, beats: list[float]) -> float:
    """How well the notes keep to the file's beat grid: the strongest vector strength of their phases in the
    beat at 1, 2, 3, 4 and 6 pulses per beat (1.0: every note on such a pulse; ~0: the notes are where the
    grid says nothing, as uniform phases). Quantised music, swung or humanised by mma, reads 0.54-1.00 on
    this set; files whose tempo map is not their music's (a MUS conversion at a nominal 95 BPM whose notes
    keep to a 141 BPM grid, say) read 0.01-0.18, and their "truth" would be a grid the music never plays.
    Below `GRID_STRENGTH` a file is left out of the set."""
    grid = np.asarray(beats, dtype=float)
    if len(grid) < 2:
        return 0.0
    onsets = np.asarray(sorted(n.start for instrument in midi.instruments for n in instrument.notes))
    onsets = onsets[(onsets >= grid[0]) & (onsets < grid[-1])]
    if len(onsets) == 0:
        return 0.0
    index = np.clip(np.searchsorted(grid, onsets, side="right") - 1, 0, len(grid) - 2)
    phase = (onsets - grid[index]) / (grid[index + 1] - grid[index])
    return max(float(np.abs(np.mean(np.exp(2j * np.pi * pulses * phase)))) for pulses in (1, 2, 3, 4, 6))


def note_grid_offset(midi, beats: list[float]) -> float:
    """The constant offset (seconds) of the piece's notes from its tempo map's beat grid: the median offset
    of the note onsets in the most populated 1/48-beat phase bin, when that bin is not the grid itself.

    Three planetblupi pieces play every note ~1/12 beat (~50 ms) after the grid the file declares; their
    truth is that grid moved by this offset (what a listener, or a dancer, hears as the beat)."""
    grid = np.asarray(beats, dtype=float)
    onsets = np.asarray(sorted(n.start for instrument in midi.instruments for n in instrument.notes))
    onsets = onsets[(onsets >= grid[0]) & (onsets <= grid[-1])]
    index = np.clip(np.searchsorted(grid, onsets, side="right") - 1, 0, len(grid) - 2)
    period = grid[index + 1] - grid[index]
    phase = (onsets - grid[index]) / period
    bins = np.floor(phase * 48).astype(int) % 48
    counts = np.bincount(bins, minlength=48)
    near = [*range(0, 7), *range(42, 48)]  # within 1/8 beat of the grid
    mode = near[int(np.argmax(counts[near]))]
    if mode in (0, 47):
        return 0.0
    chosen = np.abs(bins - mode) <= 1
    return float(np.median((phase[chosen] if mode < 24 else phase[chosen] - 1) * period[chosen]))


def _truth_from_midi(
    midi, seconds: float, *, mma: bool = False
) -> tuple[list[float], list[float], float, float]:
    """(beats, downbeats, median tempo, note offset applied) inside the span where notes sound. mma writes a
    one-beat preamble at 120 BPM before bar 1 (its first notes are at 0.5 s): its bars start there."""
    notes = [n for instrument in midi.instruments for n in instrument.notes]
    first = min(n.start for n in notes)
    last = min(seconds, max(n.end for n in notes))
    all_beats = [float(t) for t in midi.get_beats()]
    offset = note_grid_offset(midi, [t for t in all_beats if t <= last])
    beats = [t + offset for t in all_beats if first - 0.03 <= t + offset <= last]
    if mma:
        downbeats = beats[0::4]
    else:
        downbeats = [float(t) + offset for t in midi.get_downbeats() if first - 0.03 <= t + offset <= last]
    tempo = float(60.0 / np.median(np.diff(beats)))
    return beats, downbeats, tempo, offset


def _truncated(midi, seconds: float):
    for instrument in midi.instruments:
        instrument.notes = [n for n in instrument.notes if n.start < seconds]
        for n in instrument.notes:
            n.end = min(n.end, seconds + 0.5)
        instrument.control_changes = [c for c in instrument.control_changes if c.time < seconds]
        instrument.pitch_bends = [p for p in instrument.pitch_bends if p.time < seconds]
    return midi


# ---------------------------------------------------------------------------------------------- recordings

FOF_SONGS = Path("/usr/share/games/fretsonfire/data/songs")
FOF_PACKAGES = ("fretsonfire-songs-muldjord", "fretsonfire-songs-sectoid")
# The onset envelope's own lag (its peak after a note's start), measured on this set's fluidsynth pieces
# against their MIDI notes (hop 64: 16-38 ms over 14 tuning pieces, median 25 ms): taken off the lag measured
# on a recording so that what is left is the chart's own offset from its audio.
ENVELOPE_LAG = 0.025


def fof_sources() -> list[tuple[str, Path]]:
    """Every song folder of the Frets on Fire song packages (notes.mid + song.ogg + guitar.ogg)."""
    if not FOF_SONGS.is_dir():
        return []
    return [
        (f"fof-{folder.name.lower().replace(' ', '-').replace('_', '-')}", folder)
        for folder in sorted(FOF_SONGS.glob("*/*"))
        if (folder / "notes.mid").exists() and (folder / "song.ogg").exists()
    ]


def envelope_lag(samples: np.ndarray, sample_rate: int, note_times: np.ndarray) -> float:
    """The lag (s, within ±0.2) at which the onset envelope of `samples` is strongest at `note_times`."""
    import librosa

    hop = 64
    envelope = librosa.onset.onset_strength(y=samples, sr=sample_rate, hop_length=hop)
    times = librosa.frames_to_time(np.arange(len(envelope)), sr=sample_rate, hop_length=hop)
    lags = np.arange(-0.2, 0.2, 0.002)
    scores = [float(np.interp(note_times + lag, times, envelope).mean()) for lag in lags]
    return float(lags[int(np.argmax(scores))])


def fof_piece(folder: Path, out: Path, name: str, seconds: float = DEBIAN_SECONDS):
    """A Frets on Fire song: its recorded stems (song.ogg, guitar.ogg, rhythm.ogg where present) mixed to
    mono WAV and cut to `seconds`; truth from the chart's tempo map (notes.mid, made with the song by its
    composer), moved by the chart's offset from the audio: the guitar stem's onset-envelope lag at the
    chart's notes less `ENVELOPE_LAG` (the envelope's own). Returns (wav, beats, downbeats, tempo, offset)
    or None when the song is not one tempo in 4/4 between 90 and 170 BPM (the rule for the Debian pieces)."""
    import warnings

    import librosa
    import pretty_midi
    import soundfile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chart = pretty_midi.PrettyMIDI(str(folder / "notes.mid"))
    _, tempi = chart.get_tempo_changes()
    tempi = np.round(tempi, 2)  # MIDI stores microseconds per beat: 170 BPM reads back as 170.000085
    signatures = {(t.numerator, t.denominator) for t in chart.time_signature_changes}
    if len(tempi) != 1 or signatures - {(4, 4)} or not 90 <= float(tempi[0]) <= 170:
        return None
    stems = [
        folder / f"{stem}.ogg" for stem in ("song", "guitar", "rhythm") if (folder / f"{stem}.ogg").exists()
    ]
    loaded = [librosa.load(stem, sr=SAMPLE_RATE, mono=True, duration=seconds)[0] for stem in stems]
    mix = np.zeros(max(len(y) for y in loaded), dtype=np.float32)
    for y in loaded:
        mix[: len(y)] += y
    mix /= max(1e-9, float(np.max(np.abs(mix)))) / 0.9
    notes = np.array(sorted({round(n.start, 4) for i in chart.instruments for n in i.notes}))
    notes = notes[(notes > 0.2) & (notes < seconds - 0.5)]
    guitar = loaded[stems.index(folder / "guitar.ogg")] if folder / "guitar.ogg" in stems else mix
    offset = round(envelope_lag(guitar, SAMPLE_RATE, notes) - ENVELOPE_LAG, 3)
    frame = 512
    rms = librosa.feature.rms(y=mix, frame_length=2048, hop_length=frame)[0]
    sounding = np.flatnonzero(rms > 0.01 * rms.max())
    start = float(sounding[0] * frame / SAMPLE_RATE)
    end = min(seconds, float((sounding[-1] + 1) * frame / SAMPLE_RATE))
    beats = [float(t) + offset for t in chart.get_beats() if start - 0.03 <= t + offset <= end]
    downbeats = [float(t) + offset for t in chart.get_downbeats() if start - 0.03 <= t + offset <= end]
    wav = out / f"{name}.wav"
    soundfile.write(str(wav), mix, SAMPLE_RATE, subtype="PCM_16")
    return wav, beats, downbeats, float(tempi[0]), offset


# ---------------------------------------------------------------------------------------------- building


def build_set(
    out: Path = DEFAULT_OUT, only: list[str] | None = None, *, include_debian: bool = True
) -> list[Piece]:
    """Render every piece (reusing a rendered WAV whose MIDI is unchanged) and write out/set.json."""
    import warnings

    import pretty_midi

    require_tools()
    out.mkdir(parents=True, exist_ok=True)
    pieces: list[Piece] = []
    for name, part, keywords, tags in bachata_specs():
        if only and name not in only:
            continue
        midi, beats, downbeats, phrases = bachata_piece(name, **keywords)
        pieces.append(
            _render_piece(
                out,
                name,
                part,
                "sequenced here (bench/hearing_set.py)",
                midi,
                beats,
                downbeats,
                phrases,
                tags,
            )
        )
        file_beats = [float(t) for t in pretty_midi.PrettyMIDI(str(out / f"{name}.mid")).get_beats()]
        file_beats = [t for t in file_beats if t >= beats[0] - 0.001][: len(beats)]
        assert np.allclose(file_beats, beats, atol=0.002), f"{name}: tempo map and truth differ"
    for index, name in enumerate(GROOVES):
        if only and name not in only:
            continue
        midi, beats, downbeats, phrases = groove_piece(name, seed=30 + index)
        pieces.append(
            _render_piece(
                out,
                name,
                "tuning",
                "sequenced here (bench/hearing_set.py, GROOVES)",
                midi,
                beats,
                downbeats,
                phrases,
                ["groove"],
            )
        )
    for groove, bpm in MMA_GROOVES if include_debian else ():
        name = f"mma-groove-{groove.lower().replace('&', 'n')}"
        if only and name not in only:
            continue
        midi, beats, downbeats = mma_groove_midi(groove, bpm, out)
        pieces.append(
            _render_piece(
                out,
                name,
                "tuning",
                f"Debian mma: groove {groove} at {bpm:g} BPM over {' '.join(MMA_PROGRESSION)}",
                midi,
                beats,
                downbeats,
                downbeats[0::2],
                ["debian", "mma-groove"],
            )
        )
    for groove, bpm in study_grooves() if include_debian and shutil.which("mma") else ():
        stem = f"{groove.lower().replace('&', 'n')}"
        wanted = [name for name in (f"study-{stem}", f"study-nodrum-{stem}") if not only or name in only]
        if not wanted:
            continue
        try:
            midi, beats, downbeats = mma_groove_midi(groove, bpm, out)
        except (ValueError, AssertionError, subprocess.CalledProcessError):
            continue  # not 4/4, or mma will not write it
        for name in wanted:
            if "nodrum" in name:
                midi.instruments = [instrument for instrument in midi.instruments if not instrument.is_drum]
                if not any(instrument.notes for instrument in midi.instruments):
                    continue
            pieces.append(
                _render_piece(
                    out,
                    name,
                    "study",
                    f"Debian mma: groove {groove} at {bpm:g} BPM"
                    + (", its drums left out" if "nodrum" in name else ""),
                    midi,
                    beats,
                    downbeats,
                    downbeats[0::2],
                    ["debian", "mma-groove", "study"] + (["no-drums"] if "nodrum" in name else []),
                )
            )
    midi_files = [
        (name, path, "tuning" if index % 2 == 0 else "held_out", _debian_package(path), ["debian"])
        for index, (name, path) in enumerate(debian_sources())
    ]
    midi_files += [
        (name, path, "tuning" if index % 2 == 0 else "held_out", "freedoom", ["debian", "freedoom"])
        for index, (name, path) in enumerate(freedoom_sources(out) if include_debian else [])
    ]
    midi_files += [
        (name, path, "blind", "freedink-data", ["debian", "blind-midi"])
        for name, path in blind_midi_sources()
    ]
    midi_files += [
        (name, path, "tuning" if index % 2 == 0 else "fresh", "simutrans-data", ["debian", "simutrans"])
        for index, (name, path) in enumerate(simutrans_sources())
    ]
    for name, path, part, package, tags in midi_files if include_debian else ():
        if only and name not in only:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                midi = _truncated(pretty_midi.PrettyMIDI(str(path)), DEBIAN_SECONDS)
            except Exception:  # mido raises its own errors (KeySignatureError), all of them Exceptions
                continue  # a file pretty_midi cannot read (two simutrans files: a key signature it cannot decode)
        if not any(instrument.notes for instrument in midi.instruments) or not in_common_time(
            midi, DEBIAN_SECONDS
        ):
            continue
        beats, downbeats, tempo, offset = _truth_from_midi(midi, DEBIAN_SECONDS, mma=package == "mma")
        if not 90 <= tempo <= 170 or len(beats) < 16 or grid_strength(midi, beats) < GRID_STRENGTH:
            continue
        pieces.append(
            _render_piece(
                out,
                name,
                part,
                f"Debian {package}: {path}"
                + (f" (notes {1000 * offset:+.0f} ms off the file's grid)" if offset else ""),
                midi,
                beats,
                downbeats,
                downbeats[0::2],
                tags,
            )
        )
    for index, (name, folder) in enumerate(fof_sources() if include_debian else ()):
        if only and name not in only:
            continue
        made = fof_piece(folder, out, name)
        if made is None:
            continue
        wav, beats, downbeats, tempo, offset = made
        pieces.append(
            Piece(
                name,
                "tuning" if index % 2 == 0 else "blind",
                f"Debian {_fof_package(folder)}: {folder} (recording; chart {1000 * offset:+.0f} ms from its audio)",
                str(wav),
                beats,
                downbeats,
                downbeats[0::2],
                round(tempo, 3),
                ["debian", "recording"],
            )
        )
    pieces += variant_pieces(out, pieces, only)
    written = pieces
    if only and (out / "set.json").exists():  # rebuilding some pieces keeps the others in the set
        rebuilt = {piece.name for piece in pieces}
        written = [piece for piece in load_set(out) if piece.name not in rebuilt] + pieces
    (out / "set.json").write_text(json.dumps([piece.to_dict() for piece in written], indent=1))
    return pieces


# The `variants` part (tuning material, analysis only): every MIDI piece of the tuning part again, rendered
# with another General MIDI soundfont (other samples, other attacks) with reverb and chorus, and at 0.9x and
# 1.1x its tempo, where that stays in 90-170 BPM. A decision that holds on a piece but flips on its variants
# rests on noise, not on the music, and the held-out part is not there to find that out.
VARIANTS = (
    ("ms", Path("/usr/share/sounds/sf3/MuseScore_General_Full.sf3"), 1.0),
    ("slow", Path("/usr/share/sounds/sf2/TimGM6mb.sf2"), 0.9),
    ("fast", SOUNDFONT, 1.1),
)
VARIANT_PACKAGES = "musescore-general-soundfont timgm6mb-soundfont"


def variant_pieces(out: Path, tuning: list[Piece], only: list[str] | None = None) -> list[Piece]:
    """The `VARIANTS` of the tuning part's MIDI pieces in `tuning` (a soundfont that is not installed is
    left out: VARIANT_PACKAGES). With `only`, those of the pieces named, and those named."""
    import warnings

    import pretty_midi

    made = []
    for base in tuning:
        midi_path = Path(base.audio).with_suffix(".mid")
        if base.part != "tuning" or "recording" in base.tags or not midi_path.exists():
            continue
        for tag, soundfont, scale in VARIANTS:
            name = f"{tag}-{base.name}"
            if not soundfont.exists() or not 90 <= base.tempo_bpm * scale <= 170:
                continue
            if only and name not in only and base.name not in only:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                midi = pretty_midi.PrettyMIDI(str(midi_path))
            if scale != 1.0:
                end = midi.get_end_time() + 1.0
                midi.adjust_times([0.0, end], [0.0, end / scale])
            made.append(
                _render_piece(
                    out,
                    name,
                    "variants",
                    f"{base.source} [{soundfont.name}, reverb and chorus, {scale:g}x tempo]",
                    midi,
                    [t / scale for t in base.beats],
                    [t / scale for t in base.downbeats],
                    [t / scale for t in base.phrase_starts],
                    [*base.tags, "variant"],
                    soundfont=soundfont,
                    effects=True,
                )
            )
    return made


def _debian_package(path: Path) -> str:
    return "planetblupi-music-midi" if path.is_relative_to(PLANETBLUPI) else "mma"


def _fof_package(folder: Path) -> str:
    return next((p for p in FOF_PACKAGES if p.endswith(folder.parent.name)), "fretsonfire-songs")


def _render_piece(
    out, name, part, source, midi, beats, downbeats, phrases, tags, *, soundfont=SOUNDFONT, effects=False
) -> Piece:
    """Write `midi` as out/name.mid and render it (again only when the MIDI changed, or the WAV is gone)."""
    midi_path, wav_path = out / f"{name}.mid", out / f"{name}.wav"
    previous = midi_path.read_bytes() if midi_path.exists() else None
    midi.write(str(midi_path))
    if previous != midi_path.read_bytes() or not wav_path.exists():
        render_midi(midi_path, wav_path, soundfont, effects)
    tempo = float(60.0 / np.median(np.diff(beats)))
    return Piece(
        name, part, source, str(wav_path), list(beats), list(downbeats), list(phrases), round(tempo, 3), tags
    )


def load_set(out: Path = DEFAULT_OUT) -> list[Piece]:
    return [Piece(**entry) for entry in json.loads((out / "set.json").read_text())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--only", nargs="+")
    arguments = parser.parse_args(argv)
    try:
        pieces = build_set(arguments.out, arguments.only)
    except SetUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for piece in pieces:
        print(
            f"{piece.part:<9} {piece.name:<28} {piece.tempo_bpm:7.2f} BPM  {len(piece.beats):4d} beats  {piece.source}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
