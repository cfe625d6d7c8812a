import { useEffect, useId, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import type { Member } from '../../api';
import { Avatar } from '../../components/Avatar';
import type { MediaKind, Participant } from './frames';
import { MicOffIcon, MoreIcon, ShieldIcon, VideoOffIcon } from './icons';
import { Video } from './Media';
import { mutedByName, type Tile as TileData } from './tiles';

export interface TileActions {
  muteForMe: (participantId: string, kind: MediaKind, muted: boolean) => void;
  moderate: (participantId: string, kind: MediaKind, muted: boolean) => void;
  /** The tile of a remote camera is shown at width × height device pixels (0 × 0: not shown). */
  view: (participantId: string, width: number, height: number) => void;
}

/**
 * Reports the rendered size of a remote camera's tile, in device pixels,
 * whenever it changes (ResizeObserver), 0 × 0 while the page is hidden and
 * when the tile goes away (another page of the grid, the call collapsed to
 * its bar). The session coalesces the reports into `view` frames.
 */
function useViewReport(ref: RefObject<HTMLLIElement | null>, participantId: string, enabled: boolean, view: TileActions['view']): void {
  useEffect(() => {
    const el = ref.current;
    if (!enabled || !el || typeof ResizeObserver === 'undefined') return undefined;
    let size = { width: 0, height: 0 };
    const push = () => (document.visibilityState === 'hidden' ? view(participantId, 0, 0) : view(participantId, size.width, size.height));
    const ro = new ResizeObserver((entries) => {
      for (const e of entries) {
        const device = e.devicePixelContentBoxSize?.[0];
        const dpr = window.devicePixelRatio || 1;
        size = device ? { width: device.inlineSize, height: device.blockSize } : { width: e.contentRect.width * dpr, height: e.contentRect.height * dpr };
      }
      push();
    });
    try {
      ro.observe(el, { box: 'device-pixel-content-box' });
    } catch {
      ro.observe(el); // browsers without device-pixel boxes: CSS px × devicePixelRatio
    }
    document.addEventListener('visibilitychange', push);
    return () => {
      ro.disconnect();
      document.removeEventListener('visibilitychange', push);
      view(participantId, 0, 0);
    };
  }, [ref, participantId, enabled, view]);
}

/**
 * One tile of the grid: the video (or the avatar), the name, a ring while
 * the participant speaks or is the active speaker (the server's `speaker`
 * frame), mute badges (self-muted, or muted by a named moderator), and for
 * others a menu: "mute for me" and, with the right, "mute for everyone" /
 * "lift". A remote camera's tile reports its size (`view`).
 */
export function CallTile({
  tile,
  participants,
  selfId,
  speaking,
  activeSpeaker = false,
  member,
  canModerate,
  actions,
}: {
  tile: TileData;
  participants: readonly Participant[];
  selfId: string | null;
  speaking: boolean;
  /** The server names this participant the active speaker. */
  activeSpeaker?: boolean;
  member: Pick<Member, 'pictureUrl' | 'username'> | null;
  canModerate: boolean;
  actions: TileActions;
}) {
  const name = tile.self ? `${tile.username} (you)` : tile.username;
  const screen = tile.source === 'screen';
  const ref = useRef<HTMLLIElement>(null);
  useViewReport(ref, tile.participantId, !tile.self && !screen, actions.view);
  const title = screen ? `${tile.username}'s screen` : name;
  const audioBy = mutedByName(tile.audioState, participants, selfId);
  const videoBy = mutedByName(tile.videoState, participants, selfId);
  const states: string[] = [];
  if (!screen) {
    if (speaking || activeSpeaker) states.push('speaking');
    if (tile.audioState.muted) states.push(audioBy ? `microphone muted by ${audioBy}` : 'microphone off');
    if (tile.videoState.muted) states.push(videoBy ? `camera turned off by ${videoBy}` : 'camera off');
    if (tile.mutedForMe.audio) states.push('muted for you');
    if (tile.mutedForMe.video) states.push('video hidden for you');
  }
  const label = [title, ...states].join(', ');
  return (
    <li
      ref={ref}
      className={['tile', screen && 'tile-screen', speaking && !screen && 'tile-speaking', activeSpeaker && !screen && 'tile-active-speaker', tile.self && 'tile-self']
        .filter(Boolean)
        .join(' ')}
      aria-label={label}
      data-speaking={speaking || undefined}
      data-active-speaker={(activeSpeaker && !screen) || undefined}
      data-tile={tile.key}
    >
      {tile.video ? (
        <Video track={tile.video} mirrored={tile.self && !screen} label={screen ? `${tile.username}'s screen` : `Video of ${tile.username}`} />
      ) : (
        <div className="tile-avatar">
          <Avatar name={tile.username} colorKey={member?.username} src={member?.pictureUrl ?? null} size="xl" />
          {screen && <p className="tile-wait">{tile.mutedForMe.video ? 'Hidden for you' : 'Starting the screen share…'}</p>}
        </div>
      )}
      <div className="tile-caption">
        <span className="tile-name">{screen ? `${tile.username} · screen` : name}</span>
        {!screen && (
          <span className="tile-badges">
            {tile.audioState.muted && (
              <span className={audioBy ? 'tile-badge tile-badge-moderated' : 'tile-badge'} title={audioBy ? `Muted by ${audioBy}` : 'Microphone off'}>
                {audioBy ? <ShieldIcon size={14} /> : null}
                <MicOffIcon size={14} />
                {audioBy && <span className="tile-badge-text">Muted by {audioBy}</span>}
              </span>
            )}
            {tile.videoState.muted && videoBy && (
              <span className="tile-badge tile-badge-moderated" title={`Camera turned off by ${videoBy}`}>
                <ShieldIcon size={14} />
                <VideoOffIcon size={14} />
                <span className="tile-badge-text">Camera off by {videoBy}</span>
              </span>
            )}
            {(tile.mutedForMe.audio || tile.mutedForMe.video) && <span className="tile-badge tile-badge-me">Muted for you</span>}
          </span>
        )}
      </div>
      {!tile.self && !screen && <TileMenu tile={tile} canModerate={canModerate} actions={actions} />}
    </li>
  );
}

interface Item {
  label: string;
  run: () => void;
  danger?: boolean;
}

function TileMenu({ tile, canModerate, actions }: { tile: TileData; canModerate: boolean; actions: TileActions }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const id = useId();
  const who = tile.username;
  const pid = tile.participantId;

  useEffect(() => {
    if (!open) return undefined;
    menu.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    const onDown = (e: PointerEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [open]);

  const items: Item[] = [
    tile.mutedForMe.audio
      ? { label: `Unmute ${who} for me`, run: () => actions.muteForMe(pid, 'audio', false) }
      : { label: `Mute ${who} for me`, run: () => actions.muteForMe(pid, 'audio', true) },
    tile.mutedForMe.video
      ? { label: `Show ${who}'s video for me`, run: () => actions.muteForMe(pid, 'video', false) }
      : { label: `Hide ${who}'s video for me`, run: () => actions.muteForMe(pid, 'video', true) },
  ];
  if (canModerate) {
    items.push(
      tile.audioState.mutedBy !== null
        ? { label: `Lift mute on ${who}'s microphone`, run: () => actions.moderate(pid, 'audio', false) }
        : { label: `Mute ${who} for everyone`, run: () => actions.moderate(pid, 'audio', true), danger: true },
      tile.videoState.mutedBy !== null
        ? { label: `Lift ${who}'s camera block`, run: () => actions.moderate(pid, 'video', false) }
        : { label: `Turn off ${who}'s camera for everyone`, run: () => actions.moderate(pid, 'video', true), danger: true },
    );
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const list = [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
    const at = list.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      button.current?.focus();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      list[(at + (e.key === 'ArrowDown' ? 1 : -1) + list.length) % list.length]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      list[e.key === 'Home' ? 0 : list.length - 1]?.focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  }

  return (
    <div className={`tile-actions${open ? ' tile-actions-open' : ''}`}>
      <button
        ref={button}
        type="button"
        className="tile-actions-button"
        aria-label={`Options for ${who}`}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        <MoreIcon size={18} />
      </button>
      {open && (
        <div ref={menu} id={id} role="menu" aria-label={`Options for ${who}`} className="tile-menu" onKeyDown={onKeyDown}>
          {items.map((item, i) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              className={['tile-menu-item', item.danger && 'tile-menu-danger', canModerate && i === 2 && 'tile-menu-sep'].filter(Boolean).join(' ')}
              onClick={() => {
                setOpen(false);
                button.current?.focus();
                item.run();
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
