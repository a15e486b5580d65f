import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';

import ConfirmDialog from '../components/ConfirmDialog.jsx';
import ErrorSummary from '../components/ErrorSummary.jsx';
import Field from '../components/Field.jsx';
import Heading from '../components/Heading.jsx';
import ProgressBar from '../components/ProgressBar.jsx';
import { ErrorMessage, Loading } from '../components/Status.jsx';
import Player from '../components/player/Player.jsx';
import { request } from '../utils/api.js';
import { DIFFICULTIES, usePage } from '../utils/page.js';
import { useSubmit } from '../utils/submit.js';

export const POLL_MS = 2000;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const STAGES = [
  ['downloading', 'Getting the song'],
  ['analyzing', 'Listening to the music'],
  ['selecting', 'Choosing the moves'],
  ['generating', 'Making the video'],
  ['finalizing', 'Finishing'],
];

/**
 * Polls GET /api/choreography/tasks/{id} every 2 s with If-None-Match (304 keeps what we have), stops on a
 * terminal status, pauses while the tab is hidden and polls at once when it is shown again.
 */
export function useTaskPolling(taskId) {
  const [task, setTask] = useState(null);
  const [error, setError] = useState(null);
  const [generation, setGeneration] = useState(0);
  const etag = useRef(null);

  useEffect(() => {
    let timer = null;
    let stopped = false;
    let controller = null;
    const schedule = () => {
      clearTimeout(timer);
      if (!stopped && document.visibilityState !== 'hidden') timer = setTimeout(poll, POLL_MS);
    };
    async function poll() {
      clearTimeout(timer);
      controller?.abort();
      controller = new AbortController();
      try {
        const headers = etag.current ? { 'If-None-Match': etag.current } : {};
        const { data, status, headers: answer } = await request(`/api/choreography/tasks/${taskId}`, {
          headers,
          signal: controller.signal,
        });
        if (stopped) return;
        setError(null);
        if (status !== 304 && data) {
          etag.current = answer.get('ETag');
          setTask(data);
          if (TERMINAL.has(data.status)) {
            stopped = true;
            return;
          }
        }
        schedule();
      } catch (failure) {
        if (failure.name === 'AbortError' || stopped) return;
        setError(failure);
        if (failure.status !== 404 && failure.status !== 403) schedule();
      }
    }
    const visibility = () => {
      if (document.visibilityState === 'hidden') clearTimeout(timer);
      else if (!stopped) poll();
    };
    document.addEventListener('visibilitychange', visibility);
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
      document.removeEventListener('visibilitychange', visibility);
    };
  }, [taskId, generation]);

  const restart = useCallback((next) => {
    etag.current = null;
    if (next) setTask(next);
    setGeneration((g) => g + 1);
  }, []);
  return { task, error, restart };
}

function Stepper({ stage, status }) {
  const current = STAGES.findIndex(([name]) => name === stage);
  return (
    <ol className="grid grid-cols-1 gap-2 sm:grid-cols-5">
      {STAGES.map(([name, label], index) => {
        const done = status === 'completed' || (current >= 0 && index < current);
        const active = index === current && !TERMINAL.has(status);
        return (
          <li
            key={name}
            aria-current={active ? 'step' : undefined}
            className={`flex items-center gap-2 rounded-md border p-2 text-sm ${
              active ? 'border-rose-700 bg-rose-50 font-semibold' : done ? 'border-green-700 bg-green-50' : 'border-slate-300 text-slate-600'
            }`}
          >
            <span aria-hidden="true" className="inline-flex h-6 w-6 shrink-0 items-center justify-center rounded-full border border-current">
              {done ? '✓' : index + 1}
            </span>
            <span>
              {label}
              <span className="sr-only">{done ? ' (done)' : active ? ' (in progress)' : ' (to do)'}</span>
            </span>
          </li>
        );
      })}
    </ol>
  );
}

function SaveForm({ task }) {
  const [values, setValues] = useState({ title: '', difficulty: 'intermediate' });
  const [saved, setSaved] = useState(null);
  const { submit, busy, error } = useSubmit(async () => {
    const { data } = await request('/api/collections', { method: 'POST', body: { task_id: task.task_id, ...values } });
    setSaved(data);
  });
  if (saved) {
    return (
      <p role="status" className="rounded-md bg-green-50 p-3 text-green-900">
        Saved as “{saved.title}”.{' '}
        <Link className="link" to={`/collections/${saved.id}`}>
          Open it in your collection
        </Link>
      </p>
    );
  }
  const change = (event) => setValues({ ...values, [event.target.name]: event.target.value });
  return (
    <form noValidate onSubmit={submit} className="card flex flex-col gap-3" aria-labelledby="save-title">
      <h2 id="save-title" className="text-lg font-bold">
        Save to your collection
      </h2>
      <ErrorSummary error={error} labels={{ title: 'Title', difficulty: 'Difficulty' }} />
      <Field id="title" label="Title" value={values.title} onChange={change} errors={error?.fields?.title} />
      <Field id="difficulty" label="Difficulty" as="select" value={values.difficulty} onChange={change} errors={error?.fields?.difficulty}>
        {DIFFICULTIES.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </Field>
      <button type="submit" className="btn-primary self-start" disabled={busy}>
        {busy ? 'Saving…' : 'Save to collection'}
      </button>
    </form>
  );
}

// What the job could not vouch for or had to relax (its hearing's doubts, a filter it dropped), in its words.
function PlanNotes({ notes }) {
  if (!notes.length) return null;
  return (
    <section className="card flex flex-col gap-2" aria-labelledby="notes-title">
      <h2 id="notes-title" className="text-lg font-bold">
        Notes on this choreography
      </h2>
      <ul className="list-disc pl-5">
        {notes.map((note) => (
          <li key={note} className="first-letter:uppercase">
            {note}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Result({ task }) {
  const result = task.result || {};
  return (
    <div className="flex flex-col gap-5">
      <Player
        src={task.video_url}
        poster={task.thumbnail_url}
        title="Your choreography"
        moves={result.moves || []}
        timing={result?.timing ?? null}
        storageKey={`task-${task.task_id}`}
      />
      <div className="grid gap-4 lg:grid-cols-2">
        {result.auto_saved && result.saved_choreography_id ? (
          <p className="card">
            It is already saved in your collection.{' '}
            <Link className="link" to={`/collections/${result.saved_choreography_id}`}>
              Open it in your collection
            </Link>
          </p>
        ) : (
          <SaveForm task={task} />
        )}
        <div className="card flex flex-col items-start gap-3">
          <p>
            {result.moves_count ? `${result.moves_count} moves` : null}
            {result.duration ? ` over ${Math.round(result.duration)} seconds of music.` : null}
          </p>
          <Link className="btn-secondary" to="/generate">
            Generate another
          </Link>
        </div>
      </div>
      <PlanNotes notes={Array.isArray(result.plan_notes) ? result.plan_notes : []} />
    </div>
  );
}

const HEADINGS = {
  completed: 'Your choreography is ready',
  failed: 'Generation failed',
  cancelled: 'Generation cancelled',
};

export default function Task() {
  const { taskId } = useParams();
  const heading = usePage('Your choreography');
  const { task, error, restart } = useTaskPolling(taskId);
  const [confirming, setConfirming] = useState(false);
  const [actionError, setActionError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const retryRef = useRef(null);
  const lastStage = useRef(null);
  const status = task?.status;

  // Announce stage changes and outcomes once, not every progress tick.
  useEffect(() => {
    if (!task) return;
    const key = TERMINAL.has(task.status) ? task.status : task.stage;
    if (key === lastStage.current) return;
    const first = lastStage.current === null;
    lastStage.current = key;
    if (task.status === 'completed') setAnnouncement('Your choreography is ready.');
    else if (task.status === 'cancelled') setAnnouncement('The generation was cancelled.');
    else if (task.status !== 'failed' && !first) setAnnouncement(task.message || '');
    if (!first && task.status === 'completed') heading.current?.focus();
  }, [task, heading]);

  useEffect(() => {
    if (status === 'failed') retryRef.current?.focus();
  }, [status]);

  const act = async (method, path) => {
    setBusy(true);
    setActionError(null);
    try {
      const { data } = await request(path, { method });
      lastStage.current = null;
      restart(data);
    } catch (failure) {
      setActionError(failure);
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  const running = task && !TERMINAL.has(task.status);
  return (
    <div className="flex flex-col gap-5">
      <Heading ref={heading}>{HEADINGS[status] || (!task && error ? 'Choreography not available' : 'Generating your choreography')}</Heading>
      <p role="status" aria-live="polite" className="sr-only">
        {announcement}
      </p>
      {!task && !error ? <Loading label="Loading the task…" /> : null}
      {!task ? <ErrorMessage error={error} /> : null}
      {!task && error ? (
        <p>
          <Link className="link" to="/generate">
            Generate a choreography
          </Link>
        </p>
      ) : null}
      {task && running ? (
        <section aria-label="Progress" className="flex min-h-48 flex-col gap-4">
          <Stepper stage={task.stage} status={task.status} />
          <ProgressBar label="Generation progress" value={task.progress} text={task.message} />
          {error ? <p className="text-sm text-slate-700">{error.message} We keep trying.</p> : null}
          <div>
            <button type="button" className="btn-secondary" onClick={() => setConfirming(true)} disabled={busy || task.stage === 'cancelling'}>
              Cancel generation
            </button>
          </div>
        </section>
      ) : null}
      <ErrorMessage error={actionError} />
      {status === 'failed' ? (
        <div role="alert" className="flex flex-col items-start gap-3 rounded-md border-l-4 border-red-700 bg-red-50 p-4">
          <p className="font-semibold">{task.error || task.message}</p>
          <div className="flex flex-wrap gap-3">
            <button ref={retryRef} type="button" className="btn-primary" disabled={busy} onClick={() => act('POST', `/api/choreography/tasks/${taskId}/retry`)}>
              Retry
            </button>
            <Link className="btn-secondary" to="/generate">
              Start over with another song
            </Link>
          </div>
        </div>
      ) : null}
      {status === 'cancelled' ? (
        <div className="flex flex-col items-start gap-3">
          <p>{task.message || 'This generation was cancelled.'}</p>
          <div className="flex flex-wrap gap-3">
            <button type="button" className="btn-primary" disabled={busy} onClick={() => act('POST', `/api/choreography/tasks/${taskId}/retry`)}>
              Run it again
            </button>
            <Link className="btn-secondary" to="/generate">
              Generate another
            </Link>
          </div>
        </div>
      ) : null}
      {status === 'completed' ? <Result task={task} /> : null}
      <ConfirmDialog
        open={confirming}
        title="Cancel this generation?"
        confirmLabel="Yes, cancel it"
        busy={busy}
        onConfirm={() => act('DELETE', `/api/choreography/tasks/${taskId}`)}
        onCancel={() => setConfirming(false)}
      >
        <p>The video will not be made. You can run it again later.</p>
      </ConfirmDialog>
    </div>
  );
}
