import { KEYS, keyAction, shortcutFor, targetKindOf } from './keys.js';

describe('the keyboard map', () => {
  it.each([
    [' ', 'togglePlay'],
    ['k', 'togglePlay'],
    ['K', 'togglePlay'],
    ['j', 'back10'],
    ['l', 'forward10'],
    ['ArrowLeft', 'back5'],
    ['ArrowRight', 'forward5'],
    [',', 'framePrev'],
    ['.', 'frameNext'],
    ['<', 'slower'],
    ['>', 'faster'],
    ['m', 'mirror'],
    ['n', 'nextMove'],
    ['p', 'prevMove'],
    ['a', 'setA'],
    ['b', 'setB'],
    ['Escape', 'clearLoop'],
    ['?', 'help'],
  ])('%s does %s on the player', (key, action) => {
    expect(keyAction({ key }, 'none')).toBe(action);
    expect(keyAction({ key }, 'slider')).toBe(action);
  });

  it('leaves keys with modifiers to the browser', () => {
    expect(keyAction({ key: 'k', ctrlKey: true })).toBeNull();
    expect(keyAction({ key: 'l', metaKey: true })).toBeNull();
    expect(keyAction({ key: 'ArrowLeft', altKey: true })).toBeNull();
  });

  it('lets Space press a focused button, but letters still work there', () => {
    expect(keyAction({ key: ' ' }, 'button')).toBeNull();
    expect(keyAction({ key: 'm' }, 'button')).toBe('mirror');
  });

  it('leaves typing and selects alone', () => {
    expect(keyAction({ key: 'm' }, 'text')).toBeNull();
    expect(keyAction({ key: ' ' }, 'text')).toBeNull();
    expect(keyAction({ key: 'ArrowLeft' }, 'select')).toBeNull();
    expect(keyAction({ key: 'ArrowRight' }, 'group')).toBeNull();
    expect(keyAction({ key: 'm' }, 'dialog')).toBeNull();
  });

  it('ignores keys it does not know', () => {
    expect(keyAction({ key: 'x' })).toBeNull();
    expect(keyAction({ key: 'Enter' })).toBeNull();
  });

  it('names every action once, with an aria-keyshortcuts value', () => {
    const actions = KEYS.map((k) => k.action);
    expect(new Set(actions).size).toBe(actions.length);
    expect(shortcutFor('mirror')).toBe('m');
    expect(shortcutFor('togglePlay')).toBe('Space k');
  });

  it('classifies the focused element', () => {
    const make = (html) => {
      const holder = document.createElement('div');
      holder.innerHTML = html;
      document.body.append(holder);
      return holder.firstElementChild;
    };
    expect(targetKindOf(make('<input type="range">'))).toBe('slider');
    expect(targetKindOf(make('<input type="number">'))).toBe('text');
    expect(targetKindOf(make('<button>x</button>'))).toBe('button');
    expect(targetKindOf(make('<select><option>1</option></select>'))).toBe('select');
    expect(targetKindOf(make('<div data-own-arrows><button>x</button></div>').firstElementChild)).toBe('group');
    expect(targetKindOf(make('<div tabindex="0"></div>'))).toBe('none');
  });
});
