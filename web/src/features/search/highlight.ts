/**
 * A search snippet cut into plain and highlighted parts from the server's
 * [start, end) offsets, counted in Unicode code points. Rendered as text
 * nodes and <mark>s, never as HTML.
 */
export interface SnippetPart {
  text: string;
  mark: boolean;
}

export function snippetParts(snippet: string, highlights: readonly (readonly number[])[]): SnippetPart[] {
  const chars = Array.from(snippet);
  const ranges = highlights
    .map(([s, e]) => [Math.max(0, Math.min(s ?? 0, chars.length)), Math.max(0, Math.min(e ?? 0, chars.length))] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const parts: SnippetPart[] = [];
  let at = 0;
  for (const [s, e] of ranges) {
    const start = Math.max(s, at);
    if (e <= start) continue;
    if (start > at) parts.push({ text: chars.slice(at, start).join(''), mark: false });
    parts.push({ text: chars.slice(start, e).join(''), mark: true });
    at = e;
  }
  if (at < chars.length) parts.push({ text: chars.slice(at).join(''), mark: false });
  return parts;
}
