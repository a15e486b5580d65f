import { useId } from 'react';

import Modal from '../Modal.jsx';
import { KEYS } from './keys.js';

// The list of the player's keys, in a native modal dialog (focus is trapped and Escape closes it).
export default function HelpDialog({ open, onClose }) {
  const titleId = useId();

  return (
    <Modal
      open={open}
      labelledBy={titleId}
      onCancel={onClose}
      className="m-auto max-w-lg rounded-lg p-0 backdrop:bg-slate-900/50"
    >
      <div className="flex flex-col gap-3 p-4">
        <h2 id={titleId} className="text-lg font-semibold">
          Player keys
        </h2>
        <p className="text-sm text-slate-700">They work while the player has focus.</p>
        <table className="text-sm">
          <thead>
            <tr>
              <th scope="col" className="py-1 pr-4 text-left">
                Key
              </th>
              <th scope="col" className="py-1 text-left">
                Does
              </th>
            </tr>
          </thead>
          <tbody>
            {KEYS.map((entry) => (
              <tr key={entry.action}>
                <td className="py-1 pr-4">
                  {entry.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 && ' or '}
                      <kbd className="rounded border border-slate-400 bg-slate-50 px-1.5 py-0.5 font-mono">{k}</kbd>
                    </span>
                  ))}
                </td>
                <td className="py-1">{entry.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button
          type="button"
          onClick={onClose}
          className="min-h-11 self-end rounded-md bg-blue-800 px-4 text-sm font-medium text-white focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-700"
        >
          Close
        </button>
      </div>
    </Modal>
  );
}
