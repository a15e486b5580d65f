import { useState } from 'react';

// A form's submit handler: runs `action`, holds `busy` while it runs and keeps the API's failure in `error`
// (for <ErrorSummary> and the fields). A form whose success leaves the page (`leaves: true`) stays busy, so
// its button does not flash back before the next page shows.
export function useSubmit(action, { leaves = false } = {}) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
      if (!leaves) setBusy(false);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return { submit, busy, error };
}
