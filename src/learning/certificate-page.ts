import { createHash } from 'node:crypto';

import type { FastifyPluginAsync } from 'fastify';

import { cspWith } from '../http/security.ts';
import type { LearningService } from './service.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE =
  'body{font-family:Georgia,serif;max-width:44rem;margin:3rem auto;padding:2.5rem;color:#1f2937;border:6px double #1e3a8a;text-align:center}' +
  'h1{font-size:2rem;margin:.2rem 0 1.5rem}.who{font-size:1.8rem;font-weight:700;margin:.5rem 0}.course{font-size:1.3rem;font-style:italic}' +
  '.meta{margin-top:2rem;font-size:.9rem;color:#4b5563}.revoked{color:#b91c1c;font-weight:700;font-size:1.3rem;border:2px solid #b91c1c;padding:.5rem}' +
  '@media print{body{border-color:#000;margin:0 auto}}';
// The one inline style is allowed by its hash; no script is allowed at all (the strict policy).
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * GET /certificates/:id: a printable certificate. Public (the id is a 128-bit capability
 * the student shares); every value from the database is escaped, and the page runs
 * under the strict Content-Security-Policy, so even a name written as markup is text.
 */
export const certificatePage: FastifyPluginAsync<{ learning: LearningService }> = async (app, { learning }) => {
  app.get<{ Params: { id: string } }>(
    '/certificates/:id',
    { schema: { hide: true }, config: { helmet: { contentSecurityPolicy: cspWith({ 'style-src': [STYLE_HASH] }) } } },
    async (request, reply) => {
      const id = request.params.id;
      const cert = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await learning.certificate(id).catch(() => undefined) : undefined;
      let title = 'Certificate not found';
      let body = '<p>There is no certificate with this number.</p>';
      if (cert) {
        const date = new Date(cert.issuedAt).toLocaleDateString('en-GB', {
          day: 'numeric',
          month: 'long',
          year: 'numeric',
          timeZone: 'UTC',
        });
        title = `Certificate of completion: ${cert.courseTitle}`;
        body =
          (cert.revoked ? '<p class="revoked" data-revoked="true">This certificate has been revoked.</p>' : '') +
          `<p>it360acad certifies that</p><p class="who">${esc(cert.studentName)}</p><p>has completed the course</p>` +
          `<p class="course">${esc(cert.courseTitle)}</p><p class="meta">Issued ${esc(date)} · Certificate <code>${esc(cert.id)}</code></p>`;
      }
      return reply
        .status(cert ? 200 : 404)
        .type('text/html; charset=utf-8')
        .send(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
            `<title>${esc(title)} · it360acad</title><style>${STYLE}</style></head>` +
            `<body><h1>${cert ? 'Certificate of completion' : esc(title)}</h1>${body}</body></html>`,
        );
    },
  );
};
