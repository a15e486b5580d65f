import { NavLink, Link } from 'react-router-dom';

const navClass = ({ isActive }) =>
  `inline-flex min-h-11 items-center rounded-md px-2 font-medium sm:px-3 ${
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
            <svg aria-hidden="true" viewBox="0 0 24 24" className="mr-2 h-7 w-7" fill="currentColor">
              <circle cx="8" cy="4" r="2.2" />
              <circle cx="16" cy="4" r="2.2" />
              <path d="M6 8h4l1 6-2 8H7l1-7-2-1zM14 8h4l-1 6 1 8h-2l-2-7-1-1z" />
            </svg>
            Bachata Buddy
          </Link>
          <nav aria-label="Main">
            <ul className="flex flex-wrap items-center gap-x-0 gap-y-1 sm:gap-1">
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
                    <button type="button" onClick={onLogout} className="inline-flex min-h-11 items-center rounded-md px-2 font-medium text-slate-800 hover:bg-slate-100 sm:px-3">
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
