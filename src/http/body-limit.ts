import type { IncomingMessage } from 'node:http';

/**
 * An over-limit body is read and thrown away, up to these bounds, before its 413 goes
 * out: clients that send the whole body before they read the answer (Node's fetch, curl
 * with a chunked upload) otherwise see the connection closed under their writes (EPIPE)
 * and never the problem+json.
 *
 * 8 MiB: a mistaken upload of a few megabytes (a file pasted into a field, a 5 MB login)
 * still gets its readable answer; the bytes are counted and dropped, never buffered, so
 * the cost is bandwidth only, and no route of ours accepts more than 1 MiB.
 */
export const BODY_DRAIN_MAX_BYTES = 8 * 1024 * 1024;
/**
 * 3 s: 8 MiB arrive in well under a second on loopback or a LAN; a client too slow to
 * send them in 3 s is not held on to (and the request deadline, 10 s by default, is never
 * the one that ends it: the wait is also cut to the time the request has left).
 */
export const BODY_DRAIN_MAX_MS = 3000;

export type DrainOutcome = 'drained' | 'bound' | 'aborted';

/**
 * Reads and discards the rest of a request body: 'drained' once the client has sent it
 * all, 'bound' when it declares or sends more than maxBytes or takes longer than maxMs
 * (the caller answers and closes), 'aborted' when the client went away.
 */
export function drainBody(req: IncomingMessage, maxBytes: number, maxMs: number): Promise<DrainOutcome> {
  if (req.complete || req.readableEnded) return Promise.resolve('drained');
  if (req.destroyed) return Promise.resolve('aborted');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve('bound');
  return new Promise((resolve) => {
    let read = 0;
    const finish = (outcome: DrainOutcome) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) finish('bound');
    };
    const onEnd = () => finish('drained');
    const onClose = () => finish(req.complete ? 'drained' : 'aborted');
    const timer = setTimeout(() => finish('bound'), Math.max(0, maxMs));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.resume();
  });
}
