/** GET /search/messages (issue 14): full-text search over the caller's groups. */
import type { ApiClient } from './client';
import type { components } from './schema.gen';

export type MessageSearchResults = components['schemas']['MessageSearchResults'];
export type MessageSearchHit = components['schemas']['MessageSearchHit'];

/** A page of matching messages, newest first; `next` as `before` for the page after. 400 bad q, 429 too fast. */
export function searchMessages(
  api: ApiClient,
  q: string,
  options: { groupId?: string; before?: string; limit?: number; signal?: AbortSignal } = {},
): Promise<MessageSearchResults> {
  const params = new URLSearchParams({ q });
  if (options.groupId) params.set('groupId', options.groupId);
  if (options.before) params.set('before', options.before);
  if (options.limit) params.set('limit', String(options.limit));
  return api.get<MessageSearchResults>(`/search/messages?${params.toString()}`, options.signal ? { signal: options.signal } : {});
}
