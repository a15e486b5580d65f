import { useEffect, useRef } from 'react';

// GOV.UK's error summary: on a failed submit it takes focus, gives the API's message and links to each
// field the API named. `fieldIds` maps an API field name to the input's id (default: the same).
export default function ErrorSummary({ error, fieldIds = {}, labels = {} }) {
  const ref = useRef(null);
  useEffect(() => {
    if (error) ref.current?.focus();
  }, [error]);
  if (!error) return null;
  const entries = Object.entries(error.fields || {}).filter(([, messages]) => messages?.length);
  return (
    <div
      ref={ref}
      tabIndex={-1}
      role="alert"
      aria-labelledby="error-summary-title"
      className="rounded-md border-4 border-red-700 bg-white p-4"
    >
      <h2 id="error-summary-title" className="text-lg font-bold">
        There is a problem
      </h2>
      <p className="mt-1">{error.message}</p>
      {entries.length ? (
        <ul className="mt-2 list-disc pl-5">
          {entries.map(([name, messages]) => {
            const target = fieldIds[name] || name;
            return (
              <li key={name}>
                <a
                  className="font-semibold text-red-800 underline"
                  href={`#${target}`}
                  onClick={(event) => {
                    const input = document.getElementById(target);
                    if (input) {
                      event.preventDefault();
                      input.focus();
                    }
                  }}
                >
                  {labels[name] ? `${labels[name]}: ` : ''}
                  {messages.join(' ')}
                </a>
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}
