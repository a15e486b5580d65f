// A labelled input with its hint and the API's error messages tied to it (aria-describedby, aria-invalid).
export default function Field({
  id,
  label,
  errors,
  hint,
  as = 'input',
  children,
  className = '',
  ...inputProps
}) {
  const Control = as;
  const messages = errors || [];
  const describedBy = [hint ? `${id}-hint` : null, messages.length ? `${id}-error` : null]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`flex flex-col gap-1 ${className}`}>
      <label htmlFor={id} className="font-medium">
        {label}
      </label>
      {hint ? (
        <p id={`${id}-hint`} className="text-sm text-slate-600">
          {hint}
        </p>
      ) : null}
      {messages.length ? (
        <p id={`${id}-error`} className="text-sm font-semibold text-red-700">
          <span className="sr-only">Error: </span>
          {messages.join(' ')}
        </p>
      ) : null}
      <Control
        id={id}
        name={id}
        aria-invalid={messages.length ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
        className={`min-h-11 rounded-md border bg-white px-3 py-2 text-base ${
          messages.length ? 'border-red-700 border-2' : 'border-slate-400'
        }`}
        {...inputProps}
      >
        {children}
      </Control>
    </div>
  );
}
