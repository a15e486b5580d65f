// Small display helpers shared by the instructor pages (the API gives the numbers; these only print them).

export const LEVELS = { beginner: 'Beginner', intermediate: 'Intermediate', advanced: 'Advanced' };

export function levelLabel(value) {
  return LEVELS[value] || value || '';
}

export function minutes(value) {
  return value === null || value === undefined ? 'not set' : `${value} min`;
}
