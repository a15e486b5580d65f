import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';

import ConfirmDialog from '../components/ConfirmDialog.jsx';
import ErrorSummary from '../components/ErrorSummary.jsx';
import Field from '../components/Field.jsx';
import Heading from '../components/Heading.jsx';
import { ErrorMessage, Loading } from '../components/Status.jsx';
import Player from '../components/player/Player.jsx';
import { getJson, request } from '../utils/api.js';
import { DIFFICULTIES, formatDate, formatDuration, usePage } from '../utils/page.js';
import { useSubmit } from '../utils/submit.js';

function Facts({ title, facts }) {
  const shown = facts.filter(([, value]) => value !== undefined && value !== null && value !== '');
  if (!shown.length) return null;
  return (
    <section className="card" aria-labelledby={`${title}-facts`}>
      <h2 id={`${title}-facts`} className="mb-2 text-lg font-bold">
        {title}
      </h2>
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1">
        {shown.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-700">{label}</dt>
            <dd className="min-w-0 [overflow-wrap:anywhere]">{String(value)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

// Where the song came from, in words: a link as it is, our own storage keys by what they are.
function sourceLabel(source) {
  if (!source) return null;
  if (source.startsWith('uploads/')) return 'Your upload';
  if (source.startsWith('songs/')) return 'The song library';
  return source;
}

function EditForm({ item, onSaved }) {
  const [values, setValues] = useState({ title: item.title, difficulty: item.difficulty });
  const [done, setDone] = useState('');
  const change = (event) => {
    setDone('');
    setValues({ ...values, [event.target.name]: event.target.value });
  };
  const { submit, busy, error } = useSubmit(async () => {
    const { data } = await request(`/api/collections/${item.id}`, { method: 'PATCH', body: values });
    onSaved(data);
    setDone('Your changes are saved.');
  });
  return (
    <form noValidate onSubmit={submit} className="card flex flex-col gap-3" aria-labelledby="edit-title">
      <h2 id="edit-title" className="text-lg font-bold">
        Edit
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
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" className="btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save changes'}
        </button>
        <p role="status" className="text-green-900">
          {done}
        </p>
      </div>
    </form>
  );
}

export default function CollectionDetail() {
  const { itemId } = useParams();
  const navigate = useNavigate();
  const [state, setState] = useState({ loading: true, item: null, error: null });
  const [attempt, setAttempt] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [deleteError, setDeleteError] = useState(null);
  const heading = usePage(state.item ? state.item.title : 'Choreography');

  useEffect(() => {
    const controller = new AbortController();
    getJson(`/api/collections/${itemId}`, { signal: controller.signal })
      .then((item) => setState({ loading: false, item, error: null }))
      .catch((error) => {
        if (error.name !== 'AbortError') setState({ loading: false, item: null, error });
      });
    return () => controller.abort();
  }, [itemId, attempt]);

  const remove = async () => {
    setBusy(true);
    setDeleteError(null);
    try {
      await request(`/api/collections/${itemId}`, { method: 'DELETE' });
      navigate('/collections', { replace: true });
    } catch (failure) {
      setDeleteError(failure);
      setBusy(false);
      setConfirming(false);
    }
  };

  const { item } = state;
  const music = item?.music_info || {};
  const params = item?.generation_parameters || {};
  return (
    <div className="flex flex-col gap-5">
      <p>
        <Link className="link" to="/collections">
          ← Back to your collection
        </Link>
      </p>
      <Heading ref={heading}>{item ? item.title : state.error ? 'Choreography not available' : 'Loading…'}</Heading>
      {state.loading ? <Loading label="Loading the choreography…" /> : null}
      <ErrorMessage error={state.error} onRetry={state.error?.status === 404 ? null : () => setAttempt(attempt + 1)} />
      {item ? (
        <>
          <Player
            src={item.video_url}
            poster={item.thumbnail_url}
            title={item.title}
            moves={item.moves || item.result?.moves || []}
            timing={item.timing ?? null}
            storageKey={`collection-${item.id}`}
          />
          <div className="grid gap-4 lg:grid-cols-2">
            <Facts
              title="About"
              facts={[
                ['Difficulty', item.difficulty],
                ['Length', formatDuration(item.duration)],
                ['Saved', formatDate(item.created_at)],
              ]}
            />
            <Facts
              title="Music"
              facts={[
                ['Song', music.title],
                ['Tempo', music.bpm ? `${Math.round(music.bpm)} BPM` : null],
                ['Source', sourceLabel(music.source)],
              ]}
            />
            <Facts
              title="Generation"
              facts={[
                ['Difficulty', params.difficulty],
                ['Energy', params.energy_level],
                ['Style', params.style || (params.difficulty ? 'any' : null)],
              ]}
            />
            <EditForm item={item} onSaved={(saved) => setState({ loading: false, item: saved, error: null })} />
          </div>
          <ErrorMessage error={deleteError} />
          <div>
            <button type="button" className="btn-danger" onClick={() => setConfirming(true)}>
              Delete this choreography
            </button>
          </div>
          <ConfirmDialog open={confirming} title="Delete this choreography?" confirmLabel="Yes, delete it" busy={busy} onConfirm={remove} onCancel={() => setConfirming(false)}>
            <p>“{item.title}” and its video will be deleted. This cannot be undone.</p>
          </ConfirmDialog>
        </>
      ) : null}
    </div>
  );
}
