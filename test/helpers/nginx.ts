import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { trackChild } from './children.ts';
import { freePort } from './redis.ts';

export const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

/**
 * nginx on a loopback port, round-robin over the given instance ports, with the timeouts
 * of deploy/nginx.conf. Started as a foreground child the test owns.
 */
export async function startNginx(
  upstreamPorts: number[],
): Promise<{ url: string; port: number; errorLog(): string; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'it360-nginx-'));
  const port = await freePort();
  // nginx clears its environment; keeping the test run's marker lets `npm test` find an
  // nginx a failed test left behind (scripts/run-tests.ts).
  const conf = `
env IT360_TEST_RUN;
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream it360acad {
    ${upstreamPorts.map((p) => `server 127.0.0.1:${p} max_fails=3 fail_timeout=2s;`).join('\n    ')}
    keepalive 32;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${port};
    keepalive_timeout 75s;
    client_max_body_size 1m;
    location / {
      proxy_pass http://it360acad;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 2s;
      proxy_read_timeout 15s;
      proxy_send_timeout 15s;
      proxy_next_upstream error timeout http_502;
      proxy_next_upstream_tries 2;
      proxy_next_upstream_timeout 3s;
    }
  }
}`;
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const proc: ChildProcess = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // A group of its own (master and worker), so a stop that must force kills both.
    detached: true,
  });
  trackChild(proc, true);
  const exited = new Promise((r) => proc.once('exit', r));
  const stop = async () => {
    if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      // nginx's fast shutdown takes milliseconds; past 10 s it is stuck and is killed.
      const timer = setTimeout(() => killGroup(), 10_000);
      await exited;
      clearTimeout(timer);
    }
    killGroup(); // a worker that outlived its master
    rmSync(dir, { recursive: true, force: true });
  };
  const killGroup = () => {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  };
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  proc.on('error', (e) => {
    err += `could not start nginx (apt-get install nginx; .ci/run does this): ${e.message}`;
  });
  const url = `http://127.0.0.1:${port}`;
  // nginx starts in milliseconds; 20 s covers a loaded machine.
  const until = Date.now() + 20_000;
  for (;;) {
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > until || proc.exitCode !== null) {
        await stop();
        throw new Error(`nginx did not start: ${err}`);
      }
      await sleep(100);
    }
  }
  return {
    url,
    port,
    errorLog: () => {
      try {
        return readFileSync(path.join(dir, 'error.log'), 'utf8');
      } catch {
        return '';
      }
    },
    stop,
  };
}
