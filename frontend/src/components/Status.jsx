// Loading, empty and error states, the same everywhere. Error text is the API's message.
export function Loading({ label = 'Loading…', className = '' }) {
  return (
    <p role="status" className={`flex items-center gap-2 text-slate-700 ${className}`}>
      <span aria-hidden="true" className="inline-block h-4 w-4 animate-spin rounded-full border-2 border-slate-400 border-t-transparent motion-reduce:animate-none" />
      {label}
    </p>
  );
}

export function ErrorMessage({ error, onRetry }) {
  if (!error) return null;
  return (
    <div role="alert" className="rounded-md border-l-4 border-red-700 bg-red-50 p-4">
      <p>{error.message}</p>
      {onRetry ? (
        <button type="button" className="btn-secondary mt-3" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }) {
  return <div className="rounded-md border border-dashed border-slate-400 p-6 text-center text-slate-700">{children}</div>;
}
