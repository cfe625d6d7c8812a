/**
 * The small, safe markdown of messages: **bold**, *italic* or _italic_,
 * ~~strike~~, `inline code`, ``` code blocks ```, > quotes, - and 1. lists,
 * and bare http(s) and mailto links. It parses to a tree of plain data that
 * Markdown.tsx turns into React elements: text is never HTML, so nothing a
 * message says can inject markup (no dangerouslySetInnerHTML anywhere).
 *
 * Every step is a single left-to-right pass with stacks (no backtracking
 * regular expressions, no rescanning), so the time is linear in the text:
 * a hostile 4,000-character message costs what a friendly one does.
 * Named links ([text](url)) are left out on purpose: in a chat, the text a
 * link shows should be the address it opens.
 */

export type Inline =
  | string
  | { t: 'strong' | 'em' | 'del'; c: Inline[] }
  | { t: 'code'; v: string }
  | { t: 'link'; href: string; v: string };

export type Block =
  | { t: 'p'; c: Inline[] }
  | { t: 'pre'; v: string }
  | { t: 'quote'; c: Block[] }
  | { t: 'ul'; items: Inline[][] }
  | { t: 'ol'; start: number; items: Inline[][] };

const maxQuoteDepth = 3;
const maxInlineDepth = 6;

const fence = /^ {0,3}```/;
const quoteLine = /^ {0,3}>/;
const ulItem = /^ {0,3}[-*+][ \t]+(?=\S)/;
const olItem = /^ {0,3}(\d{1,9})[.)][ \t]+(?=\S)/;

/** Parses a message's text into blocks. */
export function parseMarkdown(text: string): Block[] {
  return parseBlocks(text.split(/\r?\n/), 0);
}

function parseBlocks(lines: readonly string[], depth: number): Block[] {
  const out: Block[] = [];
  let para: string[] = [];
  const flush = () => {
    let a = 0;
    let b = para.length;
    while (a < b && (para[a] ?? '').trim() === '') a++;
    while (b > a && (para[b - 1] ?? '').trim() === '') b--;
    if (b > a) out.push({ t: 'p', c: parseInline(para.slice(a, b).join('\n')) });
    para = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (fence.test(line)) {
      flush();
      const body: string[] = [];
      i++;
      while (i < lines.length && !/^ {0,3}```\s*$/.test(lines[i] ?? '')) body.push(lines[i++] ?? '');
      i++; // the closing fence (or the end)
      out.push({ t: 'pre', v: body.join('\n') });
    } else if (depth < maxQuoteDepth && quoteLine.test(line)) {
      flush();
      const body: string[] = [];
      while (i < lines.length && quoteLine.test(lines[i] ?? '')) body.push((lines[i++] ?? '').replace(/^ {0,3}> ?/, ''));
      out.push({ t: 'quote', c: parseBlocks(body, depth + 1) });
    } else if (ulItem.test(line)) {
      flush();
      const items: Inline[][] = [];
      while (i < lines.length && ulItem.test(lines[i] ?? '')) items.push(parseInline((lines[i++] ?? '').replace(ulItem, '')));
      out.push({ t: 'ul', items });
    } else if (olItem.test(line)) {
      flush();
      const start = Number(olItem.exec(line)?.[1] ?? '1');
      const items: Inline[][] = [];
      while (i < lines.length && olItem.test(lines[i] ?? '')) items.push(parseInline((lines[i++] ?? '').replace(olItem, '')));
      out.push({ t: 'ol', start, items });
    } else {
      para.push(line);
      i++;
    }
  }
  flush();
  return out;
}

type Delim = '*' | '**' | '_' | '~~';
type Token =
  | { k: 'text'; s: string }
  | { k: 'atom'; node: Inline }
  | { k: 'delim'; d: Delim; open: boolean; close: boolean; partner: number };

const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);
const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/** Only these open from a message: never javascript:, data: or anything else. */
export function safeHref(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol === 'mailto:') return url.pathname.includes('@') ? url.href : null;
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') return url.href;
  return null;
}

const urlStart = /(?:https?:\/\/|mailto:)[^\s<>]+/giy;
const trailing = new Set(['.', ',', ';', ':', '!', '?', "'", '"', '*', '_', '~', '>']);

/**
 * A bare link starting at i (not inside a word), with trailing punctuation
 * left out. null when there is none; `end` then says how far no other link
 * can start either (the rest of that run of non-space characters), so that
 * no character is looked at twice.
 */
function linkAt(text: string, i: number): { node: Inline | null; end: number } | null {
  const c = text[i];
  if (c !== 'h' && c !== 'H' && c !== 'm' && c !== 'M') return null;
  if (isWordChar(text[i - 1])) return null;
  urlStart.lastIndex = i;
  const m = urlStart.exec(text);
  if (!m) return null;
  const run = m[0];
  let opens = 0;
  for (const ch of run) if (ch === '(') opens++; else if (ch === ')') opens--;
  let len = run.length;
  for (;;) {
    const last = run[len - 1];
    if (last !== undefined && trailing.has(last)) len--;
    else if (last === ')' && opens < 0) {
      len--;
      opens++;
    } else break;
  }
  const raw = run.slice(0, len);
  const href = raw.length > 'http://'.length ? safeHref(raw) : null;
  if (!href) return { node: null, end: i + run.length };
  return { node: { t: 'link', href, v: raw }, end: i + len };
}

/** Parses one paragraph (or list item) of text into inline nodes. */
export function parseInline(text: string): Inline[] {
  // Code spans: a run of n backticks up to the next run of exactly n.
  // Each length keeps a cursor into its runs, which only moves forward.
  const runs = new Map<number, number[]>();
  for (let i = 0; i < text.length; ) {
    if (text[i] !== '`') {
      i++;
      continue;
    }
    let j = i;
    while (text[j] === '`') j++;
    const list = runs.get(j - i) ?? [];
    list.push(i);
    runs.set(j - i, list);
    i = j;
  }
  const cursor = new Map<number, number>();

  const tokens: Token[] = [];
  let buf = '';
  const pushText = () => {
    if (buf !== '') tokens.push({ k: 'text', s: buf });
    buf = '';
  };
  let i = 0;
  let noLinkUntil = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '`') {
      let j = i;
      while (text[j] === '`') j++;
      const n = j - i;
      const list = runs.get(n) ?? [];
      let at = cursor.get(n) ?? 0;
      while (at < list.length && (list[at] ?? 0) <= i) at++;
      cursor.set(n, at);
      const close = list[at];
      if (close !== undefined) {
        pushText();
        tokens.push({ k: 'atom', node: { t: 'code', v: text.slice(j, close) } });
        i = close + n;
      } else {
        buf += text.slice(i, j);
        i = j;
      }
      continue;
    }
    const link = i >= noLinkUntil ? linkAt(text, i) : null;
    if (link?.node) {
      pushText();
      tokens.push({ k: 'atom', node: link.node });
      i = link.end;
      continue;
    }
    if (link) noLinkUntil = link.end;
    if (c === '*' || c === '_' || c === '~') {
      let j = i;
      while (text[j] === c) j++;
      const n = j - i;
      const before = text[i - 1];
      const after = text[j];
      let open = !isSpace(after);
      let close = !isSpace(before);
      if (c === '_') {
        open = open && !isWordChar(before);
        close = close && !isWordChar(after);
      }
      const kinds: Delim[] | null =
        c === '*' ? (n === 1 ? ['*'] : n === 2 ? ['**'] : n === 3 ? (close ? ['**', '*'] : ['*', '**']) : null)
        : c === '_' ? (n === 1 ? ['_'] : null)
        : n === 2 ? ['~~'] : null;
      if (!kinds || (!open && !close)) {
        buf += text.slice(i, j);
      } else {
        pushText();
        for (const d of kinds) tokens.push({ k: 'delim', d, open, close, partner: -1 });
      }
      i = j;
      continue;
    }
    buf += c;
    i++;
  }
  pushText();

  // Pair delimiters with a stack: a closer takes the nearest opener of its
  // kind; openers above it stay literal. Each opener is pushed and popped
  // once, and a closer with no opener of its kind pops nothing.
  const stack: number[] = [];
  const open: Record<Delim, number> = { '*': 0, '**': 0, _: 0, '~~': 0 };
  tokens.forEach((tok, idx) => {
    if (tok.k !== 'delim') return;
    if (tok.close && open[tok.d] > 0) {
      while (stack.length > 0) {
        const top = stack.pop() as number;
        const opener = tokens[top] as Token & { k: 'delim' };
        open[opener.d]--;
        if (opener.d === tok.d) {
          opener.partner = idx;
          tok.partner = top;
          break;
        }
      }
      return;
    }
    if (tok.open) {
      stack.push(idx);
      open[tok.d]++;
    }
  });

  // Build the tree; pairs nest properly by construction.
  const tag: Record<Delim, 'strong' | 'em' | 'del'> = { '*': 'em', '**': 'strong', _: 'em', '~~': 'del' };
  const root: Inline[] = [];
  const frames: { d: Delim; c: Inline[]; at: number }[] = [];
  const demoted = new Set<number>();
  const top = () => frames[frames.length - 1]?.c ?? root;
  const append = (node: Inline) => {
    const into = top();
    const last = into[into.length - 1];
    if (typeof node === 'string' && typeof last === 'string') into[into.length - 1] = last + node;
    else into.push(node);
  };
  tokens.forEach((tok, idx) => {
    if (tok.k === 'text') append(tok.s);
    else if (tok.k === 'atom') append(tok.node);
    else if (tok.partner > idx && frames.length < maxInlineDepth) frames.push({ d: tok.d, c: [], at: idx });
    else if (tok.partner >= 0 && tok.partner < idx && !demoted.has(tok.partner)) {
      const f = frames.pop();
      if (f) append({ t: tag[f.d], c: f.c });
    } else {
      if (tok.partner > idx) demoted.add(idx);
      append(tok.d);
    }
  });
  return root;
}
