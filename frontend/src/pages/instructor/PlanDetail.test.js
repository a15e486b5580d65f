// @vitest-environment node
import { moved } from './PlanDetail.jsx';

test('moving a sequence shifts the ones between, keeps the rest', () => {
  expect(moved(['a', 'b', 'c', 'd'], 3, 1)).toEqual(['a', 'd', 'b', 'c']);
  expect(moved(['a', 'b', 'c', 'd'], 0, 3)).toEqual(['b', 'c', 'd', 'a']);
  expect(moved(['a', 'b'], 1, 0)).toEqual(['b', 'a']);
});
