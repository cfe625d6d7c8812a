/**
 * What the call specs share: tiles by name, counting presented video
 * frames, WebRTC statistics of the page's peer connections, screenshots.
 */
import { expect, type Browser, type Locator, type Page } from '@playwright/test';
import { join } from 'node:path';
import { resultsDir } from './server';

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(resultsDir, `${name}.png`), animations: 'disabled' });
}

/** A page in a browser context of its own at baseURL, its peer connections kept for the specs to read (keepPeers). */
export async function callPage(browser: Browser, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  await context.addInitScript(keepPeers);
  return context.newPage();
}

export const grid = (page: Page) => page.getByRole('list', { name: 'Participants' });

/** The camera tile of a participant: its accessible name is the username (plus " (you)"), then its states. */
export const tile = (page: Page, username: string, self = false) =>
  grid(page).getByRole('listitem', { name: new RegExp(`^${username}${self ? ' \\(you\\)' : ''}(,|$)`) });

/** Counts the frames a video element presents during `ms` (requestVideoFrameCallback). */
export async function framesIn(video: Locator, ms = 1_500): Promise<{ frames: number; width: number }> {
  return video.evaluate(
    (el, ms) =>
      new Promise<{ frames: number; width: number }>((resolve) => {
        const v = el as HTMLVideoElement;
        let frames = 0;
        const step = () => {
          frames++;
          v.requestVideoFrameCallback(step);
        };
        v.requestVideoFrameCallback(step);
        setTimeout(() => resolve({ frames, width: v.videoWidth }), ms);
      }),
    ms,
  );
}

/** Keeps every RTCPeerConnection of the page in window.__pcs, for rtcStats (diagnostics only). */
export function keepPeers(): void {
  const Original = window.RTCPeerConnection;
  const all: RTCPeerConnection[] = [];
  Object.assign(window, { __pcs: all });
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super(config);
      all.push(this);
    }
  };
}

/** What the page's newest peer connection sends and receives: a line per RTP stream, for failure messages. */
export async function rtcStats(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? [];
    const pc = pcs[pcs.length - 1];
    if (!pc) return 'no peer connection';
    const lines = [`ice=${pc.iceConnectionState} connection=${pc.connectionState} signaling=${pc.signalingState}`];
    for (const t of pc.getTransceivers()) lines.push(`mid=${t.mid} dir=${t.direction} current=${t.currentDirection} send=${t.sender.track?.kind ?? '-'}`);
    const stats = await pc.getStats();
    stats.forEach((r: { type: string } & Record<string, unknown>) => {
      if (r.type !== 'inbound-rtp' && r.type !== 'outbound-rtp') return;
      const keys = ['kind', 'mid', 'packetsReceived', 'packetsSent', 'bytesReceived', 'framesDecoded', 'keyFramesDecoded', 'framesSent', 'pliCount', 'firCount', 'nackCount', 'packetsLost'];
      lines.push(`${r.type} ` + keys.filter((k) => r[k] !== undefined).map((k) => `${k}=${String(r[k])}`).join(' '));
    });
    return lines.join('\n');
  });
}

/** Waits until the video element presents new frames (a frozen or missing video fails), within timeoutMs. */
export async function expectVideoPlaying(video: Locator, timeoutMs = 30_000): Promise<void> {
  await expect(video).toBeVisible({ timeout: timeoutMs });
  try {
    // New frames keep being presented (a loaded 2-core machine presents few per second).
    await expect.poll(async () => (await framesIn(video, 2_000)).frames, { timeout: timeoutMs, message: 'the video presents new frames' }).toBeGreaterThanOrEqual(3);
  } catch (err) {
    const pages = video.page().context().browser()?.contexts().flatMap((c) => c.pages()) ?? [video.page()];
    const stats = await Promise.all(pages.map(async (p, i) => `page ${i}${p === video.page() ? ' (this one)' : ''}:\n${await rtcStats(p)}`));
    throw new Error(`${String(err)}\nWebRTC:\n${stats.join('\n')}`);
  }
  expect((await framesIn(video, 300)).width).toBeGreaterThan(0);
}


export interface Layer {
  rid: string;
  frameWidth: number;
  frameHeight: number;
  framesSent: number;
  bytesSent: number;
}

/** The camera's outbound RTP streams on the page's newest peer connection: one per simulcast layer (rid). */
export async function outboundVideo(page: Page): Promise<Layer[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? [];
    const pc = pcs[pcs.length - 1];
    if (!pc) return [];
    const out: Layer[] = [];
    (await pc.getStats()).forEach((r: Record<string, unknown>) => {
      if (r['type'] !== 'outbound-rtp' || r['kind'] !== 'video') return;
      out.push({
        rid: String(r['rid'] ?? ''),
        frameWidth: Number(r['frameWidth'] ?? 0),
        frameHeight: Number(r['frameHeight'] ?? 0),
        framesSent: Number(r['framesSent'] ?? 0),
        bytesSent: Number(r['bytesSent'] ?? 0),
      });
    });
    return out.sort((a, b) => a.rid.localeCompare(b.rid));
  });
}

/** The mid of the m-line on which the page receives `username`'s camera (the tile's video must be playing). */
export async function receivingMid(page: Page, username: string): Promise<string> {
  return tile(page, username)
    .locator('video')
    .evaluate((el) => {
      const stream = (el as HTMLVideoElement).srcObject;
      const id = stream instanceof MediaStream ? stream.getVideoTracks()[0]?.id : undefined;
      const pcs = (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? [];
      const pc = pcs[pcs.length - 1];
      const t = pc?.getTransceivers().find((x) => x.receiver.track.id === id);
      if (!t?.mid) throw new Error('no transceiver receives this tile');
      return t.mid;
    });
}

/** The size of the frames last decoded on the m-line `mid` (inbound-rtp). */
export async function inboundSize(page: Page, mid: string): Promise<{ width: number; height: number; framesDecoded: number }> {
  return page.evaluate(async (mid) => {
    const pcs = (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? [];
    const pc = pcs[pcs.length - 1];
    let out = { width: 0, height: 0, framesDecoded: 0 };
    (await pc?.getStats())?.forEach((r: Record<string, unknown>) => {
      if (r['type'] === 'inbound-rtp' && r['mid'] === mid) {
        out = { width: Number(r['frameWidth'] ?? 0), height: Number(r['frameHeight'] ?? 0), framesDecoded: Number(r['framesDecoded'] ?? 0) };
      }
    });
    return out;
  }, mid);
}

/** The call frames a page sends, as parsed JSON (Playwright sees the WebSocket's frames). */
export function sentCallFrames(page: Page): Record<string, unknown>[] {
  const frames: Record<string, unknown>[] = [];
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/api/v1/calls/')) return;
    ws.on('framesent', (f) => {
      if (typeof f.payload !== 'string') return;
      try {
        frames.push(JSON.parse(f.payload) as Record<string, unknown>);
      } catch {
        // not JSON: not ours
      }
    });
  });
  return frames;
}
