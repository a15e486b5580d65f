import { useModal } from './modal.js';

export const MODAL_CLASS = 'm-auto w-[calc(100%-2rem)] max-w-md rounded-lg p-0 shadow-xl backdrop:bg-black/50';

// The shell of every modal dialog: a native <dialog> opened with showModal (the browser traps focus and
// restores it on close), named by its heading (`labelledBy`), Escape turned into `onCancel` (the caller
// decides what closing resets), and its content rendered only while open.
export default function Modal({ open, labelledBy, onCancel, className = MODAL_CLASS, children }) {
  const ref = useModal(open);
  return (
    <dialog
      ref={ref}
      aria-labelledby={labelledBy}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
      className={className}
    >
      {open ? children : null}
    </dialog>
  );
}
