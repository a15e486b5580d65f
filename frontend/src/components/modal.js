import { useEffect, useRef } from 'react';

// Opens and closes a native <dialog> as a modal with `open` (the browser traps focus, restores it on close
// and turns Escape into a cancel event). Where showModal is missing (jsdom) the open attribute stands in.
export function useModal(open) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    } else if (!open && dialog.open) {
      if (typeof dialog.close === 'function') dialog.close();
      else dialog.removeAttribute('open');
    }
  }, [open]);
  return ref;
}
