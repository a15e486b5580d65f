import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import Modal from './Modal.jsx';

function Dialog({ open, onCancel }) {
  return (
    <Modal open={open} labelledBy="modal-title" onCancel={onCancel}>
      <h2 id="modal-title">Delete this plan?</h2>
      <button type="button">Keep it</button>
    </Modal>
  );
}

describe('Modal', () => {
  it('is a dialog named by its heading, with its content only while open', () => {
    const { rerender } = render(<Dialog open onCancel={() => {}} />);
    expect(screen.getByRole('dialog', { name: 'Delete this plan?' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Keep it' })).toBeInTheDocument();

    rerender(<Dialog open={false} onCancel={() => {}} />);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Keep it' })).not.toBeInTheDocument();
  });

  it("turns Escape (the dialog's cancel event) into onCancel and leaves the closing to the caller", () => {
    const onCancel = vi.fn();
    render(<Dialog open onCancel={onCancel} />);
    const dialog = screen.getByRole('dialog', { name: 'Delete this plan?' });
    const cancel = new Event('cancel', { cancelable: true });
    fireEvent(dialog, cancel);
    expect(onCancel).toHaveBeenCalledTimes(1);
    expect(cancel.defaultPrevented).toBe(true);
    expect(dialog).toHaveAttribute('open');
  });
});
