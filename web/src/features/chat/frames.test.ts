import { describe, expect, it } from 'vitest';
import { normalizeMessage, parseFrame } from './frames';

describe('parseFrame', () => {
  it('fills in what the lean message form leaves out (issue 11)', () => {
    const lean = {
      type: 'message.created',
      message: { id: 'm1', groupId: 'g1', seq: 3, authorId: 'u1', text: 'hi', createdAt: '2026-12-03T01:02:03Z' },
    };
    const f = parseFrame(JSON.stringify(lean));
    expect(f).toEqual({
      type: 'message.created',
      message: {
        id: 'm1', groupId: 'g1', seq: 3, authorId: 'u1', text: 'hi', createdAt: '2026-12-03T01:02:03Z',
        attachments: [], clientMsgId: null, deleted: false, hidden: false,
      },
    });
  });

  it('keeps the fields a message carries, in message.updated too', () => {
    const full = {
      id: 'm1', groupId: 'g1', seq: 3, authorId: 'u1', createdAt: '2026-12-03T01:02:03Z', deleted: true,
      clientMsgId: 'c1', editedAt: '2026-12-03T01:05:00Z', mentions: ['u2'],
    };
    const f = parseFrame(JSON.stringify({ type: 'message.updated', message: full }));
    expect(f).toEqual({
      type: 'message.updated',
      message: { ...full, text: '', attachments: [], hidden: false },
    });
  });

  it('leaves other frames and non-frames alone', () => {
    expect(parseFrame('{"type":"pong"}')).toEqual({ type: 'pong' });
    expect(parseFrame('[]')).toBeNull();
    expect(parseFrame('nope')).toBeNull();
    expect(parseFrame('{"type":"message.created","message":null}')).toEqual({ type: 'message.created', message: null });
  });

  it('normalizeMessage does not overwrite present values', () => {
    const m = normalizeMessage({ id: 'm', groupId: 'g', seq: 1, authorId: 'a', createdAt: 't', text: 'x', hidden: true, attachments: [] });
    expect(m.hidden).toBe(true);
    expect(m.text).toBe('x');
  });
});
