/**
 * WCAG AA for the small text of both themes: every pair of text and
 * background tokens the app uses for text under 18 px has a contrast
 * ratio of at least 4.5:1 (tokens.css).
 */
/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const css = readFileSync(resolve(process.cwd(), 'src/styles/tokens.css'), 'utf8');

const hex2 = (n: number) => Math.round(n).toString(16).padStart(2, '0');

/** Colour tokens as #rrggbb; rgba() ones composited over the block's --surface. */
function tokens(block: string, base?: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)) out.set(m[1] as string, m[2] as string);
  const surface = out.get('surface') ?? base?.get('surface') ?? '#ffffff';
  for (const m of block.matchAll(/--([\w-]+):\s*rgba\((\d+),\s*(\d+),\s*(\d+),\s*([\d.]+)\)\s*;/g)) {
    const [r, g, b, a] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
    const under = [1, 3, 5].map((i) => parseInt(surface.slice(i, i + 2), 16)) as [number, number, number];
    out.set(m[1] as string, `#${hex2(r * a + under[0] * (1 - a))}${hex2(g * a + under[1] * (1 - a))}${hex2(b * a + under[2] * (1 - a))}`);
  }
  return out;
}

const darkAt = css.indexOf('@media (prefers-color-scheme: dark)');
const light = tokens(css.slice(0, darkAt));
const dark = new Map([...light, ...tokens(css.slice(darkAt), light)]);

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function ratio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** [text, background] token pairs of small text. */
const pairs: [string, string][] = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['text-muted', 'surface'],
  ['text-muted', 'surface-2'],
  ['text-muted', 'bg'],
  ['text-faint', 'surface'],
  ['text-faint', 'surface-2'],
  ['text-faint', 'bg'],
  ['accent', 'surface'],
  ['accent', 'bg'],
  ['accent-text', 'accent'],
  ['accent-soft-text', 'accent-soft'],
  ['error', 'surface'],
  ['error', 'error-soft'],
  ['pending', 'pending-soft'],
  ['ok', 'ok-soft'],
];

describe.each([
  ['light', light],
  ['dark', dark],
])('%s theme', (_, theme) => {
  it.each(pairs)('%s on %s is at least 4.5:1', (fg, bg) => {
    const a = theme.get(fg);
    const b = theme.get(bg);
    if (!a || !b) throw new Error(`missing token ${a ? bg : fg}`);
    expect(ratio(a, b)).toBeGreaterThanOrEqual(4.5);
  });
});
