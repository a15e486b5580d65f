import { useState } from 'react';

import ErrorSummary from '../components/ErrorSummary.jsx';
import Field from '../components/Field.jsx';
import Heading from '../components/Heading.jsx';
import { request, setAccessToken } from '../utils/api.js';
import { usePage } from '../utils/page.js';
import { useSubmit } from '../utils/submit.js';

function Details({ user, onChange }) {
  const [values, setValues] = useState({
    display_name: user.display_name || '',
    email: user.email || '',
    auto_save: user.preferences?.auto_save_choreographies ?? true,
  });
  const [done, setDone] = useState('');
  const { submit, busy, error } = useSubmit(async () => {
    setDone('');
    const { data } = await request('/api/auth/me', {
      method: 'PATCH',
      body: { display_name: values.display_name, email: values.email, preferences: { auto_save_choreographies: values.auto_save } },
    });
    onChange(data);
    setDone('Your profile is saved.');
  });
  const fields = error?.fields || {};
  return (
    <form noValidate onSubmit={submit} className="card flex flex-col gap-4" aria-labelledby="details-title">
      <h2 id="details-title" className="text-xl font-bold">
        Your details
      </h2>
      <ErrorSummary error={error} labels={{ display_name: 'Display name', email: 'Email' }} />
      <p>
        Username: <strong>{user.username}</strong>
      </p>
      <Field id="display_name" label="Display name" value={values.display_name} onChange={(e) => setValues({ ...values, display_name: e.target.value })} errors={fields.display_name} />
      <Field id="email" label="Email" type="email" autoComplete="email" value={values.email} onChange={(e) => setValues({ ...values, email: e.target.value })} errors={fields.email} />
      <div className="flex items-start gap-3">
        <input
          id="auto_save"
          type="checkbox"
          checked={values.auto_save}
          onChange={(e) => setValues({ ...values, auto_save: e.target.checked })}
          aria-describedby="auto_save-hint"
          className="mt-1 h-5 w-5 accent-rose-700"
        />
        <div>
          <label htmlFor="auto_save" className="font-medium">
            Save every new choreography to my collection
          </label>
          <p id="auto_save-hint" className="text-sm text-slate-600">
            When this is off, you choose which ones to keep.
          </p>
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" className="btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save profile'}
        </button>
        <p role="status" className="text-green-900">
          {done}
        </p>
      </div>
    </form>
  );
}

function Password() {
  const [values, setValues] = useState({ current_password: '', new_password: '' });
  const [done, setDone] = useState('');
  const { submit, busy, error } = useSubmit(async () => {
    setDone('');
    const { data } = await request('/api/auth/password', { method: 'POST', body: values });
    setAccessToken(data.access);
    setValues({ current_password: '', new_password: '' });
    setDone('Your password is changed. Your other devices are logged out.');
  });
  const change = (event) => setValues({ ...values, [event.target.name]: event.target.value });
  return (
    <form noValidate onSubmit={submit} className="card flex flex-col gap-4" aria-labelledby="password-title">
      <h2 id="password-title" className="text-xl font-bold">
        Change your password
      </h2>
      <ErrorSummary error={error} labels={{ current_password: 'Current password', new_password: 'New password' }} />
      <Field id="current_password" label="Current password" type="password" autoComplete="current-password" value={values.current_password} onChange={change} errors={error?.fields?.current_password} />
      <Field id="new_password" label="New password" type="password" autoComplete="new-password" value={values.new_password} onChange={change} errors={error?.fields?.new_password} />
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" className="btn-primary" disabled={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
        <p role="status" className="text-green-900">
          {done}
        </p>
      </div>
    </form>
  );
}

export default function Profile({ user, onChange }) {
  const heading = usePage('Your profile');
  return (
    <div className="flex flex-col gap-5">
      <Heading ref={heading}>Your profile</Heading>
      <div className="grid gap-5 lg:grid-cols-2">
        <Details user={user} onChange={onChange} />
        <Password />
      </div>
    </div>
  );
}
