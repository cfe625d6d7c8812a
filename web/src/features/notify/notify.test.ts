import { describe, expect, it } from 'vitest';
import type { Message } from '../../api/types';
import { defaultLevel, loadLevels, notificationBody, saveLevels, shouldNotify } from './notify';

const now = Date.parse('2026-12-02T12:00:00Z');
function msg(over: Partial<Message> = {}): Message {
  return {
    id: 'm1', groupId: 'g1', seq: 1, authorId: 'u2', text: 'hello', attachments: [], createdAt: '2026-12-02T11:59:50Z',
    clientMsgId: null, deleted: false, hidden: false, ...over,
  };
}

describe('notifications', () => {
  it('follow the level: all, mentions of me only, or nothing', () => {
    const base = { me: 'me', onScreen: false, now };
    expect(shouldNotify({ ...base, message: msg(), level: 'all' })).toBe(true);
    expect(shouldNotify({ ...base, message: msg(), level: 'mentions' })).toBe(false);
    expect(shouldNotify({ ...base, message: msg({ mentions: ['me'] }), level: 'mentions' })).toBe(true);
    expect(shouldNotify({ ...base, message: msg({ mentions: ['other'] }), level: 'mentions' })).toBe(false);
    expect(shouldNotify({ ...base, message: msg({ mentions: ['me'] }), level: 'none' })).toBe(false);
  });

  it('never for the group on screen, my own, deleted, or caught-up old messages', () => {
    const base = { me: 'me', level: 'all' as const, now };
    expect(shouldNotify({ ...base, message: msg(), onScreen: true })).toBe(false);
    expect(shouldNotify({ ...base, message: msg({ authorId: 'me' }), onScreen: false })).toBe(false);
    expect(shouldNotify({ ...base, message: msg({ deleted: true }), onScreen: false })).toBe(false);
    expect(shouldNotify({ ...base, message: msg({ createdAt: '2026-12-02T11:58:00Z' }), onScreen: false })).toBe(false);
  });

  it('defaults: directs all, groups mentions; levels kept per user, junk ignored', () => {
    expect(defaultLevel(true)).toBe('all');
    expect(defaultLevel(false)).toBe('mentions');
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    saveLevels('u1', { g1: 'none', g2: 'all' }, storage);
    expect(loadLevels('u1', storage)).toEqual({ g1: 'none', g2: 'all' });
    expect(loadLevels('u2', storage)).toEqual({});
    store.set('parley.notify.u3', '{"g1":"loud","g2":"mentions"}');
    expect(loadLevels('u3', storage)).toEqual({ g2: 'mentions' });
    store.set('parley.notify.u4', 'not json');
    expect(loadLevels('u4', storage)).toEqual({});
  });

  it('says the text, cut, or that files came', () => {
    expect(notificationBody(msg({ text: '  hi  ' }))).toBe('hi');
    expect([...notificationBody(msg({ text: 'x'.repeat(200) }))].length).toBe(140);
    expect(notificationBody(msg({ text: '', attachments: [{ key: 'k', name: 'a.png', size: 1, contentType: 'image/png' }] }))).toBe('Sent a file');
  });
});
