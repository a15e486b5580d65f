import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';

import ConfirmDialog from '../../components/ConfirmDialog.jsx';
import ErrorSummary from '../../components/ErrorSummary.jsx';
import Field from '../../components/Field.jsx';
import Heading from '../../components/Heading.jsx';
import { SearchInput } from '../../components/ListControls.jsx';
import { Empty, ErrorMessage, Loading } from '../../components/Status.jsx';
import { getJson, request } from '../../utils/api.js';
import { formatDuration, usePage } from '../../utils/page.js';
import { useSubmit } from '../../utils/submit.js';
import DuplicateDialog from './DuplicateDialog.jsx';
import { levelLabel, minutes } from './format.js';

export function moved(list, from, to) {
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  return next;
}

function Summary({ summary }) {
  if (!summary) return null;
  return (
    <section className="card flex flex-col gap-2" aria-labelledby="summary-title">
      <h2 id="summary-title" className="text-lg font-bold">
        Summary
      </h2>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1" data-testid="plan-summary">
        <dt className="text-slate-700">Sequences</dt>
        <dd>{summary.total_sequences}</dd>
        <dt className="text-slate-700">Total time</dt>
        <dd>{summary.total_time_minutes} min</dd>
        <dt className="text-slate-700">Video length</dt>
        <dd>{formatDuration(summary.total_video_seconds)}</dd>
        <dt className="text-slate-700">Planned</dt>
        <dd>{minutes(summary.estimated_duration)}</dd>
        <dt className="text-slate-700">Progression</dt>
        <dd>
          {summary.difficulty_progression.length
            ? summary.difficulty_progression.map(levelLabel).join(' → ')
            : '–'}
          {summary.difficulty_progression.length ? (summary.is_progressive ? ' (builds up)' : ' (steps back)') : ''}
        </dd>
      </dl>
      {summary.recommendations?.length ? (
        <>
          <h3 className="font-semibold">Recommendations</h3>
          <ul className="list-disc pl-5">
            {summary.recommendations.map((advice) => (
              <li key={advice}>{advice}</li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function SequenceEditor({ planId, sequence, onSaved }) {
  const [values, setValues] = useState({ notes: sequence.notes, estimated_time: sequence.estimated_time ?? '' });
  const [done, setDone] = useState('');
  const id = `seq-${sequence.id}`;
  const { submit, busy, error } = useSubmit(async () => {
    setDone('');
    const { data } = await request(`/api/instructors/class-plans/${planId}/sequences/${sequence.id}`, {
      method: 'PATCH',
      body: {
        notes: values.notes,
        estimated_time: values.estimated_time === '' ? null : Number(values.estimated_time),
      },
    });
    setDone('Saved.');
    onSaved(data);
  });
  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-2" aria-label={`Notes for ${sequence.choreography.title}`}>
      <ErrorSummary
        error={error}
        fieldIds={{ notes: `${id}-notes`, estimated_time: `${id}-time` }}
        labels={{ notes: 'Notes', estimated_time: 'Estimated time' }}
      />
      <div className="grid gap-2 sm:grid-cols-[1fr_12rem]">
        <Field
          id={`${id}-notes`}
          label="Notes"
          as="textarea"
          rows={2}
          value={values.notes}
          onChange={(event) => setValues({ ...values, notes: event.target.value })}
          errors={error?.fields?.notes}
        />
        <Field
          id={`${id}-time`}
          label="Estimated time (min)"
          type="number"
          inputMode="numeric"
          min={1}
          value={values.estimated_time}
          onChange={(event) => setValues({ ...values, estimated_time: event.target.value })}
          errors={error?.fields?.estimated_time}
        />
      </div>
      <div className="flex items-center gap-3">
        <button type="submit" className="btn-secondary" disabled={busy}>
          Save notes
        </button>
        <p role="status" className="text-green-900">
          {done}
        </p>
      </div>
    </form>
  );
}

function AddFromCollection({ planId, onAdded }) {
  const [search, setSearch] = useState('');
  const [state, setState] = useState({ loading: false, items: null, error: null });
  const [addError, setAddError] = useState(null);
  const [added, setAdded] = useState('');

  const find = useCallback(async (term) => {
    setState((s) => ({ ...s, loading: true }));
    try {
      const qs = new URLSearchParams({ ordering: '-created_at' });
      if (term) qs.set('search', term);
      const data = await getJson(`/api/collections?${qs}`);
      setState({ loading: false, items: data.results, error: null });
    } catch (error) {
      setState({ loading: false, items: null, error });
    }
  }, []);

  useEffect(() => {
    find('');
  }, [find]);

  const add = async (item) => {
    setAddError(null);
    setAdded('');
    try {
      await request(`/api/instructors/class-plans/${planId}/sequences`, {
        method: 'POST',
        body: { choreography_id: item.id },
      });
      setAdded(`Added “${item.title}” at the end of the class.`);
      onAdded();
    } catch (failure) {
      setAddError(failure);
    }
  };

  return (
    <section className="card flex flex-col gap-3" aria-labelledby="add-title">
      <h2 id="add-title" className="text-lg font-bold">
        Add from your collection
      </h2>
      <form
        role="search"
        className="flex flex-wrap items-end gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          find(search.trim());
        }}
      >
        <SearchInput
          id="collection-search"
          label="Search your choreographies"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <button type="submit" className="btn-secondary">
          Search
        </button>
      </form>
      <p role="status" className="text-green-900">
        {added}
      </p>
      <ErrorMessage error={addError} />
      <ErrorMessage error={state.error} onRetry={() => find(search.trim())} />
      {state.loading && !state.items ? <Loading label="Searching…" /> : null}
      {state.items && !state.items.length ? <p>No choreography matches.</p> : null}
      {state.items?.length ? (
        <ul className="flex flex-col gap-1" aria-label="Choreographies to add">
          {state.items.map((item) => (
            <li key={item.id} className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 py-1">
              <span>
                {item.title}{' '}
                <span className="text-sm text-slate-700">
                  ({levelLabel(item.difficulty)}, {formatDuration(item.duration)})
                </span>
              </span>
              <button type="button" className="btn-secondary" onClick={() => add(item)} aria-label={`Add ${item.title} to the class`}>
                Add
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export default function PlanDetail() {
  const { planId } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const [state, setState] = useState({ loading: true, plan: null, error: null });
  const [summary, setSummary] = useState(null);
  const [reload, setReload] = useState(0);
  const [notice, setNotice] = useState(location.state?.notice || '');
  const [actionError, setActionError] = useState(null);
  const [removing, setRemoving] = useState(null);
  const [deletingPlan, setDeletingPlan] = useState(false);
  const [duplicating, setDuplicating] = useState(false);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(null);
  const [dropTarget, setDropTarget] = useState(null);
  const listRef = useRef(null);
  const plan = state.plan;
  const heading = usePage(plan ? plan.title : 'Class plan');

  useEffect(() => {
    if (location.state?.notice) setNotice(location.state.notice);
  }, [location.state]);

  useEffect(() => {
    const controller = new AbortController();
    Promise.all([
      getJson(`/api/instructors/class-plans/${planId}`, { signal: controller.signal }),
      getJson(`/api/instructors/class-plans/${planId}/summary`, { signal: controller.signal }),
    ])
      .then(([detail, totals]) => {
        setState({ loading: false, plan: detail, error: null });
        setSummary(totals);
      })
      .catch((error) => {
        if (error.name !== 'AbortError') setState({ loading: false, plan: null, error });
      });
    return () => controller.abort();
  }, [planId, reload]);

  const refreshSummary = async () => {
    try {
      setSummary(await getJson(`/api/instructors/class-plans/${planId}/summary`));
    } catch {
      // the summary shows its last figures; the page's other actions report their own errors
    }
  };

  // Put the sequences in a new order (buttons or drag): shown at once, kept when the API agrees.
  const reorder = async (from, to, focusLabel) => {
    const sequences = plan.sequences;
    if (to < 0 || to >= sequences.length || from === to) return;
    const next = moved(sequences, from, to);
    const before = plan;
    setState((s) => ({ ...s, plan: { ...s.plan, sequences: next } }));
    setActionError(null);
    try {
      const { data } = await request(`/api/instructors/class-plans/${planId}/sequences/reorder`, {
        method: 'POST',
        body: { sequence_ids: next.map((s) => s.id) },
      });
      setState((s) => ({ ...s, plan: data }));
      setNotice(`Moved “${sequences[from].choreography.title}” to position ${to + 1} of ${next.length}.`);
      refreshSummary();
      if (focusLabel) {
        // The moved item keeps focus; at the top or bottom its other button takes it.
        requestAnimationFrame(() => {
          const row = listRef.current?.querySelector(`[data-sequence="${sequences[from].id}"]`);
          const wanted = row?.querySelector(`[data-move="${focusLabel}"]:not(:disabled)`) || row?.querySelector('[data-move]:not(:disabled)');
          wanted?.focus();
        });
      }
    } catch (failure) {
      setState((s) => ({ ...s, plan: before }));
      setActionError(failure);
    }
  };

  const removeSequence = async () => {
    setBusy(true);
    setActionError(null);
    try {
      await request(`/api/instructors/class-plans/${planId}/sequences/${removing.id}`, { method: 'DELETE' });
      setNotice(`Removed “${removing.choreography.title}” from the class.`);
      setRemoving(null);
      setReload((n) => n + 1);
    } catch (failure) {
      setActionError(failure);
      setRemoving(null);
    } finally {
      setBusy(false);
    }
  };

  const deletePlan = async () => {
    setBusy(true);
    try {
      await request(`/api/instructors/class-plans/${planId}`, { method: 'DELETE' });
      navigate('/instructor/plans', { replace: true });
    } catch (failure) {
      setActionError(failure);
      setDeletingPlan(false);
      setBusy(false);
    }
  };

  const sequences = plan?.sequences || [];
  return (
    <div className="flex flex-col gap-5">
      <p>
        <Link className="link" to="/instructor/plans">
          ← Class plans
        </Link>
      </p>
      <Heading ref={heading}>{plan ? plan.title : state.error ? 'Class plan not available' : 'Loading…'}</Heading>
      {state.loading ? <Loading label="Loading the class plan…" /> : null}
      <ErrorMessage error={state.error} onRetry={state.error?.status === 404 ? null : () => setReload((n) => n + 1)} />
      <p role="status" aria-live="polite" className="text-green-900">
        {notice}
      </p>
      <ErrorMessage error={actionError} />
      {plan ? (
        <>
          <section className="flex flex-col gap-2" aria-label="About this class">
            <p className="text-slate-800">
              {levelLabel(plan.difficulty_level)} · planned {minutes(plan.estimated_duration)} · {plan.sequence_count} sequence
              {plan.sequence_count === 1 ? '' : 's'}
            </p>
            {plan.description ? <p>{plan.description}</p> : null}
            {plan.instructor_notes ? (
              <p className="whitespace-pre-line">
                <span className="font-semibold">Notes: </span>
                {plan.instructor_notes}
              </p>
            ) : null}
            <div className="flex flex-wrap gap-2">
              {sequences.length ? (
                <Link className="btn-primary" to={`/instructor/plans/${planId}/practice`}>
                  Practise the whole class
                </Link>
              ) : null}
              <Link className="btn-secondary" to={`/instructor/plans/${planId}/print`}>
                Printable view
              </Link>
              <Link className="btn-secondary" to={`/instructor/plans/${planId}/edit`}>
                Edit plan
              </Link>
              <button type="button" className="btn-secondary" onClick={() => setDuplicating(true)}>
                Duplicate plan
              </button>
              <button type="button" className="btn-danger" onClick={() => setDeletingPlan(true)}>
                Delete plan
              </button>
            </div>
          </section>

          <section className="flex flex-col gap-3" aria-labelledby="sequences-title">
            <h2 id="sequences-title" className="text-xl font-bold">
              Sequences
            </h2>
            {sequences.length ? (
              <p className="text-sm text-slate-700">Reorder with the Move up and Move down buttons, or drag a sequence by its handle (⠿).</p>
            ) : (
              <Empty>No sequences yet. Add choreographies from your collection below.</Empty>
            )}
            <ol ref={listRef} className="flex flex-col gap-3" aria-label="Class order">
              {sequences.map((sequence, index) => (
                <li
                  key={sequence.id}
                  data-sequence={sequence.id}
                  data-index={index}
                  className={`card flex flex-col gap-3 ${dragging === index ? 'opacity-60' : ''} ${
                    dragging !== null && dropTarget === index && dragging !== index ? 'ring-4 ring-blue-700' : ''
                  }`}
                >
                  <div className="flex flex-wrap items-center gap-3">
                    {/* Pointer drag (mouse, pen and touch); keyboard users have Move up / Move down. */}
                    <span
                      onPointerDown={(event) => {
                        event.preventDefault();
                        event.currentTarget.setPointerCapture?.(event.pointerId);
                        setDragging(index);
                        setDropTarget(index);
                      }}
                      onPointerMove={(event) => {
                        if (dragging === null) return;
                        const row = document.elementFromPoint(event.clientX, event.clientY)?.closest('[data-index]');
                        if (row && listRef.current?.contains(row)) setDropTarget(Number(row.dataset.index));
                      }}
                      onPointerUp={() => {
                        if (dragging !== null && dropTarget !== null) reorder(dragging, dropTarget);
                        setDragging(null);
                        setDropTarget(null);
                      }}
                      onPointerCancel={() => {
                        setDragging(null);
                        setDropTarget(null);
                      }}
                      aria-hidden="true"
                      title="Drag to reorder"
                      data-testid="drag-handle"
                      className="inline-flex h-11 w-11 cursor-grab touch-none select-none items-center justify-center rounded-md border border-slate-400 text-xl text-slate-700"
                    >
                      ⠿
                    </span>
                    <h3 className="flex-1 text-lg font-semibold">
                      <span className="tabular-nums">{index + 1}.</span> {sequence.choreography.title}
                      <span className="ml-2 text-sm font-normal text-slate-700">
                        {levelLabel(sequence.choreography.difficulty)}, {formatDuration(sequence.choreography.duration)}
                        {sequence.estimated_time ? `, ${sequence.estimated_time} min planned` : ''}
                      </span>
                    </h3>
                  </div>
                  <div className="flex flex-wrap gap-2">
                    <Link className="btn-secondary" to={`/instructor/plans/${planId}/practice?item=${index + 1}`}>
                      Practise<span className="sr-only"> {sequence.choreography.title}</span>
                    </Link>
                    <button
                      type="button"
                      className="btn-secondary"
                      data-move="up"
                      disabled={index === 0}
                      onClick={() => reorder(index, index - 1, 'up')}
                      aria-label={`Move “${sequence.choreography.title}” up`}
                    >
                      Move up
                    </button>
                    <button
                      type="button"
                      className="btn-secondary"
                      data-move="down"
                      disabled={index === sequences.length - 1}
                      onClick={() => reorder(index, index + 1, 'down')}
                      aria-label={`Move “${sequence.choreography.title}” down`}
                    >
                      Move down
                    </button>
                    <button
                      type="button"
                      className="btn-secondary"
                      onClick={() => setRemoving(sequence)}
                      aria-label={`Remove “${sequence.choreography.title}” from the class`}
                    >
                      Remove
                    </button>
                  </div>
                  <details>
                    <summary className="inline-flex min-h-11 cursor-pointer items-center font-medium">
                      Notes and time{sequence.notes ? `: ${sequence.notes.slice(0, 60)}` : ''}
                    </summary>
                    <SequenceEditor
                      planId={planId}
                      sequence={sequence}
                      onSaved={(saved) => {
                        setState((s) => ({
                          ...s,
                          plan: { ...s.plan, sequences: s.plan.sequences.map((x) => (x.id === saved.id ? saved : x)) },
                        }));
                        refreshSummary();
                      }}
                    />
                  </details>
                </li>
              ))}
            </ol>
          </section>

          <Summary summary={summary} />
          <AddFromCollection planId={planId} onAdded={() => setReload((n) => n + 1)} />
        </>
      ) : null}
      <ConfirmDialog
        open={Boolean(removing)}
        title="Remove this sequence?"
        confirmLabel="Remove from the class"
        busy={busy}
        onConfirm={removeSequence}
        onCancel={() => setRemoving(null)}
      >
        <p>“{removing?.choreography.title}” leaves this class; it stays in your collection.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={deletingPlan}
        title="Delete this class plan?"
        confirmLabel="Delete class plan"
        busy={busy}
        onConfirm={deletePlan}
        onCancel={() => setDeletingPlan(false)}
      >
        <p>“{plan?.title}” and its sequences will be deleted. The choreographies stay in your collection.</p>
      </ConfirmDialog>
      <DuplicateDialog
        plan={duplicating ? plan : null}
        onCancel={() => setDuplicating(false)}
        onDone={(copy) => {
          setDuplicating(false);
          navigate(`/instructor/plans/${copy.id}`, { state: { notice: `“${copy.title}” is created.` } });
        }}
      />
    </div>
  );
}
