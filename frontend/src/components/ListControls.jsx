import { DIFFICULTIES } from '../utils/page.js';

// The labelled controls above a searchable list: a search box and a level filter ("All levels" or one level).
export function SearchInput({ id, label, value, onChange }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="font-medium">
        {label}
      </label>
      <input id={id} type="search" className="min-h-11 rounded-md border border-slate-400 px-3" value={value} onChange={onChange} />
    </div>
  );
}

export function LevelSelect({ id, label, value, onChange }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="font-medium">
        {label}
      </label>
      <select id={id} className="min-h-11 rounded-md border border-slate-400 bg-white px-3" value={value} onChange={onChange}>
        <option value="">All levels</option>
        {DIFFICULTIES.map(([key, name]) => (
          <option key={key} value={key}>
            {name}
          </option>
        ))}
      </select>
    </div>
  );
}
