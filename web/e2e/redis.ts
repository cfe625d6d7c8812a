/**
 * Just enough of Redis for the browser tests to read the call registry of
 * a cluster (internal/registry/redisregistry): GET over RESP on a plain TCP
 * socket, so that the tests need no Redis client package.
 */
import { connect } from 'node:net';

/** Encodes a command as a RESP array of bulk strings. */
function command(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  return Buffer.from(parts.join(''));
}

/**
 * Runs one command that answers a bulk string (GET), an integer (SCARD) or
 * a simple status (SELECT) and returns it as text; null for a nil answer. Rejects on an error reply
 * or after 5 s.
 */
async function run(host: string, port: number, db: number, args: readonly string[]): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => sock.destroy(new Error(`redis ${host}:${port}: no answer in 5 s`)), 5_000);
    let buf = Buffer.alloc(0);
    let skip = db === 0 ? 0 : 1; // the SELECT's +OK
    const done = (err: Error | null, v?: string | null) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(v ?? null);
    };
    sock.on('error', (err) => done(err));
    sock.on('connect', () => {
      if (db !== 0) sock.write(command(['SELECT', String(db)]));
      sock.write(command(args));
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const head = buf.subarray(0, eol).toString();
        if (head.startsWith('-')) return done(new Error(`redis: ${head.slice(1)}`));
        if (head.startsWith('+')) {
          buf = buf.subarray(eol + 2);
          if (skip > 0) {
            skip--;
            continue;
          }
          return done(null, head.slice(1));
        }
        if (head.startsWith(':')) return done(null, head.slice(1)); // an integer
        if (head.startsWith('$')) {
          const len = Number(head.slice(1));
          if (len < 0) return done(null, null);
          if (buf.length < eol + 2 + len + 2) return; // wait for the rest
          return done(null, buf.subarray(eol + 2, eol + 2 + len).toString());
        }
        return done(new Error(`redis: unexpected answer ${JSON.stringify(head)}`));
      }
    });
  });
}

/** GET key on the Redis of a redis:// URL (its path is the database number). */
export async function redisGet(url: string, key: string): Promise<string | null> {
  const u = new URL(url);
  const db = Number(u.pathname.replace(/^\//, '') || '0');
  return run(u.hostname, Number(u.port || '6379'), db, ['GET', key]);
}

/** SCARD key: the number of members of a set (0 when it does not exist). */
export async function redisCard(url: string, key: string): Promise<number> {
  const u = new URL(url);
  const db = Number(u.pathname.replace(/^\//, '') || '0');
  return Number(await run(u.hostname, Number(u.port || '6379'), db, ['SCARD', key]));
}
