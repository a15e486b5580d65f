// The player's keyboard map (YouTube / Plyr / media-chrome conventions, mirror on M). Single keys act only
// while the player has focus (WCAG 2.1.4); on a button, Space and Enter press the button; in a text field
// or a select, the player's letter and arrow keys are left to the field.

export const KEYS = [
  { keys: ['Space', 'K'], shortcut: 'Space k', action: 'togglePlay', description: 'Play or pause' },
  { keys: ['J'], shortcut: 'j', action: 'back10', description: 'Back 10 seconds' },
  { keys: ['L'], shortcut: 'l', action: 'forward10', description: 'Forward 10 seconds' },
  { keys: ['←'], shortcut: 'ArrowLeft', action: 'back5', description: 'Back 5 seconds' },
  { keys: ['→'], shortcut: 'ArrowRight', action: 'forward5', description: 'Forward 5 seconds' },
  { keys: [','], shortcut: ',', action: 'framePrev', description: 'Previous frame (when paused)' },
  { keys: ['.'], shortcut: '.', action: 'frameNext', description: 'Next frame (when paused)' },
  { keys: ['<'], shortcut: 'Shift+,', action: 'slower', description: 'Slower' },
  { keys: ['>'], shortcut: 'Shift+.', action: 'faster', description: 'Faster' },
  { keys: ['M'], shortcut: 'm', action: 'mirror', description: 'Mirror on or off' },
  { keys: ['N'], shortcut: 'n', action: 'nextMove', description: 'Next move' },
  { keys: ['P'], shortcut: 'p', action: 'prevMove', description: 'Previous move (or the start of this one)' },
  { keys: ['A'], shortcut: 'a', action: 'setA', description: 'Loop start (A) at the playhead' },
  { keys: ['B'], shortcut: 'b', action: 'setB', description: 'Loop end (B) at the playhead' },
  { keys: ['Esc'], shortcut: 'Escape', action: 'clearLoop', description: 'Clear the loop' },
  { keys: ['?'], shortcut: 'Shift+?', action: 'help', description: 'Show these keys' },
];

// aria-keyshortcuts for an action's button.
export function shortcutFor(action) {
  const entry = KEYS.find((k) => k.action === action);
  return entry ? entry.shortcut : undefined;
}

const BY_KEY = {
  ' ': 'togglePlay',
  k: 'togglePlay',
  j: 'back10',
  l: 'forward10',
  ArrowLeft: 'back5',
  ArrowRight: 'forward5',
  ',': 'framePrev',
  '.': 'frameNext',
  '<': 'slower',
  '>': 'faster',
  m: 'mirror',
  n: 'nextMove',
  p: 'prevMove',
  a: 'setA',
  b: 'setB',
  Escape: 'clearLoop',
  '?': 'help',
};

// targetKind: 'none' (the player itself), 'button', 'slider' (the seek bar), 'text' (inputs), 'select',
// 'group' (a control that handles its own arrow keys, such as the move markers), 'dialog'.
export function keyAction({ key, ctrlKey = false, metaKey = false, altKey = false }, targetKind = 'none') {
  if (ctrlKey || metaKey || altKey) return null;
  if (targetKind === 'text' || targetKind === 'dialog') return null;
  const normal = key && key.length === 1 ? key.toLowerCase() : key;
  // Shifted punctuation arrives as '<', '>', '?'; a shifted letter still means the letter.
  const lookup = key === '<' || key === '>' || key === '?' ? key : normal;
  const action = BY_KEY[lookup] || null;
  if (!action) return null;
  if (targetKind === 'button' && (key === ' ' || key === 'Enter')) return null;
  if ((targetKind === 'select' || targetKind === 'group') && (key.startsWith('Arrow') || key === ' ')) return null;
  return action;
}

// What kind of control an event target is, for keyAction.
export function targetKindOf(element) {
  if (!element || !element.tagName) return 'none';
  if (element.closest && element.closest('dialog')) return 'dialog';
  const tag = element.tagName.toLowerCase();
  if (tag === 'textarea' || element.isContentEditable) return 'text';
  if (tag === 'input') {
    const type = (element.getAttribute('type') || 'text').toLowerCase();
    if (type === 'range') return 'slider';
    if (type === 'checkbox' || type === 'radio' || type === 'button') return 'button';
    return 'text';
  }
  if (tag === 'select') return 'select';
  if (element.closest && element.closest('[data-own-arrows]')) return 'group';
  if (tag === 'button' || tag === 'a' || element.getAttribute('role') === 'button') return 'button';
  return 'none';
}
