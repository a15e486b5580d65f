import { useId } from 'react';

import Modal from './Modal.jsx';

// A modal confirmation on the native <dialog> (focus trapped and restored by the browser, Escape closes).
export default function ConfirmDialog({ open, title, children, confirmLabel, onConfirm, onCancel, busy, confirmDisabled }) {
  const titleId = useId();
  return (
    <Modal open={open} labelledBy={titleId} onCancel={onCancel}>
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
    </Modal>
  );
}
