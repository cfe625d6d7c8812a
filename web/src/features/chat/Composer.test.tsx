import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Composer, insertAt } from './Composer';

function renderComposer(files: File[] = [], onSend = vi.fn(() => Promise.resolve(true))) {
  const props = { groupName: 'Hikers', uploads: null, error: null, onAddFiles: vi.fn(), onRemoveFile: vi.fn(), onSend };
  const view = render(<Composer {...props} files={files} />);
  return { ...view, rerender: (next: File[]) => view.rerender(<Composer {...props} files={next} />), onSend };
}

describe('insertAt', () => {
  it('replaces the selection and puts the caret after the insert', () => {
    expect(insertAt('hello world', 5, 5, ' 👋')).toEqual({ text: 'hello 👋 world', caret: 8 });
    expect(insertAt('hello world', 6, 11, '🌍')).toEqual({ text: 'hello 🌍', caret: 8 });
    expect(insertAt('', 0, 0, '🎉')).toEqual({ text: '🎉', caret: 2 });
    expect(insertAt('ab', 9, 9, '!')).toEqual({ text: 'ab!', caret: 3 });
  });
});

describe('Composer', () => {
  // The picker is loaded lazily: have the module ready.
  beforeAll(() => import('../../components/EmojiPicker'));
  beforeEach(() => {
    localStorage.clear();
    window.matchMedia = ((q: string) => ({ matches: q.includes('pointer: fine'), media: q, addEventListener: () => {}, removeEventListener: () => {} })) as unknown as typeof window.matchMedia;
  });

  it('the emoji button opens the picker; the pick goes in at the caret, the picker closes, focus is back in the box', async () => {
    const { onSend } = renderComposer();
    const box = screen.getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: 'see you there' } });
    box.setSelectionRange(8, 8);
    const button = screen.getByRole('button', { name: 'Emoji' });
    fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const search = await screen.findByRole('searchbox', { name: 'Search emoji' }, { timeout: 5000 });
    fireEvent.change(search, { target: { value: 'party popper' } });
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(box.value).toBe('see you 🎉there');
    expect(document.activeElement).toBe(box);
    expect(box.selectionStart).toBe(10);
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(onSend).toHaveBeenCalledWith('see you 🎉there'));
  });

  it('Esc in the picker closes it and focuses the emoji button, the text unchanged', async () => {
    renderComposer();
    const button = screen.getByRole('button', { name: 'Emoji' });
    fireEvent.click(button);
    const search = await screen.findByRole('searchbox', { name: 'Search emoji' }, { timeout: 5000 });
    fireEvent.keyDown(search, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(button.getAttribute('aria-expanded')).toBe('false');
  });
});

describe('Composer tray', () => {
  let created: string[];
  let revoked: string[];
  beforeEach(() => {
    created = [];
    revoked = [];
    let n = 0;
    vi.spyOn(URL, 'createObjectURL').mockImplementation(() => {
      const u = `blob:test/${++n}`;
      created.push(u);
      return u;
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((u: string) => void revoked.push(u));
  });

  it('shows images as thumbnails of themselves, other files as an icon; object URLs are revoked when they leave', () => {
    const photo = new File([new Uint8Array(10)], 'photo.png', { type: 'image/png' });
    const doc = new File([new Uint8Array(2048)], 'notes.pdf', { type: 'application/pdf' });
    const { container, rerender, unmount } = renderComposer([photo, doc]);
    const items = container.querySelectorAll('.composer-file');
    expect(items).toHaveLength(2);
    expect(items[0]?.querySelector('img.composer-file-thumb')?.getAttribute('src')).toBe('blob:test/1');
    expect(items[1]?.querySelector('img')).toBeNull();
    expect(items[1]?.querySelector('.composer-file-icon')).not.toBeNull();
    expect(created).toEqual(['blob:test/1']);

    act(() => rerender([doc]));
    expect(revoked).toEqual(['blob:test/1']);
    act(() => rerender([doc, photo]));
    expect(created).toEqual(['blob:test/1', 'blob:test/2']);
    unmount();
    expect(revoked).toEqual(['blob:test/1', 'blob:test/2']);
  });

  it('keeps a progress bar per file while uploading', () => {
    const photo = new File([new Uint8Array(10)], 'photo.png', { type: 'image/png' });
    render(
      <Composer groupName="Hikers" files={[photo]} uploads={[{ name: 'photo.png', percent: 40 }]} error={null} onAddFiles={() => {}} onRemoveFile={() => {}} onSend={() => Promise.resolve(true)} />,
    );
    const bar = screen.getByRole('progressbar', { name: 'Uploading photo.png' });
    expect(bar.getAttribute('value')).toBe('40');
    expect(document.querySelector('img.composer-file-thumb')).not.toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove photo.png' })).toBeNull();
  });
});
