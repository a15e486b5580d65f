import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';

import ErrorSummary from '../components/ErrorSummary.jsx';
import Field from '../components/Field.jsx';
import Heading from '../components/Heading.jsx';
import ProgressBar from '../components/ProgressBar.jsx';
import { ApiError, getJson, idempotencyKey, request, upload } from '../utils/api.js';
import { DIFFICULTIES, formatDuration, usePage } from '../utils/page.js';

const ENERGIES = [
  ['low', 'Low'],
  ['medium', 'Medium'],
  ['high', 'High'],
];
const STYLES = [
  ['', 'Any style'],
  ['romantic', 'Romantic'],
  ['energetic', 'Energetic'],
  ['sensual', 'Sensual'],
  ['playful', 'Playful'],
];
const SOURCES = [
  ['library', 'From the song library'],
  ['upload', 'Upload your own song'],
  ['link', 'Paste a link'],
];
const LABELS = {
  song_id: 'Song',
  upload_id: 'Song file',
  file: 'Song file',
  audio_input: 'Song',
  difficulty: 'Difficulty',
  energy_level: 'Energy',
  style: 'Style',
  query: 'Describe it',
};

function SongLibrary({ value, onChange, errors }) {
  const [songs, setSongs] = useState({ loading: true, items: [], error: null });
  useEffect(() => {
    const controller = new AbortController();
    getJson('/api/songs', { signal: controller.signal })
      .then((data) => setSongs({ loading: false, items: data?.results || data || [], error: null }))
      .catch((error) => {
        if (error.name !== 'AbortError') setSongs({ loading: false, items: [], error });
      });
    return () => controller.abort();
  }, []);
  const hint = songs.loading
    ? 'Loading the library…'
    : songs.error
      ? songs.error.message
      : songs.items.length
        ? `${songs.items.length} song${songs.items.length === 1 ? '' : 's'} in the library.`
        : 'The library is empty: upload a song or paste a link instead.';
  return (
    <Field id="song_id" label="Song" as="select" hint={hint} value={value} onChange={onChange} errors={errors}>
      <option value="">Choose a song</option>
      {songs.items.map((song) => (
        <option key={song.id} value={song.id}>
          {song.title}
          {song.duration ? ` (${formatDuration(song.duration)}${song.bpm ? `, ${Math.round(song.bpm)} BPM` : ''})` : ''}
        </option>
      ))}
    </Field>
  );
}

function SongUpload({ uploaded, onUploaded, errors }) {
  const [progress, setProgress] = useState(null);
  const [error, setError] = useState(null);
  const [title, setTitle] = useState('');
  const choose = async (event) => {
    const file = event.target.files?.[0];
    if (!file) return;
    const form = new FormData();
    form.append('file', file);
    if (title) form.append('title', title);
    setError(null);
    setProgress(0);
    onUploaded(null);
    try {
      const data = await upload('/api/songs/upload', form, { onProgress: setProgress });
      onUploaded(data);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(String(failure)));
    } finally {
      setProgress(null);
    }
  };
  const fieldErrors = [...(error ? error.fields?.file || [error.message] : []), ...(errors || [])];
  return (
    <div className="flex flex-col gap-3">
      <Field id="upload_title" label="Title (optional)" value={title} onChange={(e) => setTitle(e.target.value)} hint="Leave it empty to use the file's name." />
      <Field id="file" label="Song file" type="file" accept="audio/*" hint="Choose an audio file; it uploads straight away." onChange={choose} errors={fieldErrors.length ? fieldErrors : undefined} className="[&_input]:min-h-0" />
      <div aria-live="polite" className="min-h-10">
        {progress !== null ? <ProgressBar label="Upload progress" value={progress * 100} text="Uploading…" /> : null}
        {uploaded && progress === null ? (
          <p className="rounded-md bg-green-50 p-2 text-green-900">
            Uploaded: <strong>{uploaded.title}</strong> ({formatDuration(uploaded.duration)})
          </p>
        ) : null}
      </div>
    </div>
  );
}

export default function Generate() {
  const heading = usePage('Generate a choreography');
  const navigate = useNavigate();
  const [source, setSource] = useState('library');
  const [values, setValues] = useState({ song_id: '', audio_input: '', difficulty: 'intermediate', energy_level: 'medium', style: '', query: '' });
  const [uploaded, setUploaded] = useState(null);
  const [understood, setUnderstood] = useState(null);
  const [parsing, setParsing] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(idempotencyKey());
  const inFlight = useRef(false); // a second submit before React re-renders the disabled button

  const set = (name, value) => {
    key.current = idempotencyKey(); // a different request: a different task
    setValues((current) => ({ ...current, [name]: value }));
  };
  const change = (event) => set(event.target.name, event.target.value);

  const describe = async () => {
    setParsing(true);
    setError(null);
    try {
      const { data } = await request('/api/choreography/parse-query', { method: 'POST', body: { query: values.query } });
      setUnderstood(data);
      setValues((current) => ({
        ...current,
        difficulty: data.difficulty || current.difficulty,
        energy_level: data.energy_level || current.energy_level,
        style: data.style || current.style,
      }));
      key.current = idempotencyKey();
    } catch (failure) {
      setError(failure);
    } finally {
      setParsing(false);
    }
  };

  const submit = async (event) => {
    event.preventDefault();
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    const body = { difficulty: values.difficulty, energy_level: values.energy_level, style: values.style, query: values.query };
    if (source === 'library') body.song_id = values.song_id || undefined;
    if (source === 'upload') body.upload_id = uploaded?.upload_id;
    if (source === 'link') body.audio_input = values.audio_input || undefined;
    try {
      const { data } = await request('/api/choreography/generate', {
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': key.current },
      });
      navigate(`/tasks/${data.task_id}`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
      inFlight.current = false;
    }
  };

  // The API names `audio_input` when no song was chosen: show it on the control the user is looking at.
  const fields = { ...(error?.fields || {}) };
  const sourceField = { library: 'song_id', upload: 'file', link: 'audio_input' }[source];
  if (fields.audio_input && sourceField !== 'audio_input') {
    fields[sourceField] = [...(fields[sourceField] || []), ...fields.audio_input];
    delete fields.audio_input;
  }
  if (fields.upload_id) {
    fields.file = [...(fields.file || []), ...fields.upload_id];
    delete fields.upload_id;
  }
  const summaryError = error ? { ...error, message: error.message, fields } : null;

  return (
    <div className="flex flex-col gap-5">
      <Heading ref={heading}>Generate a choreography</Heading>
      <ErrorSummary error={summaryError} labels={LABELS} />
      <form noValidate onSubmit={submit} className="grid gap-6 lg:grid-cols-2">
        <fieldset className="card flex flex-col gap-4">
          <legend className="px-1 text-lg font-bold">Where is your song?</legend>
          <div className="flex flex-col gap-1">
            {SOURCES.map(([value, label]) => (
              <label key={value} className="flex min-h-11 cursor-pointer items-center gap-3 rounded-md px-2 hover:bg-slate-50">
                <input
                  type="radio"
                  name="source"
                  value={value}
                  checked={source === value}
                  onChange={() => {
                    setSource(value);
                    key.current = idempotencyKey();
                  }}
                  className="h-5 w-5 accent-rose-700"
                />
                {label}
              </label>
            ))}
          </div>
          {source === 'library' ? <SongLibrary value={values.song_id} onChange={change} errors={fields.song_id} /> : null}
          {source === 'upload' ? (
            <SongUpload
              uploaded={uploaded}
              onUploaded={(data) => {
                setUploaded(data);
                key.current = idempotencyKey();
              }}
              errors={fields.file}
            />
          ) : null}
          {source === 'link' ? (
            <Field
              id="audio_input"
              label="Link to the song"
              hint="A YouTube link, an http(s) address of an audio file, or a gs:// address."
              type="url"
              inputMode="url"
              value={values.audio_input}
              onChange={change}
              errors={fields.audio_input}
            />
          ) : null}
        </fieldset>

        <fieldset className="card flex flex-col gap-4">
          <legend className="px-1 text-lg font-bold">How should it feel?</legend>
          <Field id="query" label="Describe it (optional)" as="textarea" rows={3} hint="For example: a slow romantic routine for beginners with turns." value={values.query} onChange={change} errors={fields.query} />
          <button type="button" className="btn-secondary self-start" onClick={describe} disabled={parsing || !values.query.trim()}>
            {parsing ? 'Reading your description…' : 'Understand my description'}
          </button>
          <div aria-live="polite">
            {understood ? (
              <div className="rounded-md bg-slate-100 p-3 text-sm">
                <p className="font-semibold">We understood:</p>
                {understood.understood?.length ? (
                  <ul className="list-disc pl-5">
                    {understood.understood.map((item) => (
                      <li key={`${item.field}-${item.phrase}`}>
                        “{item.phrase}” → {item.field.replace('_', ' ')}: {item.negated ? 'not ' : ''}
                        {item.value}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p>Nothing specific; the settings below are unchanged.</p>
                )}
                {understood.fallback_reason ? <p className="mt-1">{understood.fallback_reason}</p> : null}
                <p className="mt-1">Adjust the settings below if they are not what you meant.</p>
              </div>
            ) : null}
          </div>
          <Field id="difficulty" label="Difficulty" as="select" value={values.difficulty} onChange={change} errors={fields.difficulty}>
            {DIFFICULTIES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </Field>
          <Field id="energy_level" label="Energy" as="select" value={values.energy_level} onChange={change} errors={fields.energy_level}>
            {ENERGIES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </Field>
          <Field id="style" label="Style" as="select" value={values.style} onChange={change} errors={fields.style}>
            {STYLES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </Field>
        </fieldset>
        <div className="lg:col-span-2">
          <button type="submit" className="btn-primary w-full sm:w-auto" disabled={busy}>
            {busy ? 'Starting…' : 'Generate choreography'}
          </button>
        </div>
      </form>
    </div>
  );
}
