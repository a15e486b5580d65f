import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';

import ConfirmDialog from '../../components/ConfirmDialog.jsx';
import Heading from '../../components/Heading.jsx';
import { LevelSelect, SearchInput } from '../../components/ListControls.jsx';
import Pager from '../../components/Pager.jsx';
import { Empty, ErrorMessage, Loading } from '../../components/Status.jsx';
import { getJson, request } from '../../utils/api.js';
import { usePage, withChanges } from '../../utils/page.js';
import DuplicateDialog from './DuplicateDialog.jsx';
import { levelLabel, minutes } from './format.js';

const PAGE_SIZE = 20;

export default function PlanList() {
  const heading = usePage('Class plans');
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const search = params.get('search') || '';
  const level = params.get('level') || '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [searchText, setSearchText] = useState(search);
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const [reload, setReload] = useState(0);
  const [deleting, setDeleting] = useState(null);
  const [duplicating, setDuplicating] = useState(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState(null);
  const [notice, setNotice] = useState('');

  useEffect(() => {
    const controller = new AbortController();
    const qs = new URLSearchParams({ page: String(page) });
    if (search) qs.set('search', search);
    if (level) qs.set('difficulty_level', level);
    setState((s) => ({ ...s, loading: true }));
    getJson(`/api/instructors/class-plans?${qs}`, { signal: controller.signal })
      .then((data) => setState({ loading: false, data, error: null }))
      .catch((error) => {
        if (error.name !== 'AbortError') setState({ loading: false, data: null, error });
      });
    return () => controller.abort();
  }, [search, level, page, reload]);

  const update = (changes) => setParams(withChanges(params, changes));

  const remove = async () => {
    setBusy(true);
    setActionError(null);
    try {
      await request(`/api/instructors/class-plans/${deleting.id}`, { method: 'DELETE' });
      setNotice(`“${deleting.title}” is deleted.`);
      setDeleting(null);
      setReload((n) => n + 1);
    } catch (failure) {
      setActionError(failure);
      setDeleting(null);
    } finally {
      setBusy(false);
    }
  };

  const plans = state.data?.results || [];
  const count = state.data?.count || 0;
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  return (
    <div className="flex flex-col gap-4">
      <p>
        <Link className="link" to="/instructor">
          ← Instructor dashboard
        </Link>
      </p>
      <Heading ref={heading}>Class plans</Heading>
      <div>
        <Link className="btn-primary" to="/instructor/plans/new">
          New class plan
        </Link>
      </div>
      <form
        role="search"
        className="flex flex-wrap items-end gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          update({ search: searchText.trim() });
        }}
      >
        <SearchInput id="plan-search" label="Search titles" value={searchText} onChange={(event) => setSearchText(event.target.value)} />
        <LevelSelect id="plan-level" label="Level" value={level} onChange={(event) => update({ level: event.target.value })} />
        <button type="submit" className="btn-secondary">
          Search
        </button>
      </form>
      <p role="status" className="text-green-900">
        {notice}
      </p>
      <ErrorMessage error={actionError} />
      {state.loading && !state.data ? <Loading label="Loading your class plans…" /> : null}
      <ErrorMessage error={state.error} onRetry={() => setReload((n) => n + 1)} />
      {state.data && !plans.length ? (
        <Empty>{search || level ? 'No class plan matches.' : 'No class plans yet. Create your first one.'}</Empty>
      ) : null}
      {plans.length ? (
        <ul className="flex flex-col gap-3" aria-label="Your class plans">
          {plans.map((plan) => (
            <li key={plan.id} className="card flex flex-col gap-2">
              <h2 className="text-lg font-bold">
                <Link className="link" to={`/instructor/plans/${plan.id}`}>
                  {plan.title}
                </Link>
              </h2>
              <p className="text-sm text-slate-800">
                {levelLabel(plan.difficulty_level)} · {plan.sequence_count} sequence
                {plan.sequence_count === 1 ? '' : 's'} · total {plan.total_time_minutes} min · planned{' '}
                {minutes(plan.estimated_duration)}
              </p>
              <div className="flex flex-wrap gap-2">
                <Link className="btn-secondary" to={`/instructor/plans/${plan.id}/edit`} aria-label={`Edit ${plan.title}`}>
                  Edit
                </Link>
                <button type="button" className="btn-secondary" onClick={() => setDuplicating(plan)} aria-label={`Duplicate ${plan.title}`}>
                  Duplicate
                </button>
                <button type="button" className="btn-secondary" onClick={() => setDeleting(plan)} aria-label={`Delete ${plan.title}`}>
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      <Pager page={page} pages={pages} onPage={(n) => update({ page: String(n) })} />
      <ConfirmDialog
        open={Boolean(deleting)}
        title="Delete this class plan?"
        confirmLabel="Delete class plan"
        busy={busy}
        onConfirm={remove}
        onCancel={() => setDeleting(null)}
      >
        <p>
          “{deleting?.title}” and its {deleting?.sequence_count} sequence{deleting?.sequence_count === 1 ? '' : 's'} will be
          deleted. The choreographies stay in your collection.
        </p>
      </ConfirmDialog>
      <DuplicateDialog
        plan={duplicating}
        onCancel={() => setDuplicating(null)}
        onDone={(copy) => navigate(`/instructor/plans/${copy.id}`, { state: { notice: `“${copy.title}” is created.` } })}
      />
    </div>
  );
}
