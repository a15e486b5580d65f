import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';

import ErrorBoundary from './components/ErrorBoundary.jsx';
import Layout from './components/Layout.jsx';
import { Loading } from './components/Status.jsx';
import { getJson, logout as apiLogout, onUnauthorized, refreshSession, setAccessToken } from './utils/api.js';

// Route-level code splitting: each page is its own chunk, loaded when first visited.
const Home = lazy(() => import('./pages/Home.jsx'));
const Login = lazy(() => import('./pages/Login.jsx'));
const Register = lazy(() => import('./pages/Register.jsx'));
const Generate = lazy(() => import('./pages/Generate.jsx'));
const Task = lazy(() => import('./pages/Task.jsx'));
const Collections = lazy(() => import('./pages/Collections.jsx'));
const CollectionDetail = lazy(() => import('./pages/CollectionDetail.jsx'));
const Profile = lazy(() => import('./pages/Profile.jsx'));
const NotFound = lazy(() => import('./pages/NotFound.jsx'));
const InstructorRoutes = lazy(() => import('./pages/instructor/InstructorRoutes.jsx'));

// Pages that need a session: without one, to the login page, which brings the user back here after.
function RequireAuth({ session, children }) {
  const location = useLocation();
  if (session.status === 'loading') return <Loading label="Checking your session…" className="py-8" />;
  if (!session.user) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return children;
}

export default function App() {
  const [session, setSession] = useState({ status: 'loading', user: null });
  const navigate = useNavigate();
  const location = useLocation();

  // Restore the session on page load with one refresh call (the HttpOnly cookie), then who we are.
  useEffect(() => {
    let active = true;
    (async () => {
      const refreshed = await refreshSession();
      let user = null;
      if (refreshed) {
        try {
          user = await getJson('/api/auth/me');
        } catch {
          user = null;
        }
      }
      if (active) setSession({ status: 'ready', user });
    })();
    return () => {
      active = false;
    };
  }, []);

  useEffect(() => {
    onUnauthorized(() => {
      setAccessToken(null);
      setSession({ status: 'ready', user: null });
      const here = `${window.location.pathname}${window.location.search}`;
      if (!window.location.pathname.startsWith('/login')) {
        navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
      }
    });
  }, [navigate]);

  const signedIn = useCallback((user) => setSession({ status: 'ready', user }), []);
  const signOut = useCallback(async () => {
    try {
      await apiLogout();
    } catch {
      // the session ends on this device either way
    }
    setSession({ status: 'ready', user: null });
    navigate('/login', { replace: true, state: { loggedOut: true } });
  }, [navigate]);

  const guard = (element) => <RequireAuth session={session}>{element}</RequireAuth>;

  return (
    <Layout user={session.user} onLogout={signOut}>
      <ErrorBoundary key={location.pathname}>
        <Suspense fallback={<Loading className="py-8" />}>
          <Routes>
            <Route path="/" element={<Home user={session.user} sessionStatus={session.status} />} />
            <Route path="/login" element={<Login user={session.user} onSignedIn={signedIn} />} />
            <Route path="/register" element={<Register user={session.user} onSignedIn={signedIn} />} />
            <Route path="/generate" element={guard(<Generate />)} />
            <Route path="/tasks/:taskId" element={guard(<Task user={session.user} />)} />
            <Route path="/collections" element={guard(<Collections />)} />
            <Route path="/collections/:itemId" element={guard(<CollectionDetail />)} />
            <Route path="/profile" element={guard(<Profile user={session.user} onChange={signedIn} />)} />
            <Route path="/instructor/*" element={guard(<InstructorRoutes user={session.user} />)} />
            <Route path="/home" element={<Navigate to="/" replace />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </ErrorBoundary>
    </Layout>
  );
}
