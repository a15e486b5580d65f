import { useState } from 'react';
import { Link, Navigate, useLocation, useNavigate, useSearchParams } from 'react-router-dom';

import ErrorSummary from '../components/ErrorSummary.jsx';
import Field from '../components/Field.jsx';
import Heading from '../components/Heading.jsx';
import { authenticate } from '../utils/api.js';
import { safeNext, usePage } from '../utils/page.js';
import { useSubmit } from '../utils/submit.js';

export default function Login({ user, onSignedIn }) {
  const heading = usePage('Log in');
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  const [values, setValues] = useState({ username: '', password: '' });
  const { submit, busy, error } = useSubmit(
    async () => {
      const data = await authenticate('login', values);
      onSignedIn(data.user);
      navigate(next, { replace: true });
    },
    { leaves: true },
  );

  if (user && !busy) return <Navigate to={next} replace />;

  const change = (event) => setValues({ ...values, [event.target.name]: event.target.value });
  const fields = error?.fields || {};

  return (
    <div className="mx-auto flex max-w-md flex-col gap-5">
      <Heading ref={heading}>Log in</Heading>
      {location.state?.loggedOut ? <p className="rounded-md bg-slate-100 p-3">You are logged out.</p> : null}
      <ErrorSummary error={error} labels={{ username: 'Username or email', password: 'Password' }} />
      <form noValidate onSubmit={submit} className="flex flex-col gap-4">
        <Field
          id="username"
          label="Username or email"
          autoComplete="username"
          value={values.username}
          onChange={change}
          errors={fields.username || fields.email}
          required
        />
        <Field
          id="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          value={values.password}
          onChange={change}
          errors={fields.password}
          required
        />
        <button type="submit" className="btn-primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        New here?{' '}
        <Link className="link" to={`/register${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`}>
          Create an account
        </Link>
      </p>
    </div>
  );
}
