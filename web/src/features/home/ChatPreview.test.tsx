import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { focusables } from '../../components/layer';
import { ChatPreview } from './ChatPreview';

describe('ChatPreview', () => {
  it('is drawn with the app’s own pieces: group list, avatars, bubbles, markdown, reactions, composer', () => {
    const { container } = render(<ChatPreview />);
    expect(container.querySelectorAll('.grouplist-item')).toHaveLength(4);
    expect(container.querySelector('.grouplist-item[aria-current="page"]')?.textContent).toContain('Design crew');
    expect(container.querySelectorAll('.msg .msg-bubble')).toHaveLength(4);
    expect(container.querySelectorAll('.msg-mine')).toHaveLength(1);
    // A run of one author: the name and picture once.
    expect([...container.querySelectorAll('.msg-author')].map((a) => a.textContent)).toEqual(['Maya', 'Jonas']);
    expect(container.querySelectorAll('.msg-avatar .avatar')).toHaveLength(2);
    expect(container.querySelector('.msg-text strong')?.textContent).toBe('onboarding');
    expect(container.querySelector('.reaction.reaction-mine')?.textContent).toBe('👍2');
    expect(container.querySelector('.composer-row .composer-send svg')).not.toBeNull();
    expect(container.querySelectorAll('.composer-row .composer-icon')).toHaveLength(2);
  });

  it('is decorative: hidden from assistive technology, inert, nothing focusable; the figure has a description', () => {
    const { container } = render(<ChatPreview />);
    expect(screen.getByRole('figure', { name: 'Preview of a Parley group conversation' })).toBeTruthy();
    const window = container.querySelector('.preview-window') as HTMLElement;
    expect(window.getAttribute('aria-hidden')).toBe('true');
    expect(window.hasAttribute('inert')).toBe(true);
    expect(focusables(container as HTMLElement)).toEqual([]);
    expect(container.querySelectorAll('button, a, input, textarea')).toHaveLength(0);
  });
});
