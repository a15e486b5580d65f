// Times for eyes ("1:04") and for ears ("1 minute, 4 seconds").

export function clock(seconds) {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function unit(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function spokenTime(seconds) {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [];
  if (h) parts.push(unit(h, 'hour'));
  if (m) parts.push(unit(m, 'minute'));
  if (s % 60 || parts.length === 0) parts.push(unit(s % 60, 'second'));
  return parts.join(', ');
}

// The seek slider's aria-valuetext: "1 minute, 4 seconds, move 3 of 12: cross body lead".
export function seekValueText(seconds, moves, moveIndex) {
  const time = spokenTime(seconds);
  if (!moves.length || moveIndex < 0) return time;
  return `${time}, move ${moveIndex + 1} of ${moves.length}: ${moves[moveIndex].label}`;
}

export function percent(rate) {
  return `${Math.round(rate * 100)} %`;
}

export function speedLabel(speed) {
  return `${Number(speed.toFixed(2))}×`;
}
