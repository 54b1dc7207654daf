import { createHash } from 'node:crypto';

import type { FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import sanitizeHtml from 'sanitize-html';
import { Type } from 'typebox';

import { isLoopbackHost } from '../config/index.ts';
import { errors } from '../errors/index.ts';
import { ok, problems } from '../http/schemas.ts';
import { cspWith } from '../http/security.ts';
import { type Mailbox, MAILBOX_PATH, type MailboxMessage } from '../infra/mail/index.ts';
import { requireOpsToken } from '../operations/ops-auth.ts';

export interface DevMailboxDeps {
  /** The built-in mailbox; absent when SMTP_URL is set (then these routes answer 404). */
  mailbox?: Mailbox;
  host: string;
  opsToken?: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const URL_RE = /https?:\/\/[^\s<>"']+/g;
const linksOf = (text: string) => [...new Set(text.match(URL_RE) ?? [])];

/** Escaped text with its http(s) links made clickable. */
function linkify(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    out += esc(text.slice(last, m.index)) + `<a href="${esc(m[0])}">${esc(m[0])}</a>`;
    last = m.index + m[0].length;
  }
  return out + esc(text.slice(last));
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1f2937}summary{cursor:pointer;padding:.4rem 0}summary small{color:#6b7280}pre{white-space:pre-wrap;background:#f3f4f6;padding:.75rem;border-radius:4px}article{border-bottom:1px solid #e5e7eb;padding:.25rem 0}.html{border:1px dashed #d1d5db;padding:.75rem}';
// The page's one inline style is allowed by its hash; it has no script at all.
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

function page(messages: MailboxMessage[]): string {
  const items = messages
    .map((m, i) => {
      // The HTML version as the mail client would show it, minus anything active.
      const html = m.html ? sanitizeHtml(m.html, { allowedSchemes: ['http', 'https', 'mailto'] }) : '';
      return (
        `<article id="m${esc(m.id)}"><details${i === 0 ? ' open' : ''}><summary><strong>${esc(m.subject)}</strong> ` +
        `<small>to ${esc(m.to)} · ${esc(new Date(m.receivedAt).toUTCString())}</small></summary>` +
        `<p><small>From ${esc(m.from)} · Message-ID ${esc(m.messageId)}</small></p>` +
        `<pre>${linkify(m.text)}</pre>` +
        (html ? `<details><summary>HTML version</summary><div class="html">${html}</div></details>` : '') +
        `</details></article>`
      );
    })
    .join('\n');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>Mailbox · it360acad</title><style>${STYLE}</style></head><body>` +
    `<h1>Mailbox</h1><p>Mail the service sent while no SMTP_URL is set (development only; the newest first). ` +
    `<a href="${MAILBOX_PATH}">Refresh</a> · <a href="${MAILBOX_PATH}.json">JSON</a></p>` +
    (items || '<p>No mail yet.</p>') +
    `</body></html>`
  );
}

const MessageSchema = Type.Object({
  id: Type.String(),
  messageId: Type.String(),
  from: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  html: Type.Union([Type.String(), Type.Null()]),
  links: Type.Array(Type.String(), { description: 'the http(s) links in the text, in order' }),
  receivedAt: Type.String({ format: 'date-time' }),
});

/**
 * GET /dev/mailbox (HTML) and /dev/mailbox.json: the built-in mailbox. Registered only
 * outside production (the app does not register them there); served when HOST is a
 * loopback address, else only with Authorization: Bearer OPS_TOKEN, else not at all.
 */
export const devMailboxRoutes: FastifyPluginAsync<DevMailboxDeps> = async (app, deps) => {
  const open = isLoopbackHost(deps.host);
  const tokenCheck = requireOpsToken(deps.opsToken);
  const guard: preHandlerAsyncHookHandler = async function (request, reply) {
    if (!deps.mailbox) throw errors.notFound('Mailbox (mail goes to SMTP_URL)');
    if (open) return;
    // Reachable from other machines: the operator's token, or nothing (it holds reset links).
    if (!deps.opsToken) throw errors.notFound('Route');
    await tokenCheck.call(this, request, reply);
  };
  const tags = ['development'];
  const security = open ? [] : [{ bearerAuth: [] }];

  app.get(
    `${MAILBOX_PATH}.json`,
    {
      preHandler: guard,
      schema: {
        tags,
        security,
        operationId: 'listDevMailbox',
        summary: 'The built-in mailbox (no SMTP_URL; never in production): the newest 500 messages, newest first',
        response: {
          200: ok('The newest messages, newest first', Type.Object({ messages: Type.Array(MessageSchema) })),
          ...problems(
            [401, 'Served beyond loopback: the OPS_TOKEN bearer token is missing or wrong'],
            [404, 'No built-in mailbox (SMTP_URL is set), or served beyond loopback without an OPS_TOKEN'],
          ),
        },
      },
    },
    async (_request, reply) => {
      const messages = await deps.mailbox!.list();
      return reply.header('cache-control', 'no-store').send({ messages: messages.map((m) => ({ ...m, links: linksOf(m.text) })) });
    },
  );

  app.get(
    MAILBOX_PATH,
    { preHandler: guard, schema: { hide: true }, config: { helmet: { contentSecurityPolicy: cspWith({ 'style-src': [STYLE_HASH] }) } } },
    async (_request, reply) => {
      const messages = await deps.mailbox!.list();
      return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page(messages));
    },
  );
};
