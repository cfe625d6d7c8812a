import { act, fireEvent, render, screen } from '@testing-library/react';
import { useRef, useState } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EmojiPicker, pickerColumns } from './EmojiPicker';
import { categories } from './emoji';

function Harness({ onPick }: { onPick: (e: string) => void }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  return (
    <>
      <button ref={button} type="button" onClick={() => setOpen((o) => !o)}>
        Emoji
      </button>
      <p>outside</p>
      {open && <EmojiPicker anchor={button.current} onPick={onPick} onClose={() => setOpen(false)} />}
    </>
  );
}

function fineMatchMedia() {
  window.matchMedia = ((q: string) => ({
    matches: q.includes('pointer: fine'),
    media: q,
    addEventListener: () => {},
    removeEventListener: () => {},
  })) as unknown as typeof window.matchMedia;
}

const key = (el: Element, k: string) => fireEvent.keyDown(el, { key: k });

describe('EmojiPicker', () => {
  beforeEach(() => {
    localStorage.clear();
    fineMatchMedia();
  });

  it('opens with the search focused; ↓ enters the grid, arrows move, Enter picks; the pick is remembered', () => {
    const onPick = vi.fn();
    render(<Harness onPick={onPick} />);
    fireEvent.click(screen.getByRole('button', { name: 'Emoji' }));
    const dialog = screen.getByRole('dialog', { name: 'Choose an emoji' });
    const search = screen.getByRole('searchbox', { name: 'Search emoji' });
    expect(document.activeElement).toBe(search);

    const smileys = categories[0]?.emoji ?? [];
    key(search, 'ArrowDown');
    expect(document.activeElement).toHaveProperty('textContent', smileys[0]?.char);
    key(document.activeElement as Element, 'ArrowRight');
    key(document.activeElement as Element, 'ArrowDown');
    const expected = smileys[1 + pickerColumns];
    expect(document.activeElement).toHaveProperty('textContent', expected?.char);
    expect(document.activeElement?.getAttribute('aria-label')).toBe(expected?.name);
    // One tab stop in the grid: the active cell.
    expect(dialog.querySelectorAll('.emoji-cell[tabindex="0"]')).toHaveLength(1);
    // Enter on a button clicks it in a browser; jsdom needs the click.
    fireEvent.click(document.activeElement as Element);
    expect(onPick).toHaveBeenCalledWith(expected?.char);
    expect(JSON.parse(localStorage.getItem('parley.emoji.recent') ?? '[]')).toEqual([expected?.char]);
    // Now first, under "Recently used".
    expect(document.querySelector('[data-section="recent"] .emoji-grid')).toHaveProperty('textContent', expected?.char);
    expect(document.querySelector('.emoji-tab')?.getAttribute('aria-label')).toBe('Recently used');

    // ↑ from the first row goes back to the search box.
    key(search, 'ArrowDown');
    key(document.activeElement as Element, 'ArrowUp');
    expect(document.activeElement).toBe(search);
  });

  it('filters by name; Enter in the search picks the first match; nothing found says so', () => {
    const onPick = vi.fn();
    render(<Harness onPick={onPick} />);
    fireEvent.click(screen.getByRole('button', { name: 'Emoji' }));
    const search = screen.getByRole('searchbox', { name: 'Search emoji' });
    fireEvent.change(search, { target: { value: 'party popper' } });
    const results = document.querySelector('[data-section="results"]') as HTMLElement;
    expect(results.querySelector('h3')?.textContent).toBe('Search results');
    expect([...results.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['🎉']);
    expect(document.querySelector('[data-section="smileys"]')).toBeNull();
    key(search, 'Enter');
    expect(onPick).toHaveBeenCalledWith('🎉');
    fireEvent.change(search, { target: { value: 'qqqzzz' } });
    expect(screen.getByText('No emoji found')).toBeTruthy();
  });

  it('typing in the grid goes back to the search box', () => {
    render(<Harness onPick={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: 'Emoji' }));
    const search = screen.getByRole('searchbox', { name: 'Search emoji' });
    key(search, 'ArrowDown');
    expect(document.activeElement).not.toBe(search);
    key(document.activeElement as Element, 'h');
    expect(document.activeElement).toBe(search);
  });

  it('Esc closes and gives focus back to the button; so does a press outside (without moving focus)', () => {
    render(<Harness onPick={() => {}} />);
    const button = screen.getByRole('button', { name: 'Emoji' });
    fireEvent.click(button);
    key(screen.getByRole('searchbox', { name: 'Search emoji' }), 'ArrowDown');
    key(document.activeElement as Element, 'Escape');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(button);

    fireEvent.click(button);
    expect(screen.getByRole('dialog')).toBeTruthy();
    act(() => {
      screen.getByText('outside').dispatchEvent(new Event('pointerdown', { bubbles: true }));
    });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('Esc inside a dialog closes the picker only', () => {
    const onClose = vi.fn();
    const outer = vi.fn();
    document.addEventListener('keydown', outer);
    render(<EmojiPicker anchor={null} onPick={() => {}} onClose={onClose} />);
    key(screen.getByRole('searchbox', { name: 'Search emoji' }), 'Escape');
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(outer).not.toHaveBeenCalled();
    document.removeEventListener('keydown', outer);
  });

  it('is a bottom sheet with a backdrop on a narrow screen, the backdrop closes it', () => {
    window.matchMedia = ((q: string) => ({ matches: q.includes('max-width'), media: q, addEventListener: () => {}, removeEventListener: () => {} })) as unknown as typeof window.matchMedia;
    const onClose = vi.fn();
    render(<EmojiPicker anchor={null} onPick={() => {}} onClose={onClose} />);
    const dialog = screen.getByRole('dialog');
    expect(dialog.className).toContain('emoji-picker-sheet');
    // No keyboard popping up: the sheet itself has focus.
    expect(document.activeElement).toBe(dialog);
    const backdrop = document.querySelector('.emoji-backdrop') as Element;
    fireEvent.pointerDown(backdrop);
    expect(onClose).toHaveBeenCalled();
  });

  it('has a tab per category that jumps to it', () => {
    render(<EmojiPicker anchor={null} onPick={() => {}} onClose={() => {}} />);
    const tabs = [...document.querySelectorAll<HTMLButtonElement>('.emoji-tab')];
    expect(tabs.map((t) => t.getAttribute('aria-label'))).toEqual(categories.map((c) => c.label));
    const food = tabs.find((t) => t.title === 'Food & drink') as HTMLButtonElement;
    fireEvent.click(food);
    expect(food.className).toContain('emoji-tab-current');
  });
});
