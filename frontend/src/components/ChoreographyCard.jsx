import { Link } from 'react-router-dom';

import { formatDate, formatDuration } from '../utils/page.js';

// One saved choreography: a fixed 16:9 thumbnail box (no layout jump when the image arrives) and its facts.
export default function ChoreographyCard({ item, children }) {
  return (
    <article className="card flex flex-col gap-2 p-3">
      <div className="aspect-video w-full overflow-hidden rounded bg-slate-200">
        {item.thumbnail_url ? (
          <img src={item.thumbnail_url} alt="" width="320" height="180" loading="lazy" className="h-full w-full object-cover" />
        ) : null}
      </div>
      <h3 className="text-lg font-semibold leading-snug [overflow-wrap:anywhere]">
        <Link className="link" to={`/collections/${item.id}`}>
          {item.title}
        </Link>
      </h3>
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 text-sm text-slate-700">
        <dt>Difficulty</dt>
        <dd className="capitalize">{item.difficulty}</dd>
        <dt>Length</dt>
        <dd>{formatDuration(item.duration)}</dd>
        <dt>Saved</dt>
        <dd>{formatDate(item.created_at)}</dd>
      </dl>
      {children}
    </article>
  );
}
