/**
 * Short-lived GET URLs of attachments (POST …/attachments/urls), cached
 * until shortly before they expire. Requests made in the same tick for one
 * group go out as one call.
 */
import { useEffect, useState } from 'react';
import { attachmentUrls, type ApiClient } from '../../api';
import { useSession } from '../../session/SessionContext';

interface Entry {
  url: string;
  expiresAt: number;
}

const marginMs = 30_000;
const cache = new Map<string, Entry>();
const batches = new Map<string, Map<string, ((e: Entry | null) => void)[]>>();

/** A cached URL still good for a while, or null. */
export function cachedUrl(key: string, now = Date.now()): Entry | null {
  const e = cache.get(key);
  return e && e.expiresAt - marginMs > now ? e : null;
}

/** The URL of an attachment key of the group (null when the server refuses). */
export function attachmentUrl(api: ApiClient, groupId: string, key: string): Promise<Entry | null> {
  const hit = cachedUrl(key);
  if (hit) return Promise.resolve(hit);
  return new Promise((resolve) => {
    let batch = batches.get(groupId);
    if (!batch) {
      const fresh = new Map<string, ((e: Entry | null) => void)[]>();
      batch = fresh;
      batches.set(groupId, fresh);
      setTimeout(() => {
        batches.delete(groupId);
        const keys = [...fresh.keys()];
        attachmentUrls(api, groupId, keys).then(
          (items) => {
            for (const it of items) cache.set(it.key, { url: it.url, expiresAt: Date.parse(it.expiresAt) });
            for (const [k, waiters] of fresh) for (const w of waiters) w(cache.get(k) ?? null);
          },
          () => {
            for (const waiters of fresh.values()) for (const w of waiters) w(null);
          },
        );
      }, 0);
    }
    const waiters = batch.get(key) ?? [];
    waiters.push(resolve);
    batch.set(key, waiters);
  });
}

/** The URL of an attachment, refreshed before it expires; null while loading. */
export function useAttachmentUrl(groupId: string, key: string): string | null {
  const session = useSession();
  const [url, setUrl] = useState<string | null>(() => cachedUrl(key)?.url ?? null);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      void attachmentUrl(session.api, groupId, key).then((e) => {
        if (!alive || !e) return;
        setUrl(e.url);
        const wait = e.expiresAt - Date.now() - 30_000;
        if (wait > 1_000) timer = setTimeout(load, Math.min(wait, 2 ** 31 - 1));
      });
    };
    load();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [session, groupId, key]);
  return url;
}
