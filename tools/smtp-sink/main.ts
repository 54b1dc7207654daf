/**
 * Runs the SMTP sink as a process of its own:
 *   node --import tsx tools/smtp-sink/main.ts [--port N] [--control-port N] [--exit-with-stdin]
 * Environment: SMTP_SINK_PORT, SMTP_SINK_CONTROL_PORT (0: any free port), SMTP_SINK_HOST
 * (127.0.0.1). When ready it prints one JSON line on stdout:
 *   {"ready":true,"pid":…,"smtpPort":…,"controlPort":…,"url":"smtp://127.0.0.1:…","controlUrl":"http://127.0.0.1:…"}
 * `--exit-with-stdin`: end when stdin closes, i.e. when the process that started it died.
 */
import { parseArgs } from 'node:util';

import { startSmtpSinkServer } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'control-port': { type: 'string' },
    host: { type: 'string' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});

function port(v: string | undefined, name: string): number {
  const n = Number(v ?? 0);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be a port number, got "${v}"`);
    process.exit(1);
  }
  return n;
}
if (process.env.NODE_ENV === 'production') {
  console.error('The SMTP sink is not for production (NODE_ENV=production).');
  process.exit(1);
}
const host = values.host ?? process.env.SMTP_SINK_HOST ?? '127.0.0.1';
const sink = await startSmtpSinkServer({
  host,
  smtpPort: port(values.port ?? process.env.SMTP_SINK_PORT, 'SMTP_SINK_PORT'),
  controlPort: port(values['control-port'] ?? process.env.SMTP_SINK_CONTROL_PORT, 'SMTP_SINK_CONTROL_PORT'),
});
console.log(
  JSON.stringify({
    ready: true,
    pid: process.pid,
    smtpPort: sink.smtpPort,
    controlPort: sink.controlPort,
    url: `smtp://${host}:${sink.smtpPort}`,
    controlUrl: `http://${host}:${sink.controlPort}`,
  }),
);

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  // Clients still connected are not waited for longer than this: a sink stops promptly.
  setTimeout(() => process.exit(0), 2000).unref();
  sink.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
if (values['exit-with-stdin']) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
