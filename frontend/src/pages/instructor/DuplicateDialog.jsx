import { useEffect, useId, useState } from 'react';

import ErrorSummary from '../../components/ErrorSummary.jsx';
import Field from '../../components/Field.jsx';
import Modal from '../../components/Modal.jsx';
import { request } from '../../utils/api.js';

// Duplicate a plan: a new title (the API's "Copy of …" when left as it is) and whether to copy the sequences.
export default function DuplicateDialog({ plan, onCancel, onDone }) {
  const titleId = useId();
  const [title, setTitle] = useState('');
  const [withSequences, setWithSequences] = useState(true);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  // Each plan opened starts from its own suggested title, with its sequences, and no old error.
  useEffect(() => {
    if (!plan) return;
    setTitle(`Copy of ${plan.title}`.slice(0, 200));
    setWithSequences(true);
    setError(null);
  }, [plan]);

  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data } = await request(`/api/instructors/class-plans/${plan.id}/duplicate`, {
        method: 'POST',
        body: { title, include_sequences: withSequences },
      });
      onDone(data);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open={Boolean(plan)} labelledBy={titleId} onCancel={onCancel}>
      {plan ? (
        <form noValidate onSubmit={submit} className="flex flex-col gap-4 p-5">
          <h2 id={titleId} className="text-xl font-bold">
            Duplicate “{plan.title}”
          </h2>
          <ErrorSummary error={error} fieldIds={{ title: 'duplicate-title' }} labels={{ title: 'Title' }} />
          <Field
            id="duplicate-title"
            label="Title of the copy"
            value={title}
            onChange={(event) => setTitle(event.target.value)}
            errors={error?.fields?.title}
          />
          <div className="flex min-h-11 items-center gap-2">
            <input
              id="duplicate-sequences"
              type="checkbox"
              className="h-6 w-6"
              checked={withSequences}
              onChange={(event) => setWithSequences(event.target.checked)}
            />
            <label htmlFor="duplicate-sequences">Copy its {plan.sequence_count ?? ''} sequences too</label>
          </div>
          <div className="flex flex-wrap justify-end gap-3">
            <button type="button" className="btn-secondary" onClick={onCancel}>
              Cancel
            </button>
            <button type="submit" className="btn-primary" disabled={busy}>
              {busy ? 'Duplicating…' : 'Duplicate'}
            </button>
          </div>
        </form>
      ) : null}
    </Modal>
  );
}
