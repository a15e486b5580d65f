import { useRef } from 'react';

import { clock, seekValueText } from './format.js';

// The move markers (one strip segment per move, label on hover and on focus; one tab stop, arrows move
// between them) above the seek slider (a native range: pointer, touch and keyboard for free).
export default function SeekBar({ time, duration, moves, moveIndex, loop, onSeek, onSeekKey }) {
  const markersRef = useRef(null);
  const span = duration > 0 ? duration : moves.length ? moves[moves.length - 1].end : 0;
  const at = (t) => (span > 0 ? `${Math.min(100, Math.max(0, (t / span) * 100))}%` : '0%');
  const focusable = moveIndex >= 0 ? moveIndex : 0;

  function onMarkerKey(event, index) {
    const step = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    event.stopPropagation();
    const wanted = Number.isFinite(step) ? index + step : step < 0 ? 0 : moves.length - 1;
    const target = Math.max(0, Math.min(moves.length - 1, wanted));
    markersRef.current?.querySelectorAll('button')[target]?.focus();
  }

  return (
    <div className="flex flex-col gap-1">
      {moves.length > 0 && span > 0 && (
        <div
          ref={markersRef}
          role="group"
          aria-label="Moves on the timeline"
          data-own-arrows
          className="relative h-11 w-full rounded bg-slate-100"
        >
          {loop && Number.isFinite(loop.start) && Number.isFinite(loop.end) && (
            <div
              aria-hidden="true"
              data-testid="loop-band"
              className="absolute inset-y-0 rounded bg-amber-300/60"
              style={{ left: at(loop.start), width: `calc(${at(loop.end)} - ${at(loop.start)})` }}
            />
          )}
          {moves.map((move, index) => (
            <button
              key={`${move.start}-${index}`}
              type="button"
              tabIndex={index === focusable ? 0 : -1}
              aria-label={`Move ${index + 1} of ${moves.length}: ${move.label}, at ${clock(move.start)}`}
              aria-current={index === moveIndex ? 'true' : undefined}
              onClick={() => onSeek(move.start)}
              onKeyDown={(event) => onMarkerKey(event, index)}
              className="group absolute inset-y-0 border-l-2 border-slate-500 hover:bg-slate-300/60 focus-visible:z-10 focus-visible:bg-slate-300/60 focus-visible:outline focus-visible:outline-2 focus-visible:outline-blue-700 aria-[current=true]:border-blue-700"
              style={{ left: at(move.start), width: `calc(${at(move.end)} - ${at(move.start)})` }}
            >
              <span className="pointer-events-none absolute bottom-full left-0 z-20 mb-1 hidden whitespace-nowrap rounded bg-slate-900 px-2 py-1 text-xs text-white group-hover:block group-focus-visible:block">
                {index + 1}. {move.label}
              </span>
            </button>
          ))}
        </div>
      )}
      <input
        type="range"
        className="h-11 w-full cursor-pointer accent-blue-700"
        min={0}
        max={span || 0}
        step="any"
        value={Math.min(time, span || 0)}
        aria-label="Seek"
        aria-valuetext={seekValueText(time, moves, moveIndex)}
        aria-keyshortcuts="ArrowLeft ArrowRight Home End PageUp PageDown"
        onChange={(event) => onSeek(Number(event.target.value))}
        onKeyDown={onSeekKey}
      />
    </div>
  );
}
