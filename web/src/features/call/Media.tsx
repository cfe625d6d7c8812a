import { useEffect, useRef } from 'react';
import type { RemoteAudio } from './session';

/** Plays one video track (always muted: sound plays through CallAudio). */
export function Video({ track, mirrored = false, label }: { track: MediaStreamTrack; mirrored?: boolean; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    el.srcObject = new MediaStream([track]);
    // Autoplay of muted video is allowed; a refusal here only means the element went away.
    Promise.resolve()
      .then(() => el.play())
      .catch(() => {});
    return () => {
      el.srcObject = null;
    };
  }, [track]);
  return <video ref={ref} className={mirrored ? 'tile-video tile-video-mirrored' : 'tile-video'} autoPlay playsInline muted aria-label={label} />;
}

function RemoteAudioPlayer({ audio }: { audio: RemoteAudio }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    el.srcObject = new MediaStream([audio.track]);
    // Blocked until the user interacts with the page; joining is such an interaction.
    Promise.resolve()
      .then(() => el.play())
      .catch(() => {});
    return () => {
      el.srcObject = null;
    };
  }, [audio.track]);
  return <audio ref={ref} autoPlay muted={audio.mutedForMe} data-participant={audio.participantId} />;
}

/**
 * The sound of the call: one audio element per remote participant. It
 * stays mounted while the call is collapsed to its bar, and Chrome only
 * feeds a remote track to WebAudio (the speaking indicator) while an
 * element plays it.
 */
export function CallAudio({ audio }: { audio: readonly RemoteAudio[] }) {
  return (
    <div className="call-audio" aria-hidden="true">
      {audio.map((a) => (
        <RemoteAudioPlayer key={a.participantId} audio={a} />
      ))}
    </div>
  );
}
