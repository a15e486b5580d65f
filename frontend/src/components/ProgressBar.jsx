// A labelled progress bar; `value` 0..100. The visible text and aria-valuetext carry the same words.
export default function ProgressBar({ label, value, text }) {
  const clamped = Math.max(0, Math.min(100, Math.round(value || 0)));
  return (
    <div className="flex flex-col gap-1">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={clamped}
        aria-valuetext={text ? `${clamped}%: ${text}` : `${clamped}%`}
        className="h-4 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div className="h-full rounded-full bg-rose-700 transition-[width] duration-500 motion-reduce:transition-none" style={{ width: `${clamped}%` }} />
      </div>
      <p className="flex justify-between gap-2 text-sm text-slate-700">
        <span>{text}</span>
        <span aria-hidden="true">{clamped}%</span>
      </p>
    </div>
  );
}
