import { beforeEach, describe, expect, it } from 'vitest';
import { categories, loadRecent, maxRecent, moveInGrid, rememberRecent, searchEmoji } from './emoji';

/** The server's rule for a reaction's emoji (CONTRACT issue 13), so that every emoji the picker offers can be sent as one. */
function serverAccepts(s: string): boolean {
  const rs = [...s].map((c) => c.codePointAt(0) as number);
  if (rs.length < 1 || rs.length > 10 || new TextEncoder().encode(s).length > 32) return false;
  const regional = (r: number) => r >= 0x1f1e6 && r <= 0x1f1ff;
  const skin = (r: number) => r >= 0x1f3fb && r <= 0x1f3ff;
  const picture = (r: number) =>
    (r >= 0x1f000 && r <= 0x1faff && !regional(r) && !skin(r)) ||
    (r >= 0x2600 && r <= 0x27bf) ||
    (r >= 0x2b00 && r <= 0x2bff) ||
    (r >= 0x2190 && r <= 0x21ff) ||
    (r >= 0x2300 && r <= 0x23ff) ||
    (r >= 0x25a0 && r <= 0x25ff) ||
    r === 0x2934 || r === 0x2935 ||
    [0xa9, 0xae, 0x203c, 0x2049, 0x2122, 0x2139, 0x24c2, 0x3030, 0x303d, 0x3297, 0x3299].includes(r);
  let seen = false;
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i] as number;
    if (picture(r)) seen = true;
    else if (regional(r)) {
      if (!regional(rs[i + 1] ?? 0)) return false;
      i++;
      seen = true;
    } else if ((r >= 0x30 && r <= 0x39) || r === 0x23 || r === 0x2a) {
      let j = i + 1;
      if (rs[j] === 0xfe0f) j++;
      if (rs[j] !== 0x20e3) return false;
      i = j;
      seen = true;
    } else if (!(skin(r) || r === 0x200d || r === 0xfe0f || (r >= 0xe0020 && r <= 0xe007f))) return false;
  }
  return seen;
}

describe('the bundled emoji', () => {
  it('has a few hundred, each once, named, in categories', () => {
    const all = categories.flatMap((c) => c.emoji);
    expect(all.length).toBeGreaterThan(300);
    expect(new Set(all.map((e) => e.char)).size).toBe(all.length);
    for (const e of all) expect(e.name, e.char).toMatch(/^[a-z0-9]/);
    expect(categories.map((c) => c.id)).toEqual(['smileys', 'people', 'nature', 'food', 'activities', 'travel', 'objects', 'symbols', 'flags']);
  });

  it('are all accepted by the server as reactions', () => {
    const refused = categories.flatMap((c) => c.emoji).filter((e) => !serverAccepts(e.char));
    expect(refused.map((e) => `${e.char} ${e.name}`)).toEqual([]);
  });

  it('carry VS16 where the text form is the default, so they draw as emoji', () => {
    const heart = categories.flatMap((c) => c.emoji).find((e) => e.name === 'heavy black heart');
    expect(heart?.char).toBe('❤\uFE0F');
    expect(searchEmoji('thumbs up')[0]?.char).toBe('👍');
  });
});

describe('searchEmoji', () => {
  it('finds by the start of words in the name and keywords, names starting with the query first', () => {
    expect(searchEmoji('')).toEqual([]);
    expect(searchEmoji('tada').map((e) => e.char)).toContain('🎉');
    expect(searchEmoji('lol').map((e) => e.char)).toEqual(expect.arrayContaining(['😂', '🤣']));
    const smil = searchEmoji('smil');
    expect(smil.length).toBeGreaterThan(5);
    expect(smil[0]?.name.startsWith('smil')).toBe(true);
    expect(searchEmoji('mile')).toEqual([]);
    expect(searchEmoji('red heart').map((e) => e.char)).toContain('❤\uFE0F');
    expect(searchEmoji('broken').map((e) => e.char)).toContain('💔');
    expect(searchEmoji('flag japan').map((e) => e.char)).toEqual(['🇯🇵']);
    expect(searchEmoji('zzzzqq')).toEqual([]);
  });
});

describe('recently used', () => {
  beforeEach(() => localStorage.clear());

  it('keeps the newest first, once each, at most maxRecent, only bundled emoji', () => {
    expect(loadRecent()).toEqual([]);
    rememberRecent('👍');
    rememberRecent('🎉');
    rememberRecent('👍');
    rememberRecent('not an emoji');
    expect(loadRecent().map((e) => e.char)).toEqual(['👍', '🎉']);
    for (const e of categories[0]?.emoji ?? []) rememberRecent(e.char);
    expect(loadRecent()).toHaveLength(maxRecent);
  });

  it('survives garbage in storage', () => {
    localStorage.setItem('parley.emoji.recent', '{oops');
    expect(loadRecent()).toEqual([]);
    localStorage.setItem('parley.emoji.recent', JSON.stringify(['😀', 3, null, '🙃']));
    expect(loadRecent().map((e) => e.char)).toEqual(['😀', '🙃']);
  });
});

describe('moveInGrid', () => {
  // Two sections of 10 and 3 in rows of 4: [0-3] [4-7] [8-9] | [10-12]
  const sizes = [10, 3];
  it('steps left and right through items and sections', () => {
    expect(moveInGrid(sizes, 4, 0, 'ArrowLeft')).toBe(0);
    expect(moveInGrid(sizes, 4, 3, 'ArrowRight')).toBe(4);
    expect(moveInGrid(sizes, 4, 9, 'ArrowRight')).toBe(10);
    expect(moveInGrid(sizes, 4, 12, 'ArrowRight')).toBe(12);
  });
  it('keeps the column up and down, the nearest item on a shorter row, across sections', () => {
    expect(moveInGrid(sizes, 4, 1, 'ArrowDown')).toBe(5);
    expect(moveInGrid(sizes, 4, 7, 'ArrowDown')).toBe(9);
    expect(moveInGrid(sizes, 4, 9, 'ArrowDown')).toBe(11);
    expect(moveInGrid(sizes, 4, 12, 'ArrowUp')).toBe(9);
    expect(moveInGrid(sizes, 4, 12, 'ArrowDown')).toBe(12);
    expect(moveInGrid(sizes, 4, 2, 'ArrowUp')).toBe(-1);
  });
  it('goes to a row’s ends with Home and End', () => {
    expect(moveInGrid(sizes, 4, 6, 'Home')).toBe(4);
    expect(moveInGrid(sizes, 4, 8, 'End')).toBe(9);
    expect(moveInGrid([], 4, 0, 'ArrowDown')).toBe(-1);
  });
});
