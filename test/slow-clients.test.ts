import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { buildTestApp } from './helpers/app.ts';

/*
 * Slow clients against the real server (the whole app, listening on loopback): a
 * slowloris client opens connections and sends its request headers a few bytes at a
 * time, never finishing them. The header timeout must cut each one close to its limit
 * (Node only checks every 30 s unless told otherwise), and MAX_CONNECTIONS bounds how
 * many one process holds at once, while a client inside the cap is still served.
 */

const MAX_CONNECTIONS = 24;
// A header line every 500 ms: never idle long enough for the socket timeout, never done.
const DRIBBLE_MS = 500;
// Node's checker runs every connectionsCheckingInterval; a loaded CI box adds timer lag.
const CUT_SLACK_MS = 3000;

interface Slow {
  socket: net.Socket;
  openedAt: number;
  closedAt?: number;
  received: string;
  closed: Promise<void>;
}

function slowloris(port: number): Promise<Slow> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let markClosed!: () => void;
    const s: Slow = { socket, openedAt: 0, received: '', closed: new Promise((r) => (markClosed = r)) };
    let lines = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (s.received += d));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearInterval(timer);
      s.closedAt = performance.now();
      markClosed();
    });
    socket.once('connect', () => {
      s.openedAt = performance.now();
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      // Bounded: 120 lines is a minute, far past any limit under test.
      timer = setInterval(() => {
        if (++lines > 120 || socket.destroyed) return clearInterval(timer);
        socket.write(`X-Slow-${lines}: ${'x'.repeat(8)}\r\n`);
      }, DRIBBLE_MS);
      resolve(s);
    });
    socket.once('error', reject);
  });
}

/** A plain connection that sends nothing: did the server close it at once? */
function bare(port: number): Promise<{ socket: net.Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const started = performance.now();
    const closed = new Promise<number>((r) => socket.once('close', () => r(performance.now() - started)));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

function get(port: number, path: string): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    assert.ok(performance.now() < end, `${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

test('slowloris: slow header senders are cut at the header timeout, connections beyond MAX_CONNECTIONS are refused, and a client inside the cap is served', async (t) => {
  const app = await buildTestApp(t, { MAX_CONNECTIONS: String(MAX_CONNECTIONS) });
  await app.c.app.listen({ host: '127.0.0.1', port: 0 });
  const server = app.c.app.server;
  const port = (server.address() as net.AddressInfo).port;
  const headersTimeoutMs = server.headersTimeout;
  assert.equal(server.maxConnections, MAX_CONNECTIONS);
  const connections = () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));

  const slow: Slow[] = [];
  const extra: net.Socket[] = [];
  try {
    // All but one slot taken by slow senders.
    for (let i = 0; i < MAX_CONNECTIONS - 1; i++) slow.push(await slowloris(port));
    await until('slow connections accepted', async () => (await connections()) === MAX_CONNECTIONS - 1, 5000);
    // The last slot still serves a normal client.
    assert.deepEqual(await get(port, '/healthz'), { status: 200 }, 'a request inside the cap is served');
    await until('the normal connection closed', async () => (await connections()) === MAX_CONNECTIONS - 1, 5000);
    // Fill the last slot; every connection past the cap is closed by the server at once.
    slow.push(await slowloris(port));
    await until('the cap reached', async () => (await connections()) === MAX_CONNECTIONS, 5000);
    const refused: number[] = [];
    for (let i = 0; i < 5; i++) {
      const b = await bare(port);
      extra.push(b.socket);
      const closedAfter = await Promise.race([b.closed, sleep(2000).then(() => Infinity)]);
      refused.push(closedAfter);
    }
    assert.ok(
      refused.every((ms) => ms < 2000),
      `connections past the cap were closed after ${refused.map(Math.round).join(', ')} ms`,
    );
    const past = await get(port, '/healthz');
    assert.equal(past.status, undefined, 'a request past the cap is not served');

    // The slow senders are cut at the header timeout (the first at most a check interval
    // late), not up to 30 s later.
    const deadline = Math.max(...slow.map((s) => s.openedAt)) + headersTimeoutMs + CUT_SLACK_MS;
    await Promise.race([Promise.all(slow.map((s) => s.closed)), sleep(Math.max(0, deadline - performance.now()))]);
    const held = slow.map((s) => (s.closedAt ?? performance.now()) - s.openedAt);
    const stillOpen = slow.filter((s) => s.closedAt === undefined).length;
    t.diagnostic(
      `headersTimeout ${headersTimeoutMs} ms, connectionsCheckingInterval ${String((server as unknown as { connectionsCheckingInterval?: number }).connectionsCheckingInterval ?? 'default')}; ${slow.length} slow connections held ${Math.round(Math.min(...held))}-${Math.round(Math.max(...held))} ms; ${stillOpen} still open at ${headersTimeoutMs + CUT_SLACK_MS} ms; past the cap: closed after ${refused.map(Math.round).join(', ')} ms`,
    );
    assert.equal(stillOpen, 0, `${stillOpen} slow connections still open ${headersTimeoutMs + CUT_SLACK_MS} ms after they opened`);
    for (const h of held)
      assert.ok(h >= headersTimeoutMs - 500 && h <= headersTimeoutMs + CUT_SLACK_MS, `a slow connection held ${Math.round(h)} ms`);
    // Cut with Node's 408, not just dropped.
    assert.ok(
      slow.every((s) => s.received === '' || s.received.startsWith('HTTP/1.1 408')),
      slow.map((s) => s.received.slice(0, 20)).join('|'),
    );

    // The slots are free again.
    await until('slots freed', async () => (await connections()) === 0, 5000);
    assert.deepEqual(await get(port, '/healthz'), { status: 200 });
  } finally {
    for (const s of slow) s.socket.destroy();
    for (const s of extra) s.destroy();
  }
});
