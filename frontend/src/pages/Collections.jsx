import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';

import ChoreographyCard from '../components/ChoreographyCard.jsx';
import ConfirmDialog from '../components/ConfirmDialog.jsx';
import Heading from '../components/Heading.jsx';
import { LevelSelect, SearchInput } from '../components/ListControls.jsx';
import Pager from '../components/Pager.jsx';
import { Empty, ErrorMessage, Loading } from '../components/Status.jsx';
import { getJson, request } from '../utils/api.js';
import { formatDuration, usePage, withChanges } from '../utils/page.js';

const SORTS = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['title', 'Title A–Z'],
  ['-title', 'Title Z–A'],
  ['difficulty', 'Difficulty, easiest first'],
  ['-difficulty', 'Difficulty, hardest first'],
  ['duration', 'Shortest first'],
  ['-duration', 'Longest first'],
];
const PAGE_SIZE = 20;
const CONFIRM_WORD = 'delete all';

function Stats({ stats }) {
  if (!stats) return <div className="min-h-16" />;
  const facts = [
    ['Choreographies', stats.total_count],
    ['Total time', formatDuration(stats.total_duration)],
    ['Average length', formatDuration(stats.avg_duration)],
    ['Beginner', stats.beginner_count],
    ['Intermediate', stats.intermediate_count],
    ['Advanced', stats.advanced_count],
  ];
  return (
    <dl className="grid min-h-16 grid-cols-3 gap-2 sm:grid-cols-6">
      {facts.map(([label, value]) => (
        <div key={label} className="rounded-md bg-slate-100 p-2">
          <dt className="text-xs text-slate-700">{label}</dt>
          <dd className="text-lg font-bold">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export default function Collections() {
  const heading = usePage('Your collection');
  const [params, setParams] = useSearchParams();
  const search = params.get('search') || '';
  const difficulty = params.get('difficulty') || '';
  const ordering = params.get('ordering') || '-created_at';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [query, setQuery] = useState(search);
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const [stats, setStats] = useState(null);
  const [reload, setReload] = useState(0);
  const [toDelete, setToDelete] = useState(null);
  const [deletingAll, setDeletingAll] = useState(false);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState(null);

  const update = (changes) => setParams(withChanges(params, changes), { replace: true });

  // Search as the user types, a moment after they stop.
  useEffect(() => {
    if (query === search) return undefined;
    const timer = setTimeout(() => update({ search: query.trim() }), 350);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query]);

  useEffect(() => {
    const controller = new AbortController();
    const qs = new URLSearchParams({ ordering, page: String(page) });
    if (search) qs.set('search', search);
    if (difficulty) qs.set('difficulty', difficulty);
    setState((current) => ({ ...current, loading: true, error: null }));
    getJson(`/api/collections?${qs}`, { signal: controller.signal })
      .then((data) => setState({ loading: false, data, error: null }))
      .catch((error) => {
        if (error.name !== 'AbortError') setState({ loading: false, data: null, error });
      });
    getJson('/api/collections/stats', { signal: controller.signal })
      .then(setStats)
      .catch(() => {});
    return () => controller.abort();
  }, [search, difficulty, ordering, page, reload]);

  const remove = async () => {
    setBusy(true);
    setActionError(null);
    try {
      if (deletingAll) {
        const { data } = await request('/api/collections/delete-all', { method: 'POST' });
        setNotice(`Deleted ${data.deleted} choreograph${data.deleted === 1 ? 'y' : 'ies'}.`);
      } else {
        await request(`/api/collections/${toDelete.id}`, { method: 'DELETE' });
        setNotice(`Deleted “${toDelete.title}”.`);
      }
      setReload((n) => n + 1);
    } catch (failure) {
      setActionError(failure);
    } finally {
      setBusy(false);
      setToDelete(null);
      setDeletingAll(false);
      setTyped('');
    }
  };

  const items = state.data?.results || [];
  const count = state.data?.count ?? 0;
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  const filtered = Boolean(search || difficulty);

  return (
    <div className="flex flex-col gap-5">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <Heading ref={heading}>Your collection</Heading>
        <Link className="btn-primary" to="/generate">
          Generate a choreography
        </Link>
      </div>
      <Stats stats={stats} />
      <form role="search" aria-label="Your collection" className="grid gap-3 sm:grid-cols-3" onSubmit={(e) => {
        e.preventDefault();
        update({ search: query.trim() });
      }}>
        <SearchInput id="search" label="Search titles" value={query} onChange={(e) => setQuery(e.target.value)} />
        <LevelSelect id="difficulty-filter" label="Difficulty" value={difficulty} onChange={(e) => update({ difficulty: e.target.value })} />
        <div className="flex flex-col gap-1">
          <label htmlFor="ordering" className="font-medium">
            Sort by
          </label>
          <select id="ordering" value={ordering} onChange={(e) => update({ ordering: e.target.value })} className="min-h-11 rounded-md border border-slate-400 bg-white px-3">
            {SORTS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </form>
      <p role="status" aria-live="polite" className="min-h-6">
        {notice || (state.loading ? '' : state.data ? `${count} choreograph${count === 1 ? 'y' : 'ies'}${filtered ? ' match' : ''}.` : '')}
      </p>
      <ErrorMessage error={actionError} />
      <div className="min-h-64">
        {state.loading && !state.data ? <Loading label="Loading your collection…" /> : null}
        <ErrorMessage error={state.error} onRetry={() => setReload((n) => n + 1)} />
        {!state.loading && state.data && items.length === 0 ? (
          <Empty>
            {filtered ? 'Nothing matches these filters.' : 'Your collection is empty. '}
            {!filtered ? (
              <Link className="link" to="/generate">
                Generate your first choreography
              </Link>
            ) : null}
          </Empty>
        ) : null}
        {items.length ? <h2 className="sr-only">Saved choreographies</h2> : null}
        {items.length ? (
          <ul className={`grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4 ${state.loading ? 'opacity-60' : ''}`} aria-busy={state.loading}>
            {items.map((item) => (
              <li key={item.id}>
                <ChoreographyCard item={item}>
                  <button type="button" className="btn-secondary mt-auto" onClick={() => setToDelete(item)}>
                    Delete<span className="sr-only"> “{item.title}”</span>
                  </button>
                </ChoreographyCard>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <Pager
        page={page}
        pages={pages}
        onPage={(n) => update({ page: String(n) })}
        className="flex flex-wrap items-center justify-center gap-3"
      />
      {stats?.total_count ? (
        <div className="border-t border-slate-200 pt-4">
          <button type="button" className="btn-danger" onClick={() => setDeletingAll(true)}>
            Delete all choreographies
          </button>
        </div>
      ) : null}
      <ConfirmDialog
        open={Boolean(toDelete)}
        title="Delete this choreography?"
        confirmLabel="Yes, delete it"
        busy={busy}
        onConfirm={remove}
        onCancel={() => setToDelete(null)}
      >
        <p>“{toDelete?.title}” and its video will be deleted. This cannot be undone.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={deletingAll}
        title="Delete your whole collection?"
        confirmLabel="Delete everything"
        busy={busy}
        confirmDisabled={typed.trim().toLowerCase() !== CONFIRM_WORD}
        onConfirm={remove}
        onCancel={() => {
          setDeletingAll(false);
          setTyped('');
        }}
      >
        <p>Every saved choreography ({stats?.total_count}) and its video will be deleted. This cannot be undone.</p>
        <div className="flex flex-col gap-1">
          <label htmlFor="confirm-delete-all" className="font-medium">
            Type “{CONFIRM_WORD}” to confirm
          </label>
          <input id="confirm-delete-all" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" className="min-h-11 rounded-md border border-slate-400 px-3" />
        </div>
      </ConfirmDialog>
    </div>
  );
}
