import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';

import Heading from '../../components/Heading.jsx';
import { ErrorMessage, Loading } from '../../components/Status.jsx';
import { getJson } from '../../utils/api.js';
import { formatDate, formatDuration, usePage } from '../../utils/page.js';
import { levelLabel, minutes } from './format.js';

// Only the sheet prints: the site's header, footer and this page's buttons stay on screen.
const PRINT_CSS = `@media print {
  body > #root header, body > #root footer, [data-print-hidden] { display: none !important; }
  main { max-width: none !important; padding: 0 !important; }
}`;

// The class sheet from the API's export (?format=json: the same data as its printable HTML page).
export default function PlanPrint() {
  const { planId } = useParams();
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const exported = state.data;
  const heading = usePage(exported ? `${exported.plan.title} — class sheet` : 'Class sheet');

  useEffect(() => {
    const controller = new AbortController();
    getJson(`/api/instructors/class-plans/${planId}/export?format=json`, { signal: controller.signal })
      .then((data) => setState({ loading: false, data, error: null }))
      .catch((error) => {
        if (error.name !== 'AbortError') setState({ loading: false, data: null, error });
      });
    return () => controller.abort();
  }, [planId]);

  const plan = exported?.plan;
  const summary = exported?.summary;
  return (
    <article className="flex flex-col gap-4">
      <style>{PRINT_CSS}</style>
      <div data-print-hidden className="flex flex-wrap gap-3">
        <Link className="link inline-flex min-h-11 items-center" to={`/instructor/plans/${planId}`}>
          ← Back to the plan
        </Link>
        {exported ? (
          <button type="button" className="btn-primary" onClick={() => window.print()}>
            Print
          </button>
        ) : null}
      </div>
      <Heading ref={heading}>{plan ? plan.title : 'Class sheet'}</Heading>
      {state.loading ? <Loading label="Preparing the class sheet…" /> : null}
      <ErrorMessage error={state.error} />
      {exported ? (
        <>
          <p className="text-slate-800">
            {levelLabel(plan.difficulty_level)} · planned {minutes(plan.estimated_duration)} · by{' '}
            {exported.instructor.display_name || exported.instructor.username} · {formatDate(exported.exported_at)}
          </p>
          {plan.description ? <p>{plan.description}</p> : null}
          <section aria-labelledby="sheet-sequences">
            <h2 id="sheet-sequences" className="mb-2 text-lg font-bold">
              Sequences
            </h2>
            {exported.sequences.length ? (
              <table className="w-full border-collapse text-left text-sm" data-testid="sheet-sequences">
                <thead>
                  <tr className="border-b-2 border-slate-700">
                    <th scope="col" className="py-1 pr-2">
                      #
                    </th>
                    <th scope="col" className="py-1 pr-2">
                      Choreography
                    </th>
                    <th scope="col" className="py-1 pr-2">
                      Level
                    </th>
                    <th scope="col" className="py-1 pr-2">
                      Video
                    </th>
                    <th scope="col" className="py-1 pr-2">
                      Time
                    </th>
                    <th scope="col" className="py-1">
                      Notes
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {exported.sequences.map((sequence) => (
                    <tr key={sequence.position} className="border-b border-slate-300 align-top">
                      <td className="py-1 pr-2 tabular-nums">{sequence.position}</td>
                      <td className="py-1 pr-2">{sequence.title}</td>
                      <td className="py-1 pr-2">{levelLabel(sequence.difficulty)}</td>
                      <td className="py-1 pr-2 tabular-nums">{formatDuration(sequence.duration_seconds)}</td>
                      <td className="py-1 pr-2">{sequence.estimated_time ? `${sequence.estimated_time} min` : '–'}</td>
                      <td className="whitespace-pre-line py-1">{sequence.notes}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p>No sequences yet.</p>
            )}
          </section>
          <section aria-labelledby="sheet-summary">
            <h2 id="sheet-summary" className="mb-2 text-lg font-bold">
              Summary
            </h2>
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1" data-testid="sheet-summary">
              <dt>Total time</dt>
              <dd>{summary.total_time_minutes} min</dd>
              <dt>Video length</dt>
              <dd>{formatDuration(summary.total_video_seconds)}</dd>
              <dt>Progression</dt>
              <dd>
                {summary.difficulty_progression.map(levelLabel).join(' → ') || '–'}
                {summary.difficulty_progression.length ? (summary.is_progressive ? ' (builds up)' : ' (steps back)') : ''}
              </dd>
            </dl>
            {summary.recommendations?.length ? (
              <ul className="mt-2 list-disc pl-5">
                {summary.recommendations.map((advice) => (
                  <li key={advice}>{advice}</li>
                ))}
              </ul>
            ) : null}
          </section>
          {plan.instructor_notes ? (
            <section aria-labelledby="sheet-notes">
              <h2 id="sheet-notes" className="mb-2 text-lg font-bold">
                Instructor notes
              </h2>
              <p className="whitespace-pre-line">{plan.instructor_notes}</p>
            </section>
          ) : null}
        </>
      ) : null}
    </article>
  );
}
