// The practice player: one component for the result page, the collection detail and class plans.
//
// Props:
//   src        the video URL (a signed media URL from the API)
//   poster     optional thumbnail URL
//   title      the choreography's title (used in accessible names)
//   moves      result.moves: [{clip, move, label?, start, end, rate}] in video seconds (may be empty/undefined)
//   timing     the beat grid from the API ({bpm, beats, downbeats, phrase_starts} in seconds) or null (legacy rows)
//   storageKey optional id under which the player remembers its practice settings on this device
//   syncUrl    optional, default true: keep ?start&end&speed&mirror in the address bar and restore them on load
//   onEnded    optional, called when the video plays to its end (class practice goes to the next choreography)
//   autoPlay   optional: start playing once the video can play
//
// The music knowledge (beats, 8-counts, moves) comes from the API; this component only does arithmetic on it
// (./grid.js, ./loop.js, ./countIn.js) and keeps everything it computes per frame in refs, so a running loop
// re-renders only when what is shown changes (the count, the time text a few times a second).
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';

import { countInAt, countInSchedule } from './countIn.js';
import { scheduleClicks, speak, stopSpeaking, prepareClick } from './countInSound.js';
import { clock, percent, speedLabel } from './format.js';
import {
  adjacentMoveIndex,
  beatFlashAllowed,
  countAt,
  indexAtOrBefore,
  moveIndexAt,
  normalizeMoves,
  normalizeTiming,
} from './grid.js';
import HelpDialog from './HelpDialog.jsx';
import { keyAction, shortcutFor, targetKindOf } from './keys.js';
import {
  completePass,
  DEFAULT_FRAME_SECONDS,
  estimateFrameSeconds,
  frameStepTime,
  isCompleteLoop,
  LOOP_TIMES,
  loopEndReached,
  loopForMove,
  loopForMoveAt,
  loopForPhrase,
  nudgeLoopPoint,
  RAMP_STARTS,
  runRate,
  setLoopPoint,
  SPEEDS,
  startRun,
  stepSpeed,
} from './loop.js';
import MoveList from './MoveList.jsx';
import { loadSettings, parsePracticeParams, saveSettings, withPracticeParams } from './practiceSettings.js';
import SeekBar from './SeekBar.jsx';

const BUTTON =
  'inline-flex min-h-11 min-w-11 items-center justify-center gap-1 rounded-md border border-slate-400 bg-white px-3 text-sm font-medium text-slate-900 hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-700 disabled:cursor-not-allowed disabled:border-slate-200 disabled:text-slate-500 aria-pressed:border-blue-800 aria-pressed:bg-blue-800 aria-pressed:text-white';
const SELECT =
  'min-h-11 rounded-md border border-slate-400 bg-white px-2 text-sm text-slate-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-700';
const TIME_TEXT_EVERY_MS = 250;

function reducedMotion() {
  return typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
}

function preciseClock(t) {
  return `${clock(t)}.${String(Math.floor((t % 1) * 100)).padStart(2, '0')}`;
}

export default function Player({
  src,
  poster,
  title,
  moves: rawMoves,
  timing,
  storageKey,
  syncUrl = true,
  onEnded,
  autoPlay = false,
}) {
  const grid = useMemo(() => normalizeTiming(timing), [timing]);
  const moves = useMemo(() => normalizeMoves(rawMoves), [rawMoves]);
  const headingId = useId();
  const beatNoteId = useId();

  // What the person chose (restored from the link, else from this device, else defaults).
  const initial = useMemo(() => {
    const remembered = loadSettings(storageKey);
    const linked = syncUrl && typeof window !== 'undefined' ? parsePracticeParams(window.location.search) : {};
    return { ...remembered, ...linked, fromLink: 'start' in linked };
    // Read once per video: later changes are this player's own.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [src, storageKey]);

  const [speed, setSpeed] = useState(initial.speed ?? 1);
  const [mirror, setMirror] = useState(initial.mirror ?? false);
  const [loop, setLoop] = useState(
    initial.start !== undefined ? { start: initial.start, end: initial.end, kind: 'free' } : null,
  );
  const [loopTimes, setLoopTimes] = useState(initial.times ?? null);
  const [rampFrom, setRampFrom] = useState(initial.rampFrom ?? null);
  const [countInMode, setCountInMode] = useState(initial.countIn ?? (grid ? 'show' : 'off'));
  const [run, setRun] = useState(null);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(initial.start ?? 0);
  const [duration, setDuration] = useState(0);
  const [count, setCount] = useState(null);
  const [pulse, setPulse] = useState(false);
  const [countInValue, setCountInValue] = useState(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [helpOpen, setHelpOpen] = useState(false);

  const sectionRef = useRef(null);
  const videoRef = useRef(null);
  // The frame loop reads these without re-subscribing.
  const live = useRef({});
  live.current = { loop, run, speed, grid, moves, duration, onEnded };
  const frameSecondsRef = useRef(null);
  const jumpPendingRef = useRef(false);
  const countInRef = useRef(null);
  const shownRef = useRef({ count: null, pulse: false, timeAt: 0 });

  const announce = useCallback((message) => setStatus(message), []);
  const rate = runRate(run, speed);
  const moveIndex = moveIndexAt(moves, time);
  const flashAllowed = beatFlashAllowed(grid, rate) && !reducedMotion();

  // ---- the video element follows the state

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    video.preservesPitch = true;
    video.mozPreservesPitch = true;
    video.webkitPreservesPitch = true;
    video.playbackRate = rate;
  }, [rate]);

  // ---- remembered settings and the shareable link

  const settingsChanged = useRef(false);
  useEffect(() => {
    // Nothing is written until the person changes something (a visit alone leaves no trace on the device).
    if (!settingsChanged.current) {
      settingsChanged.current = true;
      return;
    }
    const section = isCompleteLoop(loop) ? { start: loop.start, end: loop.end } : {};
    saveSettings(storageKey, { ...section, speed, mirror, times: loopTimes, rampFrom, countIn: countInMode });
    if (syncUrl) {
      const search = withPracticeParams(window.location.search, { ...section, speed, mirror });
      if (search !== window.location.search) {
        const url = `${window.location.pathname}${search}${window.location.hash}`;
        window.history.replaceState(window.history.state, '', url);
      }
    }
  }, [storageKey, syncUrl, loop, speed, mirror, loopTimes, rampFrom, countInMode]);

  // ---- the frame loop: loop ends, the on-screen count, the time text

  const onFrame = useCallback((t, lookahead, now) => {
    const video = videoRef.current;
    const { loop: currentLoop, run: currentRun, grid: g, speed: chosen } = live.current;
    if (!video) return;
    if (
      !jumpPendingRef.current &&
      !countInRef.current &&
      currentRun &&
      !currentRun.finished &&
      isCompleteLoop(currentLoop) &&
      loopEndReached(currentLoop, t, lookahead)
    ) {
      const next = completePass(currentRun);
      live.current.run = next;
      setRun(next);
      if (next.finished) {
        setStatus(`Looped ${next.passes} times; playing on.`);
      } else {
        jumpPendingRef.current = true;
        video.currentTime = currentLoop.start;
        video.playbackRate = runRate(next, chosen);
      }
    }
    const shown = shownRef.current;
    const c = countAt(g, t);
    if (c !== shown.count) {
      shown.count = c;
      setCount(c);
    }
    if (g) {
      const beat = indexAtOrBefore(g.beats, t + 1e-3);
      const phase = beat >= 0 ? (t - g.beats[beat]) / g.beatPeriod : 1;
      const on = beat >= 0 && phase < 0.4;
      if (on !== shown.pulse) {
        shown.pulse = on;
        setPulse(on);
      }
    }
    if (now - shown.timeAt >= TIME_TEXT_EVERY_MS) {
      shown.timeAt = now;
      setTime(t);
    }
  }, []);

  useEffect(() => {
    const video = videoRef.current;
    if (!video || !playing) return undefined;
    let stopped = false;
    let handle = null;
    let lastMedia = null;
    let lastGap = null;
    let lastNow = null;
    const frameCallbacks = typeof video.requestVideoFrameCallback === 'function';
    const schedule = () => {
      if (stopped) return;
      handle = frameCallbacks
        ? video.requestVideoFrameCallback(onVideoFrame)
        : window.requestAnimationFrame(onAnimationFrame);
    };
    // requestVideoFrameCallback: once per presented frame, with that frame's exact media time.
    function onVideoFrame(now, metadata) {
      const t = metadata.mediaTime;
      if (lastMedia !== null && !jumpPendingRef.current && !video.seeking) {
        const gap = t - lastMedia;
        frameSecondsRef.current = estimateFrameSeconds(frameSecondsRef.current, gap, lastGap);
        lastGap = gap;
      }
      lastMedia = t;
      onFrame(t, frameSecondsRef.current ?? DEFAULT_FRAME_SECONDS, now);
      schedule();
    }
    // Fallback: every display frame; look ahead by how far the media moves until the next one.
    function onAnimationFrame(now) {
      const t = video.currentTime;
      const advance = lastNow === null ? DEFAULT_FRAME_SECONDS : ((now - lastNow) / 1000) * video.playbackRate;
      lastNow = now;
      onFrame(t, Math.min(advance, 0.1), now);
      schedule();
    }
    schedule();
    return () => {
      stopped = true;
      if (handle !== null) {
        if (frameCallbacks) video.cancelVideoFrameCallback?.(handle);
        else window.cancelAnimationFrame(handle);
      }
    };
  }, [playing, onFrame]);

  // ---- actions

  const video = () => videoRef.current;

  const seek = useCallback((t) => {
    const v = videoRef.current;
    if (!v) return;
    const end = Number.isFinite(v.duration) ? v.duration : live.current.duration || Infinity;
    const target = Math.max(0, Math.min(end, t));
    v.currentTime = target;
    setTime(target);
    const c = countAt(live.current.grid, target);
    shownRef.current.count = c;
    setCount(c);
  }, []);

  const cancelCountIn = useCallback(() => {
    const active = countInRef.current;
    if (!active) return;
    countInRef.current = null;
    window.cancelAnimationFrame(active.frame);
    active.silence?.();
    stopSpeaking();
    setCountInValue(null);
  }, []);

  useEffect(() => cancelCountIn, [cancelCountIn]);

  // Go to the loop's start and play, after the count-in when it is on.
  const startLoop = useCallback(
    (nextLoop, { countIn = true } = {}) => {
      const v = videoRef.current;
      cancelCountIn();
      const nextRun = startRun({ times: loopTimes, rampFrom });
      live.current.run = nextRun;
      live.current.loop = nextLoop;
      setRun(nextRun);
      setLoop(nextLoop);
      if (!v) return;
      v.pause();
      seek(nextLoop.start);
      const playRate = runRate(nextRun, speed);
      v.playbackRate = playRate;
      const schedule = countIn && grid && countInMode !== 'off' ? countInSchedule(grid, nextLoop.start, playRate) : [];
      if (!schedule.length) {
        v.play()?.catch(() => {});
        return;
      }
      const silence = countInMode === 'click' ? scheduleClicks(schedule) : null;
      const begin = performance.now();
      const active = { frame: 0, silence, shown: undefined };
      countInRef.current = active;
      const tick = (now) => {
        if (countInRef.current !== active) return;
        const elapsed = (now - begin) / 1000;
        const due = countInAt(schedule, elapsed);
        if (elapsed >= schedule[schedule.length - 1].at) {
          countInRef.current = null;
          setCountInValue(null);
          v.play()?.catch(() => {});
          return;
        }
        if (due !== active.shown) {
          active.shown = due;
          setCountInValue(due);
          if (countInMode === 'voice' && due !== null) speak(String(due), playRate);
        }
        active.frame = window.requestAnimationFrame(tick);
      };
      active.frame = window.requestAnimationFrame(tick);
    },
    [cancelCountIn, countInMode, grid, loopTimes, rampFrom, seek, speed],
  );

  const describeLoop = (l) => {
    const range = `${preciseClock(l.start)} to ${preciseClock(l.end)}`;
    if (l.kind === 'move') return `Looping move ${l.moveIndex + 1}, ${moves[l.moveIndex].label}, ${range}.`;
    if (l.kind === 'phrase') return `Looping this 8-count, ${range}.`;
    return `Looping ${range}.`;
  };

  function loopMove(index) {
    const next = loopForMove(moves, index);
    if (!next) return;
    if (countInMode === 'click') prepareClick();
    startLoop(next);
    announce(describeLoop(next));
  }

  function loopThisMove() {
    if (!moves.length) return;
    const next = loopForMoveAt(moves, video()?.currentTime ?? time);
    loopMove(next.moveIndex);
  }

  function loopThisPhrase() {
    const next = loopForPhrase(grid, video()?.currentTime ?? time, duration || Infinity);
    if (!next) return;
    if (countInMode === 'click') prepareClick();
    startLoop(next);
    announce(describeLoop(next));
  }

  function setPoint(which) {
    const t = video()?.currentTime ?? time;
    const { loop: next, error: problem } = setLoopPoint(loop, which, t, { grid, duration: duration || Infinity });
    if (problem) {
      announce(problem);
      return;
    }
    if (isCompleteLoop(next) && which === 'b') {
      startLoop(next);
      announce(describeLoop(next));
    } else {
      cancelCountIn();
      setLoop(next);
      setRun(null);
      announce(`Loop start (A) at ${preciseClock(next.start)}. Now set the end (B).`);
    }
  }

  function nudge(which, direction) {
    const next = nudgeLoopPoint(loop, which, direction, { grid, duration: duration || Infinity });
    if (next === loop) return;
    setLoop(next);
    if (isCompleteLoop(next) && !run) {
      const nextRun = startRun({ times: loopTimes, rampFrom });
      setRun(nextRun);
    }
    announce(`Loop ${which === 'a' ? 'start' : 'end'} at ${preciseClock(which === 'a' ? next.start : next.end)}.`);
  }

  const clearLoop = useCallback(() => {
    cancelCountIn();
    setLoop(null);
    setRun(null);
    live.current.loop = null;
    live.current.run = null;
    announce('Loop cleared.');
  }, [announce, cancelCountIn]);

  function restartLoop() {
    if (!isCompleteLoop(loop)) return;
    if (countInMode === 'click') prepareClick();
    startLoop(loop);
    announce(describeLoop(loop));
  }

  function togglePlay() {
    const v = video();
    if (!v) return;
    if (countInRef.current) {
      cancelCountIn();
      announce('Count-in stopped.');
      return;
    }
    if (v.paused) {
      // A loop that is set up but not running yet (restored from a link or this device) starts with its count-in.
      if (isCompleteLoop(loop) && !run) {
        startLoop(loop);
        return;
      }
      v.play()?.catch(() => {});
    } else {
      v.pause();
    }
  }

  function changeSpeed(next) {
    setSpeed(next);
    announce(`Speed ${speedLabel(next)}${run?.rampFrom != null ? ' (the tempo ramp sets the loop’s speed)' : ''}.`);
  }

  function toggleMirror() {
    setMirror((m) => {
      announce(m ? 'Mirror off.' : 'Mirror on.');
      return !m;
    });
  }

  function goToMove(direction) {
    if (!moves.length) return;
    const index = adjacentMoveIndex(moves, video()?.currentTime ?? time, direction);
    seek(moves[index].start);
    announce(`Move ${index + 1} of ${moves.length}: ${moves[index].label}.`);
  }

  function frameStep(direction) {
    const v = video();
    if (!v || !v.paused) return;
    seek(frameStepTime(v.currentTime, direction, frameSecondsRef.current ?? DEFAULT_FRAME_SECONDS, v.duration));
  }

  const actions = {
    togglePlay,
    back10: () => seek((video()?.currentTime ?? time) - 10),
    forward10: () => seek((video()?.currentTime ?? time) + 10),
    back5: () => seek((video()?.currentTime ?? time) - 5),
    forward5: () => seek((video()?.currentTime ?? time) + 5),
    framePrev: () => frameStep(-1),
    frameNext: () => frameStep(1),
    slower: () => changeSpeed(stepSpeed(speed, -1)),
    faster: () => changeSpeed(stepSpeed(speed, 1)),
    mirror: toggleMirror,
    nextMove: () => goToMove(1),
    prevMove: () => goToMove(-1),
    setA: () => setPoint('a'),
    setB: () => setPoint('b'),
    clearLoop,
    help: () => setHelpOpen(true),
  };

  function onKeyDown(event) {
    const action = keyAction(event, targetKindOf(event.target));
    if (!action) return;
    event.preventDefault();
    actions[action]();
  }

  function onSeekKey(event) {
    const v = video();
    if (!v || event.ctrlKey || event.metaKey || event.altKey) return;
    const t = v.currentTime;
    const target = { Home: 0, End: v.duration, PageUp: t + 30, PageDown: t - 30 }[event.key];
    if (target === undefined) return; // arrows and the rest: the player's keys
    event.preventDefault();
    event.stopPropagation();
    seek(target);
  }

  // ---- video events

  function onLoadedMetadata() {
    const v = video();
    setDuration(v.duration);
    v.preservesPitch = true;
    v.playbackRate = rate;
    if (loop && isCompleteLoop(loop)) {
      if (loop.end > v.duration + 0.05) {
        setLoop(null);
      } else if (initial.fromLink || !run) {
        seek(loop.start);
      }
    }
    if (autoPlay) v.play()?.catch(() => {});
  }

  function onTimeUpdate() {
    const v = video();
    // A safety net when frame callbacks are throttled (a background tab): still never past the end for long.
    const { loop: l, run: r } = live.current;
    if (r && !r.finished && isCompleteLoop(l) && !jumpPendingRef.current && v.currentTime > l.end + 0.3) {
      onFrame(v.currentTime, 0, performance.now());
    }
    if (v.paused) setTime(v.currentTime);
  }

  const loopActive = isCompleteLoop(loop) && run && !run.finished;
  const loopDescription = isCompleteLoop(loop)
    ? `${preciseClock(loop.start)} – ${preciseClock(loop.end)}${
        loop.kind === 'move' && moves[loop.moveIndex] ? ` (move ${loop.moveIndex + 1}: ${moves[loop.moveIndex].label})` : ''
      }${loop.kind === 'phrase' ? ' (8-count)' : ''}`
    : loop && Number.isFinite(loop.start)
      ? `starts at ${preciseClock(loop.start)}; set the end (B)`
      : 'none';
  const passText =
    run && isCompleteLoop(loop)
      ? `pass ${Math.min(run.passes + 1, run.times ?? Infinity)}${run.times ? ` of ${run.times}` : ''}${
          run.finished ? ', done' : ''
        }${run.rampFrom != null ? `, ${percent(rate)} tempo` : ''}`
      : '';
  const noBeats = !grid;
  const beatDisabled = noBeats ? { disabled: true, 'aria-describedby': beatNoteId } : {};

  return (
    // The player's shortcuts are delegated from here: they act only while focus is inside the player.
    // eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions
    <section
      ref={sectionRef}
      tabIndex={-1}
      aria-labelledby={headingId}
      onKeyDown={onKeyDown}
      className="flex flex-col gap-3 outline-none"
      data-testid="player"
    >
      <h2 id={headingId} className="sr-only">
        Practice player{title ? `: ${title}` : ''}
      </h2>
      <div className="flex flex-col gap-3 lg:flex-row">
        <div className="flex min-w-0 flex-1 flex-col gap-2">
          <div className="relative overflow-hidden rounded-lg bg-black">
            {/* The videos are music and dancing, no speech: the counts and move names are text beside them. */}
            {/* eslint-disable-next-line jsx-a11y/media-has-caption */}
            <video
              ref={videoRef}
              className="aspect-video w-full bg-black"
              style={{ transform: mirror ? 'scaleX(-1)' : 'none' }}
              src={src}
              poster={poster}
              playsInline
              preload="metadata"
              aria-label={title ? `Video: ${title}` : 'Choreography video'}
              onClick={() => {
                togglePlay();
                sectionRef.current?.focus({ preventScroll: true });
              }}
              onPlay={() => setPlaying(true)}
              onPause={() => {
                setPlaying(false);
                setTime(video()?.currentTime ?? 0);
              }}
              onSeeked={() => {
                jumpPendingRef.current = false;
              }}
              onLoadedMetadata={onLoadedMetadata}
              onTimeUpdate={onTimeUpdate}
              onEnded={() => {
                setPlaying(false);
                live.current.onEnded?.();
              }}
              onError={() => setError('The video could not be loaded. Reload the page to try again.')}
            />
            {grid && count !== null && (
              <div
                aria-hidden="true"
                data-testid="beat-count"
                data-flash={flashAllowed ? 'on' : 'off'}
                className={`absolute left-2 top-2 flex h-12 w-12 items-center justify-center rounded-full text-2xl font-bold ${
                  flashAllowed && pulse ? 'bg-amber-300 text-slate-900' : 'bg-slate-900/80 text-white'
                }`}
              >
                {count}
              </div>
            )}
            {countInValue !== null && (
              <div
                aria-hidden="true"
                data-testid="count-in"
                className="pointer-events-none absolute inset-0 flex items-center justify-center bg-slate-900/40 text-8xl font-extrabold text-white"
              >
                {countInValue}
              </div>
            )}
          </div>

          <SeekBar
            time={time}
            duration={duration}
            moves={moves}
            moveIndex={moveIndex}
            loop={loop}
            onSeek={seek}
            onSeekKey={onSeekKey}
          />

          <div className="flex flex-wrap items-center gap-2">
            <button
              type="button"
              className={BUTTON}
              onClick={togglePlay}
              aria-keyshortcuts={shortcutFor('togglePlay')}
            >
              {countInValue !== null ? 'Stop count-in' : playing ? 'Pause' : 'Play'}
            </button>
            <button type="button" className={BUTTON} onClick={actions.back5} aria-keyshortcuts="ArrowLeft">
              −5 s<span className="sr-only"> (back 5 seconds)</span>
            </button>
            <button type="button" className={BUTTON} onClick={actions.forward5} aria-keyshortcuts="ArrowRight">
              +5 s<span className="sr-only"> (forward 5 seconds)</span>
            </button>
            <button
              type="button"
              className={BUTTON}
              onClick={actions.prevMove}
              disabled={!moves.length}
              aria-keyshortcuts={shortcutFor('prevMove')}
            >
              Previous move
            </button>
            <button
              type="button"
              className={BUTTON}
              onClick={actions.nextMove}
              disabled={!moves.length}
              aria-keyshortcuts={shortcutFor('nextMove')}
            >
              Next move
            </button>
            <span className="min-w-24 text-sm tabular-nums text-slate-800" data-testid="time">
              {clock(time)} / {clock(duration)}
            </span>
          </div>

          <div className="flex flex-wrap items-center gap-2">
            <button
              type="button"
              className={BUTTON}
              onClick={actions.slower}
              disabled={speed <= SPEEDS[0]}
              aria-keyshortcuts={shortcutFor('slower')}
            >
              Slower
            </button>
            <label className="flex items-center gap-2 text-sm font-medium">
              Speed
              <select className={SELECT} value={speed} onChange={(e) => changeSpeed(Number(e.target.value))}>
                {SPEEDS.map((s) => (
                  <option key={s} value={s}>
                    {speedLabel(s)}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              className={BUTTON}
              onClick={actions.faster}
              disabled={speed >= SPEEDS[SPEEDS.length - 1]}
              aria-keyshortcuts={shortcutFor('faster')}
            >
              Faster
            </button>
            <button
              type="button"
              className={BUTTON}
              aria-pressed={mirror}
              onClick={toggleMirror}
              aria-keyshortcuts={shortcutFor('mirror')}
            >
              Mirror
            </button>
            <button
              type="button"
              className={BUTTON}
              onClick={() => setHelpOpen(true)}
              aria-keyshortcuts={shortcutFor('help')}
              aria-haspopup="dialog"
            >
              Keys
            </button>
          </div>

          <fieldset className="flex flex-col gap-2 rounded-lg border border-slate-300 p-3">
            <legend className="px-1 text-sm font-semibold">Loop</legend>
            <div className="flex flex-wrap gap-2">
              <button
                type="button"
                className={BUTTON}
                onClick={loopThisMove}
                disabled={!moves.length}
                aria-pressed={loop?.kind === 'move' && Boolean(loopActive)}
              >
                Loop this move
              </button>
              <button
                type="button"
                className={BUTTON}
                onClick={loopThisPhrase}
                aria-pressed={loop?.kind === 'phrase' && Boolean(loopActive)}
                {...beatDisabled}
              >
                Loop this 8-count
              </button>
              <button type="button" className={BUTTON} onClick={() => setPoint('a')} aria-keyshortcuts="a">
                Set A
              </button>
              <button type="button" className={BUTTON} onClick={() => setPoint('b')} aria-keyshortcuts="b">
                Set B
              </button>
              <button
                type="button"
                className={BUTTON}
                onClick={restartLoop}
                disabled={!isCompleteLoop(loop)}
              >
                Restart loop
              </button>
              <button
                type="button"
                className={BUTTON}
                onClick={clearLoop}
                disabled={!loop}
                aria-keyshortcuts="Escape"
              >
                Clear loop
              </button>
            </div>
            <div className="flex flex-wrap gap-2" role="group" aria-label="Nudge the loop by a beat">
              <button type="button" className={BUTTON} onClick={() => nudge('a', -1)} disabled={noBeats || !loop}>
                A −1 beat
              </button>
              <button type="button" className={BUTTON} onClick={() => nudge('a', 1)} disabled={noBeats || !loop}>
                A +1 beat
              </button>
              <button
                type="button"
                className={BUTTON}
                onClick={() => nudge('b', -1)}
                disabled={noBeats || !isCompleteLoop(loop)}
              >
                B −1 beat
              </button>
              <button
                type="button"
                className={BUTTON}
                onClick={() => nudge('b', 1)}
                disabled={noBeats || !isCompleteLoop(loop)}
              >
                B +1 beat
              </button>
            </div>
            <div className="flex flex-wrap gap-3">
              <label className="flex items-center gap-2 text-sm font-medium">
                Repeat
                <select
                  className={SELECT}
                  value={loopTimes ?? ''}
                  onChange={(e) => {
                    const times = e.target.value === '' ? null : Number(e.target.value);
                    setLoopTimes(times);
                    if (run) setRun({ ...run, times, finished: times !== null && run.passes >= times });
                  }}
                >
                  {LOOP_TIMES.map((n) => (
                    <option key={n ?? 'always'} value={n ?? ''}>
                      {n ? `${n} times, then play on` : 'until stopped'}
                    </option>
                  ))}
                </select>
              </label>
              <label className="flex items-center gap-2 text-sm font-medium">
                Tempo ramp
                <select
                  className={SELECT}
                  value={rampFrom ?? ''}
                  onChange={(e) => {
                    const from = e.target.value === '' ? null : Number(e.target.value);
                    setRampFrom(from);
                    if (run) setRun({ ...run, rampFrom: from });
                  }}
                >
                  <option value="">off</option>
                  {RAMP_STARTS.map((from) => (
                    <option key={from} value={from}>
                      from {percent(from)}, +5 % a loop
                    </option>
                  ))}
                </select>
              </label>
              <label className="flex items-center gap-2 text-sm font-medium">
                Count-in
                <select
                  className={SELECT}
                  value={grid ? countInMode : 'off'}
                  onChange={(e) => setCountInMode(e.target.value)}
                  {...beatDisabled}
                >
                  <option value="off">off</option>
                  <option value="show">5-6-7-8 on screen</option>
                  <option value="click">on screen with a click</option>
                  <option value="voice">on screen, spoken</option>
                </select>
              </label>
            </div>
            <p className="text-sm text-slate-800" data-testid="loop-readout">
              Loop: {loopDescription}
              {passText ? `, ${passText}` : ''}
            </p>
          </fieldset>

          {noBeats && (
            <p id={beatNoteId} className="rounded-md bg-amber-50 p-3 text-sm text-slate-900" data-testid="no-beats">
              This choreography has no beat grid (it was made before the app recorded beats), so the 8-count loop,
              beat nudges, the count-in and the on-screen count are off. Everything else works.
            </p>
          )}
          {error && (
            <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-900">
              {error}
            </p>
          )}
          <p role="status" aria-live="polite" className="sr-only">
            {status}
          </p>
        </div>

        <MoveList
          moves={moves}
          currentIndex={moveIndex}
          loop={loopActive ? loop : null}
          onSeek={(t) => seek(t)}
          onLoop={loopMove}
        />
      </div>
      <HelpDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
    </section>
  );
}
