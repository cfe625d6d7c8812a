import { Fragment, useMemo, type ReactNode } from 'react';
import { parseMarkdown, type Block, type Inline } from './markdown';

/** Turns a piece of plain text into nodes (e.g. marks its mentions). */
type Decorate = (text: string) => ReactNode;

function inline(nodes: readonly Inline[], deco?: Decorate): ReactNode[] {
  return nodes.map((n, i) => {
    if (typeof n === 'string') return deco ? <Fragment key={i}>{deco(n)}</Fragment> : n;
    switch (n.t) {
      case 'strong':
        return <strong key={i}>{inline(n.c, deco)}</strong>;
      case 'em':
        return <em key={i}>{inline(n.c, deco)}</em>;
      case 'del':
        return <del key={i}>{inline(n.c, deco)}</del>;
      case 'code':
        return <code key={i} className="md-code">{n.v}</code>;
      case 'link':
        return (
          <a key={i} className="md-link" href={n.href} target="_blank" rel="noopener noreferrer">
            {n.v}
          </a>
        );
    }
  });
}

function blocks(list: readonly Block[], deco?: Decorate): ReactNode[] {
  return list.map((b, i) => {
    switch (b.t) {
      case 'p':
        return <p key={i} className="md-p">{inline(b.c, deco)}</p>;
      case 'pre':
        return (
          <pre key={i} className="md-pre">
            <code>{b.v}</code>
          </pre>
        );
      case 'quote':
        return <blockquote key={i} className="md-quote">{blocks(b.c, deco)}</blockquote>;
      case 'ul':
        return (
          <ul key={i} className="md-list">
            {b.items.map((it, j) => <li key={j}>{inline(it, deco)}</li>)}
          </ul>
        );
      case 'ol':
        return (
          <ol key={i} className="md-list" start={b.start}>
            {b.items.map((it, j) => <li key={j}>{inline(it, deco)}</li>)}
          </ol>
        );
    }
  });
}

/**
 * A message's text with its markdown (markdown.ts) as React elements.
 * Text stays text: React escapes it, and links are only http, https and
 * mailto, opened in a new tab without access to this page. `decorate`
 * may turn the plain text pieces (not code) into nodes: the mentions.
 */
export function Markdown({ text, decorate }: { text: string; decorate?: Decorate | undefined }) {
  const tree = useMemo(() => parseMarkdown(text), [text]);
  return <div className="msg-text md">{blocks(tree, decorate)}</div>;
}
