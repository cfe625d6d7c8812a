import { describe, expect, it } from 'vitest';
import { snippetParts } from './highlight';
import { onJumpRequest, requestJump, takeJump } from './jumps';

describe('snippetParts', () => {
  it('marks the [start, end) code point ranges', () => {
    expect(snippetParts('deploy the deployment', [[0, 6], [11, 21]])).toEqual([
      { text: 'deploy', mark: true },
      { text: ' the ', mark: false },
      { text: 'deployment', mark: true },
    ]);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(snippetParts('🎉 party time', [[2, 7]])).toEqual([
      { text: '🎉 ', mark: false },
      { text: 'party', mark: true },
      { text: ' time', mark: false },
    ]);
  });

  it('keeps markup as text and survives bad, unordered or overlapping ranges', () => {
    expect(snippetParts('<b>x</b> y', [[9, 10], [3, 4], [3, 4], [20, 30], [5, 2]])).toEqual([
      { text: '<b>', mark: false },
      { text: 'x', mark: true },
      { text: '</b> ', mark: false },
      { text: 'y', mark: true },
    ]);
    expect(snippetParts('abc', [])).toEqual([{ text: 'abc', mark: false }]);
  });
});

describe('jump requests', () => {
  it('are taken once, and announced', () => {
    const heard: string[] = [];
    const off = onJumpRequest((g) => heard.push(g));
    requestJump('g1', { id: 'm1', seq: 4 });
    expect(heard).toEqual(['g1']);
    expect(takeJump('g2')).toBeNull();
    expect(takeJump('g1')).toEqual({ id: 'm1', seq: 4 });
    expect(takeJump('g1')).toBeNull();
    off();
  });
});
