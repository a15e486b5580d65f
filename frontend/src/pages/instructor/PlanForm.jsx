import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';

import ErrorSummary from '../../components/ErrorSummary.jsx';
import Field from '../../components/Field.jsx';
import Heading from '../../components/Heading.jsx';
import { ErrorMessage, Loading } from '../../components/Status.jsx';
import { getJson, request } from '../../utils/api.js';
import { DIFFICULTIES, usePage } from '../../utils/page.js';
import { useSubmit } from '../../utils/submit.js';

const EMPTY = { title: '', description: '', difficulty_level: 'beginner', estimated_duration: '', instructor_notes: '' };
const LABELS = {
  title: 'Title',
  description: 'Description',
  difficulty_level: 'Level',
  estimated_duration: 'Estimated duration',
  instructor_notes: 'Notes',
};

// Create a class plan (/instructor/plans/new) or edit one (/instructor/plans/:planId/edit).
export default function PlanForm() {
  const { planId } = useParams();
  const editing = Boolean(planId);
  const navigate = useNavigate();
  const heading = usePage(editing ? 'Edit class plan' : 'New class plan');
  const [values, setValues] = useState(EMPTY);
  const [loading, setLoading] = useState(editing);
  const [loadError, setLoadError] = useState(null);

  useEffect(() => {
    if (!editing) return undefined;
    const controller = new AbortController();
    getJson(`/api/instructors/class-plans/${planId}`, { signal: controller.signal })
      .then((plan) => {
        setValues({
          title: plan.title,
          description: plan.description,
          difficulty_level: plan.difficulty_level,
          estimated_duration: plan.estimated_duration ?? '',
          instructor_notes: plan.instructor_notes,
        });
        setLoading(false);
      })
      .catch((failure) => {
        if (failure.name !== 'AbortError') {
          setLoadError(failure);
          setLoading(false);
        }
      });
    return () => controller.abort();
  }, [editing, planId]);

  const change = (event) => setValues({ ...values, [event.target.name]: event.target.value });

  const { submit, busy, error } = useSubmit(
    async () => {
      const body = {
        ...values,
        estimated_duration: values.estimated_duration === '' ? null : Number(values.estimated_duration),
      };
      const { data } = await request(editing ? `/api/instructors/class-plans/${planId}` : '/api/instructors/class-plans', {
        method: editing ? 'PUT' : 'POST',
        body,
      });
      navigate(`/instructor/plans/${data.id}`, { state: { notice: editing ? 'Your changes are saved.' : 'The class plan is created.' } });
    },
    { leaves: true },
  );

  const errors = error?.fields || {};
  return (
    <div className="flex max-w-2xl flex-col gap-4">
      <p>
        <Link className="link" to={editing ? `/instructor/plans/${planId}` : '/instructor/plans'}>
          ← Back
        </Link>
      </p>
      <Heading ref={heading}>{editing ? 'Edit class plan' : 'New class plan'}</Heading>
      {loading ? <Loading label="Loading the plan…" /> : null}
      <ErrorMessage error={loadError} />
      {!loading && !loadError ? (
        <form noValidate onSubmit={submit} className="flex flex-col gap-4">
          <ErrorSummary error={error} labels={LABELS} />
          <Field id="title" label={LABELS.title} value={values.title} onChange={change} errors={errors.title} required />
          <Field
            id="description"
            label={LABELS.description}
            as="textarea"
            rows={3}
            value={values.description}
            onChange={change}
            errors={errors.description}
          />
          <Field
            id="difficulty_level"
            label={LABELS.difficulty_level}
            as="select"
            value={values.difficulty_level}
            onChange={change}
            errors={errors.difficulty_level}
          >
            {DIFFICULTIES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </Field>
          <Field
            id="estimated_duration"
            label={LABELS.estimated_duration}
            hint="Minutes; leave empty if you have not planned it yet."
            type="number"
            inputMode="numeric"
            min={1}
            value={values.estimated_duration}
            onChange={change}
            errors={errors.estimated_duration}
          />
          <Field
            id="instructor_notes"
            label={LABELS.instructor_notes}
            as="textarea"
            rows={4}
            value={values.instructor_notes}
            onChange={change}
            errors={errors.instructor_notes}
          />
          <div>
            <button type="submit" className="btn-primary" disabled={busy}>
              {busy ? 'Saving…' : editing ? 'Save changes' : 'Create class plan'}
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
