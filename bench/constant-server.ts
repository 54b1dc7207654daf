/**
 * The framework's ceiling for `npm run bench`: a bare Fastify server answering one route
 * with a constant JSON body of CONSTANT_BYTES bytes, run like the service (WORKERS
 * processes on one port, the kernel handing out connections), so the benchmark compares
 * each endpoint with what Fastify alone does on this machine. Never part of the service.
 * Environment: PORT, CONSTANT_BYTES, WORKERS (default 2).
 */
import cluster from 'node:cluster';

import Fastify from 'fastify';

const port = Number(process.env.PORT);
const bytes = Number(process.env.CONSTANT_BYTES);
const workers = Number(process.env.WORKERS ?? 2);
if (!Number.isInteger(port) || !Number.isInteger(bytes) || bytes < 16) {
  process.stderr.write('PORT and CONSTANT_BYTES (at least 16) are required\n');
  process.exit(1);
}

if (cluster.isPrimary) {
  // As the service's supervisor does: the kernel gives a connection to whichever worker accepts.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', () => process.exit(1));
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGKILL');
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  const body = JSON.stringify({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });
  const app = Fastify({ logger: false });
  app.get('/constant', (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
  await app.listen({ host: '127.0.0.1', port });
}
