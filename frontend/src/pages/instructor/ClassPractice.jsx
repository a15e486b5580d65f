import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';

import Heading from '../../components/Heading.jsx';
import { ErrorMessage, Loading } from '../../components/Status.jsx';
import { getJson } from '../../utils/api.js';
import { formatDuration, usePage } from '../../utils/page.js';
import { levelLabel } from './format.js';

// The player is its own chunk (shared with the result and collection pages).
const Player = lazy(() => import('../../components/player/Player.jsx'));

// "Practise the whole class": the plan's choreographies in order in the practice player; ?item=N opens the N-th.
export default function ClassPractice() {
  const { planId } = useParams();
  const [params, setParams] = useSearchParams();
  const [plan, setPlan] = useState({ loading: true, data: null, error: null });
  const [item, setItem] = useState({ loading: false, data: null, error: null });
  const [autoNext, setAutoNext] = useState(true);
  const [announcement, setAnnouncement] = useState('');
  const [playNext, setPlayNext] = useState(false);
  const sequences = plan.data?.sequences || [];
  const position = Math.min(Math.max(1, Number(params.get('item')) || 1), Math.max(1, sequences.length));
  const current = sequences[position - 1];
  const heading = usePage(plan.data ? `Practise: ${plan.data.title}` : 'Practise the class');

  useEffect(() => {
    const controller = new AbortController();
    getJson(`/api/instructors/class-plans/${planId}`, { signal: controller.signal })
      .then((data) => setPlan({ loading: false, data, error: null }))
      .catch((error) => {
        if (error.name !== 'AbortError') setPlan({ loading: false, data: null, error });
      });
    return () => controller.abort();
  }, [planId]);

  const choreographyId = current?.choreography.id;
  useEffect(() => {
    if (!choreographyId) return undefined;
    const controller = new AbortController();
    setItem({ loading: true, data: null, error: null });
    getJson(`/api/collections/${choreographyId}`, { signal: controller.signal })
      .then((data) => setItem({ loading: false, data, error: null }))
      .catch((error) => {
        if (error.name !== 'AbortError') setItem({ loading: false, data: null, error });
      });
    return () => controller.abort();
  }, [choreographyId]);

  const go = (next, { play = false } = {}) => {
    setPlayNext(play);
    setParams({ item: String(next) }, { replace: false });
    setAnnouncement(`Sequence ${next} of ${sequences.length}: ${sequences[next - 1].choreography.title}.`);
  };

  return (
    <div className="flex flex-col gap-4">
      <p>
        <Link className="link" to={`/instructor/plans/${planId}`}>
          ← Back to the plan
        </Link>
      </p>
      <Heading ref={heading}>{plan.data ? `Practise: ${plan.data.title}` : 'Practise the class'}</Heading>
      {plan.loading ? <Loading label="Loading the class…" /> : null}
      <ErrorMessage error={plan.error} />
      <p role="status" aria-live="polite" className="sr-only">
        {announcement}
      </p>
      {plan.data && !sequences.length ? <p>This class has no sequences yet.</p> : null}
      {current ? (
        <>
          <div className="flex flex-wrap items-center gap-3">
            <button type="button" className="btn-secondary" disabled={position <= 1} onClick={() => go(position - 1)}>
              Previous choreography
            </button>
            <p className="font-semibold" data-testid="class-position">
              {position} of {sequences.length}: {current.choreography.title}
            </p>
            <button
              type="button"
              className="btn-secondary"
              disabled={position >= sequences.length}
              onClick={() => go(position + 1)}
            >
              Next choreography
            </button>
            <div className="flex min-h-11 items-center gap-2">
              <input
                id="auto-next"
                type="checkbox"
                className="h-6 w-6"
                checked={autoNext}
                onChange={(event) => setAutoNext(event.target.checked)}
              />
              <label htmlFor="auto-next">Play the next one when this one ends</label>
            </div>
          </div>
          {current.notes ? <p className="whitespace-pre-line">{current.notes}</p> : null}
          {item.loading ? <Loading label="Loading the choreography…" /> : null}
          <ErrorMessage error={item.error} />
          {item.data ? (
            <Suspense fallback={<Loading label="Loading the player…" />}>
              <Player
                key={item.data.id}
                src={item.data.video_url}
                poster={item.data.thumbnail_url}
                title={item.data.title}
                moves={item.data.moves}
                timing={item.data.timing}
                storageKey={`collection-${item.data.id}`}
                syncUrl={false}
                autoPlay={playNext}
                onEnded={() => {
                  if (autoNext && position < sequences.length) go(position + 1, { play: true });
                }}
              />
            </Suspense>
          ) : null}
          <nav aria-label="The class in order">
            <h2 className="mb-2 text-lg font-bold">The class in order</h2>
            <ol className="flex flex-col gap-1">
              {sequences.map((sequence, index) => (
                <li key={sequence.id}>
                  <button
                    type="button"
                    className="inline-flex min-h-11 w-full items-center gap-2 rounded-md px-2 text-left hover:bg-slate-100"
                    aria-current={index + 1 === position ? 'true' : undefined}
                    onClick={() => go(index + 1)}
                  >
                    <span className="tabular-nums">{index + 1}.</span>
                    <span className={index + 1 === position ? 'font-bold' : ''}>{sequence.choreography.title}</span>
                    <span className="text-sm text-slate-700">
                      {levelLabel(sequence.choreography.difficulty)}, {formatDuration(sequence.choreography.duration)}
                    </span>
                  </button>
                </li>
              ))}
            </ol>
          </nav>
        </>
      ) : null}
    </div>
  );
}
