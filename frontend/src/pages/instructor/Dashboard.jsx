import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';

import Heading from '../../components/Heading.jsx';
import { ErrorMessage, Loading } from '../../components/Status.jsx';
import { getJson } from '../../utils/api.js';
import { formatDate, usePage } from '../../utils/page.js';
import { LEVELS } from './format.js';

function Number_({ label, value }) {
  return (
    <div className="card flex flex-col">
      <dt className="text-sm text-slate-700">{label}</dt>
      <dd className="text-3xl font-bold tabular-nums">{value}</dd>
    </div>
  );
}

export default function Dashboard() {
  const heading = usePage('Instructor dashboard');
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    getJson('/api/instructors/dashboard', { signal: controller.signal })
      .then((data) => setState({ loading: false, data, error: null }))
      .catch((error) => {
        if (error.name !== 'AbortError') setState({ loading: false, data: null, error });
      });
    return () => controller.abort();
  }, [attempt]);

  const { data } = state;
  return (
    <div className="flex flex-col gap-5">
      <Heading ref={heading}>Instructor dashboard</Heading>
      <div className="flex flex-wrap gap-3">
        <Link className="btn-primary" to="/instructor/plans/new">
          New class plan
        </Link>
        <Link className="btn-secondary" to="/instructor/plans">
          All class plans
        </Link>
      </div>
      {state.loading ? <Loading label="Loading your numbers…" /> : null}
      <ErrorMessage error={state.error} onRetry={() => setAttempt(attempt + 1)} />
      {data ? (
        <>
          <section aria-labelledby="numbers-title">
            <h2 id="numbers-title" className="mb-2 text-lg font-bold">
              Your numbers
            </h2>
            <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3">
              <Number_ label="Class plans" value={data.total_plans} />
              <Number_ label="Sequences in them" value={data.total_sequences} />
              <Number_ label="Saved choreographies" value={data.total_choreographies} />
              {Object.entries(LEVELS).map(([value, label]) => (
                <Number_ key={value} label={`${label} plans`} value={data.plans_by_difficulty?.[value] ?? 0} />
              ))}
            </dl>
          </section>
          <section aria-labelledby="recent-title">
            <h2 id="recent-title" className="mb-2 text-lg font-bold">
              Recently changed plans
            </h2>
            {data.recent_plans.length ? (
              <ul className="flex flex-col gap-1">
                {data.recent_plans.map((plan) => (
                  <li key={plan.id}>
                    <Link className="link inline-flex min-h-11 items-center" to={`/instructor/plans/${plan.id}`}>
                      {plan.title}
                    </Link>{' '}
                    <span className="text-sm text-slate-700">changed {formatDate(plan.updated_at)}</span>
                  </li>
                ))}
              </ul>
            ) : (
              <p>No class plans yet.</p>
            )}
          </section>
        </>
      ) : null}
    </div>
  );
}
