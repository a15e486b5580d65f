import { useEffect, useRef } from 'react';

// React Router leaves route-change accessibility to the app: each page sets the title, moves focus to its
// <h1 tabIndex="-1"> (not on the very first load, where the browser's own focus is right) and announces its
// name in the always-present status region of the layout.
let firstPage = true;

export function usePage(title) {
  const headingRef = useRef(null);
  useEffect(() => {
    document.title = `${title} · Bachata Buddy`;
    if (firstPage) {
      firstPage = false;
      return;
    }
    headingRef.current?.focus();
    const region = document.getElementById('route-announcer');
    if (region) {
      region.textContent = ''; // the same page name twice in a row is announced again
      setTimeout(() => {
        region.textContent = `${title} page`;
      }, 100);
    }
  }, [title]);
  return headingRef;
}

export function formatDuration(seconds) {
  if (seconds == null || Number.isNaN(Number(seconds))) return '';
  const total = Math.round(Number(seconds));
  const minutes = Math.floor(total / 60);
  return `${minutes}:${String(total % 60).padStart(2, '0')}`;
}

export function formatDate(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export const DIFFICULTIES = [
  ['beginner', 'Beginner'],
  ['intermediate', 'Intermediate'],
  ['advanced', 'Advanced'],
];

// Only paths of this app: never an absolute URL someone put into ?next=.
export function safeNext(value) {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/';
}

// A list page's query string with `changes` applied: an empty value removes its key, and any change other
// than the page itself goes back to page one.
export function withChanges(params, changes) {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value) next.set(key, value);
    else next.delete(key);
  }
  if (!('page' in changes)) next.delete('page');
  return next;
}
