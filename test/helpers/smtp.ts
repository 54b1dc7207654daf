import type { TestContext } from 'node:test';

import { type SmtpSinkProcess, startSmtpSinkProcess } from '../../tools/smtp-sink/spawn.ts';
import { trackChild } from './children.ts';

export type { SinkMessage, SmtpSinkProcess } from '../../tools/smtp-sink/spawn.ts';

/**
 * The project's SMTP sink (tools/smtp-sink), a real SMTP server over TCP in a process of
 * its own (so `freeze()` is a real SIGSTOP), stopped when the test ends and tracked so it
 * never outlives the file.
 */
export async function startSmtpSink(t: TestContext): Promise<SmtpSinkProcess> {
  const sink = await startSmtpSinkProcess({ onSpawn: (proc) => trackChild(proc) });
  t.after(() => sink.stop());
  return sink;
}
