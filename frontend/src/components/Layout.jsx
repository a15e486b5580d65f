import { NavLink, Link } from 'react-router-dom';

const navClass = ({ isActive }) =>
  `inline-flex min-h-11 items-center rounded-md px-3 font-medium ${
    isActive ? 'bg-rose-100 text-rose-900 underline underline-offset-4' : 'text-slate-800 hover:bg-slate-100'
  }`;

export default function Layout({ user, onLogout, children }) {
  return (
    <div className="flex min-h-screen flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-3"
      >
        Skip to main content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-2 px-4 py-2">
          <Link to="/" className="inline-flex min-h-11 items-center text-xl font-bold text-rose-800 no-underline">
            <span aria-hidden="true" className="mr-1">
              💃
            </span>
            Bachata Buddy
          </Link>
          <nav aria-label="Main">
            <ul className="flex flex-wrap items-center gap-1">
              {user ? (
                <>
                  <li>
                    <NavLink to="/generate" className={navClass}>
                      Generate
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/collections" className={navClass} end={false}>
                      Collections
                    </NavLink>
                  </li>
                  {user.is_instructor ? (
                    <li>
                      <NavLink to="/instructor" className={navClass}>
                        Classes
                      </NavLink>
                    </li>
                  ) : null}
                  <li>
                    <NavLink to="/profile" className={navClass}>
                      Profile
                    </NavLink>
                  </li>
                  <li>
                    <button type="button" onClick={onLogout} className="inline-flex min-h-11 items-center rounded-md px-3 font-medium text-slate-800 hover:bg-slate-100">
                      Log out
                    </button>
                  </li>
                </>
              ) : (
                <>
                  <li>
                    <NavLink to="/login" className={navClass}>
                      Log in
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/register" className={navClass}>
                      Register
                    </NavLink>
                  </li>
                </>
              )}
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 py-6">
        {children}
      </main>
      <footer className="border-t border-slate-200 py-4 text-center text-sm text-slate-600">
        Bachata Buddy — choreographies stitched to the beat of your song.
      </footer>
      <div id="route-announcer" role="status" aria-live="polite" aria-atomic="true" className="sr-only" />
    </div>
  );
}
