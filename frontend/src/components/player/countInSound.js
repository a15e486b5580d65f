// The count-in's optional sound: a click scheduled on the Web Audio clock (sample-accurate, unlike timers),
// or the numbers spoken by the browser's speech synthesis (good enough to follow; its latency varies).

let context = null;

// Must be called from the user's gesture (a click or a key press) so that the browser lets it make sound.
export function prepareClick() {
  if (typeof window === 'undefined') return null;
  const AudioContextClass = window.AudioContext || window.webkitAudioContext;
  if (!AudioContextClass) return null;
  if (!context) context = new AudioContextClass();
  if (context.state === 'suspended') context.resume();
  return context;
}

// Clicks at the schedule's counts (seconds from now); returns a function that silences the ones not yet played.
export function scheduleClicks(schedule) {
  const audio = prepareClick();
  if (!audio) return () => {};
  const origin = audio.currentTime + 0.05;
  const nodes = schedule
    .filter((step) => step.count !== null)
    .map((step) => {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = step.count === 8 ? 1320 : 880;
      const at = origin + step.at;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.4, at + 0.005);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.06);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.08);
      return oscillator;
    });
  return () => {
    for (const node of nodes) {
      try {
        node.stop();
      } catch {
        // already stopped
      }
    }
  };
}

export function speak(text, rate = 1) {
  if (typeof window === 'undefined' || !window.speechSynthesis) return;
  const utterance = new window.SpeechSynthesisUtterance(text);
  utterance.rate = Math.min(2, Math.max(0.8, rate * 1.4));
  window.speechSynthesis.speak(utterance);
}

export function stopSpeaking() {
  if (typeof window !== 'undefined' && window.speechSynthesis) window.speechSynthesis.cancel();
}
