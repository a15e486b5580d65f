import { useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';

import ErrorSummary from '../components/ErrorSummary.jsx';
import Field from '../components/Field.jsx';
import Heading from '../components/Heading.jsx';
import { authenticate } from '../utils/api.js';
import { safeNext, usePage } from '../utils/page.js';
import { useSubmit } from '../utils/submit.js';

const LABELS = { username: 'Username', email: 'Email', display_name: 'Display name', password: 'Password' };

export default function Register({ user, onSignedIn }) {
  const heading = usePage('Create an account');
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  const [values, setValues] = useState({ username: '', email: '', display_name: '', password: '' });
  const { submit, busy, error } = useSubmit(
    async () => {
      const data = await authenticate('register', values);
      onSignedIn(data.user);
      navigate(next === '/' ? '/generate' : next, { replace: true });
    },
    { leaves: true },
  );

  if (user && !busy) return <Navigate to={next} replace />;

  const change = (event) => setValues({ ...values, [event.target.name]: event.target.value });
  const fields = error?.fields || {};

  return (
    <div className="mx-auto flex max-w-md flex-col gap-5">
      <Heading ref={heading}>Create an account</Heading>
      <ErrorSummary error={error} labels={LABELS} />
      <form noValidate onSubmit={submit} className="flex flex-col gap-4">
        <Field id="username" label="Username" autoComplete="username" value={values.username} onChange={change} errors={fields.username} required />
        <Field id="email" label="Email" type="email" autoComplete="email" value={values.email} onChange={change} errors={fields.email} required />
        <Field
          id="display_name"
          label="Display name"
          hint="Optional: the name we greet you with."
          autoComplete="nickname"
          value={values.display_name}
          onChange={change}
          errors={fields.display_name}
        />
        <Field
          id="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          value={values.password}
          onChange={change}
          errors={fields.password}
          required
        />
        <button type="submit" className="btn-primary" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account?{' '}
        <Link className="link" to="/login">
          Log in
        </Link>
      </p>
    </div>
  );
}
