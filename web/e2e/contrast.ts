/**
 * WCAG AA contrast as the browser renders it (issue 13): the text on a page
 * whose contrast with what is behind it is too low. The token pairs are
 * checked in src/styles/contrast.test.ts; this sees what the page really
 * puts together (gradients, translucent layers, component colours).
 */
import type { Page } from '@playwright/test';

export interface LowContrast {
  text: string;
  ratio: number;
  size: number;
}

/**
 * Every visible piece of text on the page whose contrast with what is
 * behind it is under WCAG AA: 4.5:1 for small text, 3:1 for large (24 px,
 * or 18.66 px bold). The background is found by walking up to the first
 * opaque colour, compositing the translucent ones on the way; a gradient
 * counts with its worst colour stop.
 */
export function lowContrast(page: Page): Promise<LowContrast[]> {
  return page.evaluate(() => {
    type RGBA = [number, number, number, number];
    const parse = (s: string): RGBA[] =>
      [...s.matchAll(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/g)].map((m) => [
        Number(m[1]),
        Number(m[2]),
        Number(m[3]),
        m[4] === undefined ? 1 : Number(m[4]),
      ]);
    const over = (top: RGBA, under: RGBA): RGBA => {
      const a = top[3];
      return [top[0] * a + under[0] * (1 - a), top[1] * a + under[1] * (1 - a), top[2] * a + under[2] * (1 - a), 1];
    };
    const lum = (c: RGBA) => {
      const f = (v: number) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const ratio = (a: RGBA, b: RGBA) => {
      const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
      return (l1 + 0.05) / (l2 + 0.05);
    };
    /** The possible colours behind el: one, or one per stop of a gradient on the way. */
    const backgrounds = (el: Element | null): RGBA[] => {
      const layers: RGBA[][] = [];
      for (let e = el; e; e = e.parentElement) {
        const cs = getComputedStyle(e);
        const stops = cs.backgroundImage.includes('gradient') ? parse(cs.backgroundImage) : [];
        const color = parse(cs.backgroundColor)[0] ?? [0, 0, 0, 0];
        if (stops.length) layers.push(stops);
        if (color[3] > 0) layers.push([color]);
        if (color[3] >= 1) break;
      }
      let out: RGBA[] = [[255, 255, 255, 1]];
      for (const layer of layers.reverse()) out = layer.flatMap((top) => out.map((under) => over(top, under)));
      return out;
    };
    const found: LowContrast[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim();
      const el = n.parentElement;
      if (!text || !el) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const box = range.getBoundingClientRect();
      const cs = getComputedStyle(el);
      if (box.width === 0 || box.height === 0 || cs.visibility !== 'visible' || Number(cs.opacity) === 0) continue;
      if (box.bottom < 0 || box.top > innerHeight || box.right < 0 || box.left > innerWidth) continue;
      // Only emoji, or text of an inactive control (WCAG's exception).
      if (!/[\p{L}\p{N}]/u.test(text) || el.closest('[disabled], [aria-disabled="true"]')) continue;
      const size = parseFloat(cs.fontSize);
      const bold = Number(cs.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      const color = parse(cs.color)[0];
      if (!color) continue;
      const worst = Math.min(...backgrounds(el).map((bg) => ratio(over(color, bg), bg)));
      if (worst < need) found.push({ text: text.slice(0, 40), ratio: Math.round(worst * 100) / 100, size });
    }
    return found;
  });
}
