import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';

import ChoreographyCard from '../components/ChoreographyCard.jsx';
import Heading from '../components/Heading.jsx';
import { Empty, ErrorMessage, Loading } from '../components/Status.jsx';
import { getJson } from '../utils/api.js';
import { usePage } from '../utils/page.js';

function Recent() {
  const [state, setState] = useState({ loading: true, items: [], error: null });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    getJson('/api/collections?ordering=-created_at', { signal: controller.signal })
      .then((data) => setState({ loading: false, items: (data?.results || []).slice(0, 4), error: null }))
      .catch((error) => {
        if (error.name !== 'AbortError') setState({ loading: false, items: [], error });
      });
    return () => controller.abort();
  }, [attempt]);

  return (
    <section aria-labelledby="recent-title" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="recent-title" className="text-xl font-bold">
          Your recent choreographies
        </h2>
        <Link className="link" to="/collections">
          See all
        </Link>
      </div>
      <div className="min-h-40">
        {state.loading ? <Loading label="Loading your choreographies…" /> : null}
        <ErrorMessage error={state.error} onRetry={() => setAttempt(attempt + 1)} />
        {!state.loading && !state.error && state.items.length === 0 ? (
          <Empty>Nothing saved yet. Your first choreography is one song away.</Empty>
        ) : null}
        {state.items.length ? (
          <ul className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4">
            {state.items.map((item) => (
              <li key={item.id}>
                <ChoreographyCard item={item} />
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </section>
  );
}

export default function Home({ user }) {
  const heading = usePage('Home');
  const name = user?.display_name || user?.username;
  return (
    <div className="flex flex-col gap-8">
      <section className="flex flex-col gap-4 rounded-xl bg-rose-50 p-6 sm:p-10">
        <Heading ref={heading}>{name ? `Welcome back, ${name}` : 'Your song, danced'}</Heading>
        {user ? (
          <p className="max-w-prose text-lg">Pick a song and get a new choreography to practise, or carry on with one you saved.</p>
        ) : (
          <>
            <p className="max-w-prose text-lg">
              Bachata Buddy listens to a song, finds its beat and its 8-count phrases, and stitches real Bachata
              moves to it: a choreography video at your level, ready to practise.
            </p>
            <ol className="grid max-w-3xl gap-2 sm:grid-cols-3">
              <li className="card">
                <strong>1. Pick a song</strong> from the library, upload your own or paste a link.
              </li>
              <li className="card">
                <strong>2. Choose</strong> your level, energy and style — or describe it in words.
              </li>
              <li className="card">
                <strong>3. Practise</strong> with the video, slowed down and mirrored.
              </li>
            </ol>
          </>
        )}
        <p className="flex flex-wrap gap-3">
          <Link className="btn-primary" to="/generate">
            Generate a choreography
          </Link>
          {!user ? (
            <Link className="btn-secondary" to="/register">
              Create a free account
            </Link>
          ) : null}
        </p>
      </section>
      {user ? <Recent /> : null}
    </div>
  );
}
