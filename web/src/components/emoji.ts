/**
 * The emoji picker's logic, apart from its view: the bundled list as
 * searchable entries, the search, the recently used emoji (kept in
 * localStorage) and the arrow-key moves through a grid of sections.
 */
import { emojiCategories } from './emojiData.gen';

export interface Emoji {
  /** The emoji as it is inserted or sent (with VS16 where the text form is the default). */
  char: string;
  /** Its Unicode name, lowercased. */
  name: string;
  /** Extra words to find it by. */
  keywords: string;
}

export interface EmojiSection {
  id: string;
  label: string;
  /** The emoji that stands for the section on its tab. */
  icon: string;
  emoji: readonly Emoji[];
}

export const categories: readonly EmojiSection[] = emojiCategories.map((c) => ({
  id: c.id,
  label: c.label,
  icon: c.icon,
  emoji: c.emoji.map(([char, name, keywords]) => ({ char, name, keywords: keywords ?? '' })),
}));

const byChar = new Map<string, Emoji>(categories.flatMap((c) => c.emoji.map((e) => [e.char, e] as const)));

/** The bundled entry of an emoji, if it is one of the list. */
export function findEmoji(char: string): Emoji | undefined {
  return byChar.get(char);
}

/**
 * The emoji whose name or keywords hold every word of the query (each as
 * the start of a word: "smil" finds "smiling face", "mile" does not), in
 * the list's order, those whose name starts with the query first.
 */
export function searchEmoji(query: string, limit = 200): Emoji[] {
  const words = query.toLowerCase().trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return [];
  const first: Emoji[] = [];
  const rest: Emoji[] = [];
  for (const c of categories) {
    for (const e of c.emoji) {
      const hay = ` ${e.name} ${e.keywords}`.replace(/[-_:]/g, ' ');
      if (!words.every((w) => hay.includes(` ${w}`))) continue;
      (e.name.startsWith(words[0] as string) ? first : rest).push(e);
    }
  }
  return [...first, ...rest].slice(0, limit);
}

const recentKey = 'parley.emoji.recent';
/** How many recently used emoji are kept (three rows of the picker). */
export const maxRecent = 24;

/** The recently used emoji, newest first (only ones of the bundled list). */
export function loadRecent(): Emoji[] {
  try {
    const raw = localStorage.getItem(recentKey);
    const list: unknown = raw ? JSON.parse(raw) : [];
    if (!Array.isArray(list)) return [];
    return list.flatMap((c) => (typeof c === 'string' && byChar.has(c) ? [byChar.get(c) as Emoji] : [])).slice(0, maxRecent);
  } catch {
    return [];
  }
}

/** Puts char first among the recently used emoji. */
export function rememberRecent(char: string): void {
  if (!byChar.has(char)) return;
  const next = [char, ...loadRecent().map((e) => e.char).filter((c) => c !== char)].slice(0, maxRecent);
  try {
    localStorage.setItem(recentKey, JSON.stringify(next));
  } catch {
    // Storage full or refused: the picker works without the recent row.
  }
}

export type GridKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End';

/**
 * Where a key moves the active cell in a grid of sections, each laid out in
 * rows of `cols` and starting on a new row. `index` counts through all the
 * sections' items in order; `sizes` are the sections' lengths. Left and
 * right step through the items (across rows and sections); up and down
 * keep the column (the nearest item on a shorter row), crossing into the
 * section above or below. Returns -1 for "above the first row" (back to
 * the search box), else the new index (unchanged at the last row's bottom).
 */
export function moveInGrid(sizes: readonly number[], cols: number, index: number, key: GridKey): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === 0) return -1;
  // Rows as [start, length] over the flat index.
  const rows: [number, number][] = [];
  let start = 0;
  for (const n of sizes) {
    for (let r = 0; r < n; r += cols) rows.push([start + r, Math.min(cols, n - r)]);
    start += n;
  }
  const row = rows.findIndex(([s, n]) => index >= s && index < s + n);
  if (row < 0) return 0;
  const [rowStart] = rows[row] as [number, number];
  const col = index - rowStart;
  switch (key) {
    case 'ArrowLeft':
      return Math.max(0, index - 1);
    case 'ArrowRight':
      return Math.min(total - 1, index + 1);
    case 'Home':
      return rowStart;
    case 'End':
      return rowStart + (rows[row] as [number, number])[1] - 1;
    case 'ArrowUp': {
      if (row === 0) return -1;
      const [s, n] = rows[row - 1] as [number, number];
      return s + Math.min(col, n - 1);
    }
    case 'ArrowDown': {
      if (row === rows.length - 1) return index;
      const [s, n] = rows[row + 1] as [number, number];
      return s + Math.min(col, n - 1);
    }
    default:
      return index;
  }
}
