/**
 * The pixel size of image attachments, so that a thumbnail's box is
 * reserved before the image loads (no jump) and matches its aspect ratio
 * (no letterbox). The server's attachment metadata carries no size, so it
 * is learnt here: from the file itself when sending, from the loaded image
 * otherwise, and kept (in localStorage, bounded) for the next visit.
 */

export interface Size {
  width: number;
  height: number;
}

const storeKey = 'parley.imageSizes';
const maxEntries = 400;
let cache: Map<string, Size> | null = null;

function load(): Map<string, Size> {
  if (cache) return cache;
  cache = new Map();
  try {
    const raw = localStorage.getItem(storeKey);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    if (Array.isArray(parsed)) {
      for (const e of parsed) {
        if (Array.isArray(e) && typeof e[0] === 'string' && valid(e[1], e[2])) cache.set(e[0], { width: e[1], height: e[2] });
      }
    }
  } catch {
    // No storage (private mode) or a bad entry: start empty.
  }
  return cache;
}

function valid(w: unknown, h: unknown): w is number {
  return typeof w === 'number' && typeof h === 'number' && w > 0 && h > 0 && Number.isFinite(w) && Number.isFinite(h);
}

/** The known size of an attachment's image, or null. */
export function imageSize(key: string): Size | null {
  return load().get(key) ?? null;
}

/** Remembers an image's size (the newest entries are kept). */
export function rememberImageSize(key: string, width: number, height: number): void {
  if (!valid(width, height)) return;
  const m = load();
  const old = m.get(key);
  if (old && old.width === width && old.height === height) return;
  m.delete(key);
  m.set(key, { width, height });
  while (m.size > maxEntries) {
    const first = m.keys().next();
    if (first.done) break;
    m.delete(first.value);
  }
  try {
    localStorage.setItem(storeKey, JSON.stringify([...m].map(([k, s]) => [k, s.width, s.height])));
  } catch {
    // Full or unavailable: the in-memory copy still helps this visit.
  }
}

/** The box of a lone thumbnail: the image's aspect ratio within maxW×maxH (4:3 while unknown). */
export function thumbBox(size: Size | null, maxW = 320, maxH = 320, minSide = 72): Size {
  if (!size) return { width: 280, height: 210 };
  const scale = Math.min(maxW / size.width, maxH / size.height, 1);
  return {
    width: Math.max(minSide, Math.round(size.width * scale)),
    height: Math.max(minSide, Math.round(size.height * scale)),
  };
}

/** Reads an image file's pixel size (null when the browser cannot decode it). */
export function readImageSize(file: Blob): Promise<Size | null> {
  if (!file.type.startsWith('image/') || typeof URL.createObjectURL !== 'function') return Promise.resolve(null);
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const img = new Image();
    const done = (s: Size | null) => {
      URL.revokeObjectURL(url);
      resolve(s);
    };
    img.onload = () => done(img.naturalWidth > 0 ? { width: img.naturalWidth, height: img.naturalHeight } : null);
    img.onerror = () => done(null);
    img.src = url;
  });
}

/** Forgets everything (tests). */
export function resetImageSizes(): void {
  cache = null;
}
