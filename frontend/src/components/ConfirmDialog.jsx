import { useId } from 'react';

import { useModal } from './modal.js';

// A modal confirmation on the native <dialog> (focus trapped and restored by the browser, Escape closes).
export default function ConfirmDialog({ open, title, children, confirmLabel, onConfirm, onCancel, busy, confirmDisabled }) {
  const ref = useModal(open);
  const titleId = useId();
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
      className="m-auto w-[calc(100%-2rem)] max-w-md rounded-lg p-0 shadow-xl backdrop:bg-black/50"
    >
      {open ? (
        <div className="flex flex-col gap-4 p-5">
          <h2 id={titleId} className="text-xl font-bold">
            {title}
          </h2>
          {children}
          <div className="flex flex-wrap justify-end gap-3">
            <button type="button" className="btn-secondary" onClick={onCancel}>
              Keep it
            </button>
            <button
              type="button"
              className="btn-danger"
              onClick={onConfirm}
              disabled={busy || confirmDisabled}
            >
              {confirmLabel}
            </button>
          </div>
        </div>
      ) : null}
    </dialog>
  );
}
