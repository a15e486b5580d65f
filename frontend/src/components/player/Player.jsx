// Placeholder with the final prop contract; the practice-player work (issue 11) replaces this file.
//
// Props:
//   src       the video URL (a signed media URL from the API)
//   poster    optional thumbnail URL
//   title     the choreography's title (used in accessible names)
//   moves     result.moves: [{clip, move, start, end, rate}] in song seconds (may be empty/undefined)
//   timing    the beat grid from the API ({bpm, beats, downbeats, phrase_starts} in seconds) or null (legacy rows)
//   storageKey optional id under which the player remembers its practice settings on this device
export default function Player({ src, poster, title }) {
  return (
    <div className="w-full">
      <video className="aspect-video w-full bg-black" src={src} poster={poster} controls playsInline>
        <track kind="captions" />
        {title}
      </video>
    </div>
  );
}
