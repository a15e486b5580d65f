import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { useSubmit } from './submit.js';

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

describe('useSubmit', () => {
  it('is busy while the action runs, keeps the failure and is ready again after it', async () => {
    const step = deferred();
    const { result } = renderHook(() => useSubmit(() => step.promise));
    let prevented = false;
    let done;
    act(() => {
      done = result.current.submit({ preventDefault: () => (prevented = true) });
    });
    expect(prevented).toBe(true);
    expect(result.current.busy).toBe(true);
    const failure = Object.assign(new Error('Title is required.'), { fields: { title: ['Required.'] } });
    await act(async () => {
      step.reject(failure);
      await done;
    });
    expect(result.current.busy).toBe(false);
    expect(result.current.error).toBe(failure);
  });

  it('clears the last failure on a new submit and stays busy after success when the form leaves the page', async () => {
    let attempt = 0;
    const { result } = renderHook(() =>
      useSubmit(
        async () => {
          attempt += 1;
          if (attempt === 1) throw new Error('Wrong password.');
        },
        { leaves: true },
      ),
    );
    await act(() => result.current.submit());
    expect(result.current.error?.message).toBe('Wrong password.');
    expect(result.current.busy).toBe(false);
    await act(() => result.current.submit());
    expect(result.current.error).toBe(null);
    expect(result.current.busy).toBe(true);
  });

  it('is ready again after success when the form stays', async () => {
    const { result } = renderHook(() => useSubmit(async () => {}));
    await act(() => result.current.submit());
    expect(result.current.busy).toBe(false);
    expect(result.current.error).toBe(null);
  });
});
