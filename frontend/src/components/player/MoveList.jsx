import { clock } from './format.js';

const ROW_BUTTON =
  'min-h-11 rounded-md px-2 text-left text-sm focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-700';

// The moves beside the video: jump to one, or loop it. The playing move is marked (aria-current).
export default function MoveList({ moves, currentIndex, loop, onSeek, onLoop }) {
  return (
    <nav aria-label="Moves" className="flex w-full flex-col gap-2 lg:w-72">
      <h3 className="text-base font-semibold">Moves</h3>
      {moves.length === 0 ? (
        <p className="text-sm text-slate-700">No move list for this choreography.</p>
      ) : (
        <ol className="flex max-h-96 flex-col gap-1 overflow-y-auto pr-1" data-testid="move-list">
          {moves.map((move, index) => {
            const current = index === currentIndex;
            const looping = loop?.kind === 'move' && loop.moveIndex === index;
            return (
              <li
                key={`${move.start}-${index}`}
                className={`flex items-center gap-1 rounded-md ${current ? 'bg-blue-50 ring-1 ring-blue-700' : ''}`}
              >
                <button
                  type="button"
                  className={`${ROW_BUTTON} flex flex-1 items-baseline gap-2 hover:bg-slate-100`}
                  aria-current={current ? 'true' : undefined}
                  onClick={() => onSeek(move.start)}
                >
                  <span className="tabular-nums text-slate-700">{index + 1}.</span>
                  <span className="flex-1 font-medium">{move.label}</span>
                  <span className="tabular-nums text-slate-700">{clock(move.start)}</span>
                </button>
                <button
                  type="button"
                  className={`${ROW_BUTTON} border border-slate-400 bg-white hover:bg-slate-100 aria-pressed:border-blue-800 aria-pressed:bg-blue-800 aria-pressed:text-white`}
                  aria-pressed={looping}
                  aria-label={`Loop move ${index + 1}: ${move.label}`}
                  onClick={() => onLoop(index)}
                >
                  Loop
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </nav>
  );
}
