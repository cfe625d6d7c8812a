import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, safeHref } from './markdown';
import { Markdown } from './Markdown';

function html(text: string): string {
  const { container } = render(<Markdown text={text} />);
  return container.innerHTML;
}

describe('markdown: inline', () => {
  it('renders bold, italic, strike and inline code', () => {
    expect(parseInline('a **b** *c* _d_ ~~e~~ `f`')).toEqual([
      'a ',
      { t: 'strong', c: ['b'] },
      ' ',
      { t: 'em', c: ['c'] },
      ' ',
      { t: 'em', c: ['d'] },
      ' ',
      { t: 'del', c: ['e'] },
      ' ',
      { t: 'code', v: 'f' },
    ]);
  });

  it('nests, and leaves unmatched or spaced delimiters as they are', () => {
    expect(parseInline('***both***')).toEqual([{ t: 'em', c: [{ t: 'strong', c: ['both'] }] }]);
    expect(parseInline('**bold _and italic_**')).toEqual([{ t: 'strong', c: ['bold ', { t: 'em', c: ['and italic'] }] }]);
    expect(parseInline('2 * 3 * 4')).toEqual(['2 * 3 * 4']);
    expect(parseInline('**open only')).toEqual(['**open only']);
    expect(parseInline('snake_case_name')).toEqual(['snake_case_name']);
    expect(parseInline('*a **b* c**')).toEqual([{ t: 'em', c: ['a **b'] }, ' c**']);
  });

  it('keeps markdown inside code spans literal', () => {
    expect(parseInline('`**not bold**` and ``a ` b``')).toEqual([
      { t: 'code', v: '**not bold**' },
      ' and ',
      { t: 'code', v: 'a ` b' },
    ]);
  });

  it('links bare http, https and mailto addresses, without trailing punctuation', () => {
    expect(parseInline('see https://example.com/a_b?x=1.')).toEqual([
      'see ',
      { t: 'link', href: 'https://example.com/a_b?x=1', v: 'https://example.com/a_b?x=1' },
      '.',
    ]);
    expect(parseInline('(http://example.com/wiki/X_(y))')).toEqual([
      '(',
      { t: 'link', href: 'http://example.com/wiki/X_(y)', v: 'http://example.com/wiki/X_(y)' },
      ')',
    ]);
    expect(parseInline('mail mailto:a@example.com!')).toEqual([
      'mail ',
      { t: 'link', href: 'mailto:a@example.com', v: 'mailto:a@example.com' },
      '!',
    ]);
    expect(parseInline('**https://example.com**')).toEqual([
      { t: 'strong', c: [{ t: 'link', href: 'https://example.com/', v: 'https://example.com' }] },
    ]);
  });

  it('accepts only http, https and mailto', () => {
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('JaVaScRiPt:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,<script>alert(1)</script>')).toBeNull();
    expect(safeHref('vbscript:msgbox')).toBeNull();
    expect(safeHref('http://')).toBeNull();
    expect(safeHref('https://example.com/x')).toBe('https://example.com/x');
    expect(parseInline('javascript:alert(1) and xhttps://example.com')).toEqual(['javascript:alert(1) and xhttps://example.com']);
  });
});

describe('markdown: blocks', () => {
  it('parses code blocks, quotes and lists; keeps the line breaks of paragraphs', () => {
    const text = ['Hi', 'two lines', '', '```', '**raw** <b>', '```', '> quoted *text*', '> more', '- one', '- **two**', '3. three', '4. four'].join('\n');
    expect(parseMarkdown(text)).toEqual([
      { t: 'p', c: ['Hi\ntwo lines'] },
      { t: 'pre', v: '**raw** <b>' },
      { t: 'quote', c: [{ t: 'p', c: ['quoted ', { t: 'em', c: ['text'] }, '\nmore'] }] },
      { t: 'ul', items: [['one'], [{ t: 'strong', c: ['two'] }]] },
      { t: 'ol', start: 3, items: [['three'], ['four']] },
    ]);
  });

  it('an unclosed code block runs to the end', () => {
    expect(parseMarkdown('```\ncode\nmore')).toEqual([{ t: 'pre', v: 'code\nmore' }]);
  });

  it('bounds the nesting of quotes', () => {
    const tree = parseMarkdown('>>>>>> deep');
    expect(JSON.stringify(tree).split('"quote"').length - 1).toBe(3);
  });
});

describe('markdown: no HTML injection', () => {
  it('renders markup in messages as text', () => {
    const out = html('<img src=x onerror="alert(1)"> <script>alert(2)</script> **<b>x</b>**');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<script');
    expect(out).toContain('&lt;img src=x onerror="alert(1)"&gt;');
    expect(out).toContain('<strong>&lt;b&gt;x&lt;/b&gt;</strong>');
  });

  it('never makes a javascript: or data: link, nor one that breaks out of its attribute', () => {
    const out = html('javascript:alert(1) [x](javascript:alert(1)) data:text/html;base64,PHNjcmlwdD4= https://example.com/"onmouseover="alert(1)');
    const { container } = render(<Markdown text={'https://example.com/"><img src=x onerror=alert(1)>'} />);
    expect(out).not.toMatch(/href="(javascript|data):/i);
    for (const a of container.querySelectorAll('a')) {
      expect(a.getAttribute('href')).toMatch(/^https:\/\/example\.com\//);
      expect(a.getAttribute('rel')).toBe('noopener noreferrer');
      expect(a.getAttribute('target')).toBe('_blank');
    }
    expect(container.querySelector('img')).toBeNull();
  });

  it('keeps nested markup and code blocks inert', () => {
    const { container } = render(<Markdown text={'> ```\n> <iframe src="javascript:alert(1)">\n> ```\n- `<svg onload=alert(1)>`'} />);
    expect(container.querySelector('iframe, svg, script')).toBeNull();
    expect(container.textContent).toContain('<iframe src="javascript:alert(1)">');
    expect(container.textContent).toContain('<svg onload=alert(1)>');
  });
});

describe('markdown: linear time', () => {
  const hostile = (n: number): string[] => [
    '*a '.repeat(n),
    '**'.repeat(n),
    '`'.repeat(n) + 'x',
    '` ``'.repeat(n),
    '_a '.repeat(n) + '*b ~~c '.repeat(n),
    '-http://'.repeat(n),
    'https://a'.repeat(n) + '.'.repeat(n),
    '> '.repeat(n),
    '*a _b ~~c **d '.repeat(n) + ' d** c~~ b_ a*'.repeat(n),
  ];

  function cost(n: number): number {
    const inputs = hostile(n);
    const t0 = performance.now();
    for (const s of inputs) parseMarkdown(s);
    return performance.now() - t0;
  }

  it('parses hostile inputs (up to 170,000 characters each) without blowing up', () => {
    cost(1_000); // warm up
    // A linear parser takes milliseconds for these; a quadratic (or backtracking) one takes
    // minutes at this length. The bound only tells the two apart: the speed itself is not
    // asserted here (a loaded machine made a ratio of two timings flaky).
    expect(Math.min(cost(12_000), cost(12_000))).toBeLessThan(5_000);
  });

  it('renders a message of the maximum length full of markup', () => {
    const text = '**b** _i_ `c` ~~s~~ https://example.com '.repeat(100).slice(0, 4000);
    const { container } = render(<Markdown text={text} />);
    expect(container.querySelectorAll('strong').length).toBeGreaterThan(90);
  });
});
