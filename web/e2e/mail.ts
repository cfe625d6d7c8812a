/**
 * Reads the mail parley sent, from the dev SMTP sink that global-setup.ts
 * started (PARLEY_E2E_DEVMAIL_URL).
 */

/** One mail as `GET /messages` lists it. */
export interface Mail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  date: string;
}

function devmailURL(): string {
  const url = process.env['PARLEY_E2E_DEVMAIL_URL'];
  if (!url) throw new Error('PARLEY_E2E_DEVMAIL_URL is not set: run the tests through playwright.config.ts');
  return url;
}

/** Every mail to `to`, newest first. */
export async function mailTo(to: string): Promise<Mail[]> {
  const res = await fetch(`${devmailURL()}/messages?to=${encodeURIComponent(to)}`);
  if (!res.ok) throw new Error(`devmail answered ${res.status} for ${to}`);
  return (await res.json()) as Mail[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The first `<baseURL>/<kind>/<code>` link in a mail (text part first, then HTML), or null. */
export function linkIn(mail: Mail, baseURL: string, kind: 'verify' | 'reset-password'): string | null {
  const pattern = new RegExp(`${escapeRegExp(baseURL.replace(/\/+$/, ''))}/${kind}/[A-Za-z0-9_~.%-]+`);
  return pattern.exec(mail.text)?.[0] ?? pattern.exec(mail.html)?.[0] ?? null;
}

/**
 * Waits (polling; mail leaves through parley's outbox, asynchronously) for
 * the newest mail to `to` holding a `kind` link, skipping links in `seen`.
 * Returns the link.
 */
export async function waitForLink(
  to: string,
  baseURL: string,
  kind: 'verify' | 'reset-password',
  options: { timeoutMs?: number; seen?: ReadonlySet<string> } = {},
): Promise<string> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: Mail[] = [];
  while (Date.now() < deadline) {
    last = await mailTo(to);
    for (const mail of last) {
      const link = linkIn(mail, baseURL, kind);
      if (link && !options.seen?.has(link)) return link;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `no mail with a /${kind}/ link reached ${to} in time; the sink holds:\n` +
      JSON.stringify(last.map((m) => ({ subject: m.subject, text: m.text.slice(0, 400) })), null, 2),
  );
}
