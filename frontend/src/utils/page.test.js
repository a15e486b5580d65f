import { describe, expect, it } from 'vitest';

import { withChanges } from './page.js';

describe('withChanges', () => {
  it('sets and removes filters and goes back to page one when a filter changes', () => {
    const next = withChanges(new URLSearchParams('search=salsa&level=beginner&page=3'), { level: '', search: 'bachata' });
    expect(next.toString()).toBe('search=bachata');
  });

  it('keeps the filters when only the page changes', () => {
    const next = withChanges(new URLSearchParams('search=salsa&page=3'), { page: '4' });
    expect(next.toString()).toBe('search=salsa&page=4');
  });

  it('leaves the given parameters as they were', () => {
    const params = new URLSearchParams('page=2');
    withChanges(params, { search: 'x' });
    expect(params.toString()).toBe('page=2');
  });
});
