import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import ErrorSummary from './ErrorSummary.jsx';
import Field from './Field.jsx';

test("the summary takes focus, shows the API's words and links to the field, which carries its error", async () => {
  const error = { message: 'Email: Enter a valid email address.', fields: { email: ['Enter a valid email address.'] } };
  render(
    <>
      <ErrorSummary error={error} labels={{ email: 'Email' }} />
      <Field id="email" label="Email" errors={error.fields.email} />
    </>,
  );
  const summary = screen.getByRole('alert');
  expect(summary).toHaveFocus();
  expect(summary).toHaveTextContent('Email: Enter a valid email address.');
  const input = screen.getByLabelText('Email');
  expect(input).toHaveAttribute('aria-invalid', 'true');
  expect(input).toHaveAccessibleDescription(/Error:\s*Enter a valid email address\./);
  await userEvent.click(screen.getByRole('link', { name: /Enter a valid email address/ }));
  expect(input).toHaveFocus();
});
