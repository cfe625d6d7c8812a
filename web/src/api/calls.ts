/**
 * The call endpoint of API.md ("Call signalling WebSocket"): the REST
 * read of a group's call. The signalling itself is a WebSocket
 * (features/call/signaling.ts).
 */
import type { ApiClient } from './client';
import type { CallState } from './types';

/** GET /calls/{groupId}: the group's call (inactive: `active: false`, no participants); 404 for non-members. */
export function getCall(api: ApiClient, groupId: string, signal?: AbortSignal): Promise<CallState> {
  return api.get<CallState>(`/calls/${encodeURIComponent(groupId)}`, signal ? { signal } : {});
}

/** The signalling WebSocket of a group's call on this page's origin. */
export function callSocketUrl(groupId: string, location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api/v1/calls/${encodeURIComponent(groupId)}/ws`;
}
