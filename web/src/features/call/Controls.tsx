import { useEffect, useId, useRef, useState } from 'react';
import { GearIcon, MicIcon, MicOffIcon, PhoneOffIcon, ScreenIcon, VideoIcon, VideoOffIcon } from './icons';
import { listDevices, type DeviceChoice } from './peer';
import type { CallSession, CallSnapshot, LocalKind } from './session';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
export const shortcutLabel = (key: string) => `${isMac ? '⌘' : 'Ctrl+'}${key}`;

/** Whether this browser can share a screen (phones cannot). */
const canShareScreen = () => typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';

function ToggleButton({
  state,
  kind,
  hintId,
  onToggle,
}: {
  state: LocalKind;
  kind: 'audio' | 'video';
  /** The element that says why the button is blocked. */
  hintId: string;
  onToggle: () => void;
}) {
  const device = kind === 'audio' ? 'microphone' : 'camera';
  const blocked = state.moderatedBy !== null;
  const key = kind === 'audio' ? 'D' : 'E';
  const label = blocked ? `${kind === 'audio' ? 'Microphone' : 'Camera'} muted by ${state.moderatedBy}` : `${state.on ? 'Turn off' : 'Turn on'} ${device}`;
  const Icon = kind === 'audio' ? (state.on ? MicIcon : MicOffIcon) : state.on ? VideoIcon : VideoOffIcon;
  return (
    <div className="ctl-wrap">
      <button
        type="button"
        className={['ctl', !state.on && 'ctl-off', blocked && 'ctl-blocked'].filter(Boolean).join(' ')}
        aria-label={label}
        aria-disabled={blocked || undefined}
        aria-describedby={blocked ? hintId : undefined}
        aria-keyshortcuts={isMac ? `Meta+${key}` : `Control+${key}`}
        title={blocked ? undefined : `${label} (${shortcutLabel(key)})`}
        onClick={() => {
          if (!blocked) onToggle();
        }}
      >
        <Icon />
        <span className="ctl-text">{kind === 'audio' ? (state.on ? 'Mute' : 'Unmute') : state.on ? 'Stop video' : 'Start video'}</span>
      </button>
    </div>
  );
}

function DevicePicker({ call, snap }: { call: CallSession; snap: CallSnapshot }) {
  const [open, setOpen] = useState(false);
  const [devices, setDevices] = useState<{ microphones: DeviceChoice[]; cameras: DeviceChoice[] } | null>(null);
  const panel = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return undefined;
    let live = true;
    listDevices().then(
      (d) => live && setDevices(d),
      () => live && setDevices({ microphones: [], cameras: [] }),
    );
    panel.current?.querySelector<HTMLSelectElement>('select')?.focus();
    const onDown = (e: PointerEvent) => {
      if (!panel.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    return () => {
      live = false;
      document.removeEventListener('pointerdown', onDown);
    };
  }, [open]);

  const select = (kind: 'audio' | 'video', list: DeviceChoice[], label: string) => (
    <label className="devices-field">
      <span>{label}</span>
      <select
        value={snap.local.devices[kind] ?? ''}
        onChange={(e) => void call.chooseDevice(kind, e.target.value)}
        disabled={list.length === 0}
      >
        {snap.local.devices[kind] === undefined && <option value="">Default</option>}
        {list.map((d) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <div className="ctl-wrap devices">
      <button
        ref={button}
        type="button"
        className="ctl"
        aria-label="Choose microphone and camera"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        <GearIcon />
        <span className="ctl-text">Devices</span>
      </button>
      {open && (
        <div
          ref={panel}
          id={id}
          className="devices-panel"
          role="dialog"
          aria-label="Devices"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              setOpen(false);
              button.current?.focus();
            }
          }}
        >
          {devices === null ? (
            <p className="devices-empty">Looking for devices…</p>
          ) : (
            <>
              {select('audio', devices.microphones, 'Microphone')}
              {select('video', devices.cameras, 'Camera')}
            </>
          )}
        </div>
      )}
    </div>
  );
}

/** The bottom bar of the call: microphone, camera, screen, devices, leave. */
export function CallControls({ call, snap, onLeave }: { call: CallSession; snap: CallSnapshot; onLeave: () => void }) {
  const live = snap.phase !== 'ended';
  const screenBlocked = snap.local.video.moderatedBy !== null;
  const audioHint = useId();
  const videoHint = useId();
  const hint = (kind: 'audio' | 'video', id: string) => {
    const by = snap.local[kind].moderatedBy;
    if (by === null) return null;
    const device = kind === 'audio' ? 'microphone' : 'camera';
    return (
      <p id={id} className="call-moderation" role="note">
        {`${by === 'you' ? 'Your' : `${by} turned off your`} ${device}. Only a moderator can turn it back on.`}
      </p>
    );
  };
  return (
    <div className="call-controls-area">
      {hint('audio', audioHint)}
      {hint('video', videoHint)}
    <div className="call-controls" role="toolbar" aria-label="Call controls">
      <ToggleButton state={snap.local.audio} kind="audio" hintId={audioHint} onToggle={() => call.setMicrophone(!snap.local.audio.on)} />
      <ToggleButton state={snap.local.video} kind="video" hintId={videoHint} onToggle={() => call.setCamera(!snap.local.video.on)} />
      {canShareScreen() && (
        <div className="ctl-wrap ctl-screen">
          <button
            type="button"
            className={['ctl', snap.local.screen && 'ctl-active', screenBlocked && 'ctl-blocked'].filter(Boolean).join(' ')}
            aria-label={snap.local.screen ? 'Stop sharing your screen' : 'Share your screen'}
            aria-disabled={(screenBlocked && !snap.local.screen) || !live || undefined}
            onClick={() => {
              if (snap.local.screen) call.stopScreenShare();
              else if (!screenBlocked && live) void call.startScreenShare();
            }}
          >
            <ScreenIcon />
            <span className="ctl-text">{snap.local.screen ? 'Stop sharing' : 'Share'}</span>
          </button>
        </div>
      )}
      <DevicePicker call={call} snap={snap} />
      <div className="ctl-wrap">
        <button type="button" className="ctl ctl-leave" aria-label="Leave call" onClick={onLeave}>
          <PhoneOffIcon />
          <span className="ctl-text">Leave</span>
        </button>
      </div>
    </div>
    </div>
  );
}
