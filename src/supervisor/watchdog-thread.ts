/**
 * The watchdog thread of a worker (started by ./watchdog.ts). It listens on the fd 4
 * pipe to the supervisor and answers capture requests by pausing the main thread through
 * the inspector and reading, on the paused thread, the stack and the in-flight work.
 * It holds no inspector session between captures, so a healthy worker pays nothing.
 */
import { Session } from 'node:inspector';
import net from 'node:net';
import { workerData } from 'node:worker_threads';

import { type CaptureReply, type CaptureRequest, WATCHDOG_FD, type WorkItem } from './protocol.ts';

interface PausedFrame {
  callFrameId: string;
  functionName: string;
  url: string;
  location: { lineNumber: number; columnNumber: number };
}

class PauseTimeout extends Error {}

const { describeKey } = workerData as { describeKey: string };

const pipe = new net.Socket({ fd: WATCHDOG_FD, readable: true, writable: true });
// No supervisor on the other end (the worker was started by hand): nothing to watch for.
pipe.on('error', () => pipe.destroy());
pipe.setEncoding('utf8');
let buffered = '';
let busy: Promise<void> = Promise.resolve();
pipe.on('data', (chunk: string) => {
  buffered += chunk;
  let nl: number;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    let req: CaptureRequest;
    try {
      req = JSON.parse(line) as CaptureRequest;
    } catch {
      continue;
    }
    if (req.type !== 'capture') continue;
    // One capture at a time: two sessions pausing the same thread would fight.
    busy = busy.then(async () => {
      const reply = await capture(req);
      pipe.write(`${JSON.stringify(reply)}\n`);
    });
  }
});

async function capture(req: CaptureRequest): Promise<CaptureReply> {
  const started = performance.now();
  const session = new Session();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new PauseTimeout()), req.timeoutMs);
  });
  const post = <T>(method: string, params: object = {}) =>
    Promise.race([
      new Promise<T>((resolve, reject) => {
        session.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T)));
      }),
      timedOut,
    ]);
  try {
    session.connectToMainThread();
    const paused = new Promise<PausedFrame[]>((resolve) => {
      session.once('Debugger.paused', (m) => resolve((m.params as { callFrames: PausedFrame[] }).callFrames));
    });
    // Messages to the main thread are dispatched by a V8 interrupt, so they are served
    // even while its JavaScript runs; only a synchronous native call holds them back.
    await post('Debugger.enable');
    await post('Debugger.pause');
    const frames = await Promise.race([paused, timedOut]);
    const pauseMs = Math.round(performance.now() - started);
    const rawStack = frames.map(
      (f) => `${f.functionName || '<anonymous>'} (${f.url || '<unknown>'}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1})`,
    );
    try {
      const r = await post<{ result: { value?: unknown }; exceptionDetails?: unknown }>('Debugger.evaluateOnCallFrame', {
        callFrameId: frames[0].callFrameId,
        expression: `globalThis[Symbol.for(${JSON.stringify(describeKey)})]()`,
        returnByValue: true,
        silent: true,
      });
      if (typeof r.result.value !== 'string') throw new Error('describe returned nothing');
      const d = JSON.parse(r.result.value) as { stack: string[]; inflight: WorkItem[]; inflightCount: number };
      return {
        type: 'capture',
        id: req.id,
        ok: true,
        stack: d.stack.length ? d.stack : rawStack,
        inflight: d.inflight,
        inflightCount: d.inflightCount,
        pauseMs,
      };
    } catch {
      // The frames from the pause event carry generated (not source-mapped) positions,
      // but they still say where the thread is.
      return { type: 'capture', id: req.id, ok: true, stack: rawStack, inflight: [], inflightCount: -1, pauseMs };
    }
  } catch (err) {
    const reason =
      err instanceof PauseTimeout
        ? `the main thread did not pause within ${req.timeoutMs} ms: it is most likely inside a synchronous native call (an fs, crypto, zlib or child_process *Sync call, or a native addon), where JavaScript cannot be interrupted`
        : `inspector: ${(err as Error).message}`;
    return { type: 'capture', id: req.id, ok: false, reason };
  } finally {
    clearTimeout(timer);
    // Resume, then drop the session. Queued behind the pause, these also cancel a pause
    // that never happened, so a main thread that frees itself later is not stopped by us.
    try {
      session.post('Debugger.resume', () => undefined);
      session.post('Debugger.disable', () => undefined);
      session.disconnect();
    } catch {
      // Never connected: nothing to undo.
    }
  }
}
