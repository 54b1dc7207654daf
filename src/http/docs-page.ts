import type { FastifyInstance } from 'fastify';

/**
 * GET /docs: the API reference as plain HTML, drawn on the server from the OpenAPI
 * document `app.swagger()` returns (the one served at /openapi.json), once, on the first
 * request, and kept. Written by hand rather than taken from a renderer package: Swagger UI
 * (kept at /docs/try for trying requests) makes the browser compile a 1.7 MB bundle before
 * it draws anything (5–18 s here), Scalar's reference needs Node 22, and Redocly's
 * prerendered page hydrates from a CDN script the service's policy refuses. This page
 * needs no script at all; its one style sheet is a same-origin file, so the strict
 * Content-Security-Policy applies unchanged. Every value from the document is escaped.
 */

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  pattern?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  example?: unknown;
};
type Media = { schema?: Schema; example?: unknown; examples?: Record<string, { summary?: string; value?: unknown }> };
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: Schema; example?: unknown };
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content?: Record<string, Media> };
  responses?: Record<
    string,
    { description?: string; content?: Record<string, Media>; headers?: Record<string, { description?: string; schema?: Schema }> }
  >;
};
type Doc = {
  info?: { title?: string; version?: string; description?: string };
  tags?: { name: string; description?: string }[];
  security?: Record<string, string[]>[];
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// Deep enough for every body this API declares (two levels of objects); deeper nesting
// or a schema that refers to itself stops with a link to the named schema instead.
const MAX_DEPTH = 6;

const refName = (ref: string) => ref.replace(/^#\/components\/schemas\//, '');
const slug = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '-');
const code = (v: unknown) => `<code>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</code>`;

function limits(s: Schema): string[] {
  const out: string[] = [];
  if (s.format) out.push(`format ${code(s.format)}`);
  if (s.enum) out.push(`one of ${s.enum.map(code).join(', ')}`);
  if (s.const !== undefined) out.push(`always ${code(s.const)}`);
  if (s.minimum !== undefined) out.push(`≥ ${esc(s.minimum)}`);
  if (typeof s.exclusiveMinimum === 'number') out.push(`> ${esc(s.exclusiveMinimum)}`);
  if (s.maximum !== undefined) out.push(`≤ ${esc(s.maximum)}`);
  if (typeof s.exclusiveMaximum === 'number') out.push(`< ${esc(s.exclusiveMaximum)}`);
  if (s.minLength !== undefined || s.maxLength !== undefined) out.push(`length ${esc(s.minLength ?? 0)}–${esc(s.maxLength ?? '∞')}`);
  if (s.minItems !== undefined || s.maxItems !== undefined) out.push(`items ${esc(s.minItems ?? 0)}–${esc(s.maxItems ?? '∞')}`);
  if (s.uniqueItems) out.push('unique items');
  if (s.pattern) out.push(`pattern ${code(s.pattern)}`);
  if (s.default !== undefined) out.push(`default ${code(s.default)}`);
  if (s.nullable) out.push('may be null');
  return out;
}

class Renderer {
  constructor(private readonly doc: Doc) {}

  resolve(s: Schema): { schema: Schema; name?: string } {
    if (!s.$ref) return { schema: s };
    const name = refName(s.$ref);
    return { schema: this.doc.components?.schemas?.[name] ?? {}, name };
  }

  /** A short type label: `string`, `array of Course`, `object`. */
  typeOf(s: Schema): string {
    if (s.$ref) {
      const name = refName(s.$ref);
      return `<a href="#schema-${esc(slug(name))}">${esc(name)}</a>`;
    }
    if (s.oneOf || s.anyOf) return (s.oneOf ?? s.anyOf)!.map((x) => this.typeOf(x)).join(' or ');
    if (s.allOf) return s.allOf.map((x) => this.typeOf(x)).join(' and ');
    if (s.type === 'array' || s.items) return `array of ${s.items ? this.typeOf(s.items) : 'any'}`;
    if (Array.isArray(s.type)) return esc(s.type.join(' or '));
    return esc(s.type ?? (s.properties ? 'object' : 'any'));
  }

  /**
   * Fields of an object schema as a nested list (name, type, required, limits,
   * description); `$ref`s are followed into components while `expand` holds.
   */
  fields(s: Schema, expand: boolean, depth = 0, seen: string[] = []): string {
    const { schema, name } = expand ? this.resolve(s) : { schema: s, name: undefined };
    if (name && seen.includes(name)) return '';
    const trail = name ? [...seen, name] : seen;
    if (depth > MAX_DEPTH) return '';
    if (schema.allOf) return schema.allOf.map((x) => this.fields(x, expand, depth, trail)).join('');
    if (schema.oneOf || schema.anyOf) {
      const alts = (schema.oneOf ?? schema.anyOf)!;
      return `<ul class="alts">${alts.map((x, i) => `<li><span class="alt">option ${i + 1}: ${this.typeOf(x)}</span>${this.fields(x, expand, depth + 1, trail)}</li>`).join('')}</ul>`;
    }
    if ((schema.type === 'array' || schema.items) && schema.items) return this.fields(schema.items, expand, depth + 1, trail);
    const props = schema.properties;
    if (!props || Object.keys(props).length === 0) return '';
    const required = new Set(schema.required ?? []);
    const rows = Object.entries(props).map(([prop, p]) => {
      const inner = expand || !p.$ref ? this.resolve(p).schema : p;
      const facts = limits(inner);
      const desc = p.description ?? inner.description;
      return (
        `<li><code class="name">${esc(prop)}</code> <span class="type">${this.typeOf(p)}</span>` +
        (required.has(prop) ? ' <span class="req">required</span>' : '') +
        (facts.length ? ` <span class="limits">${facts.join(' · ')}</span>` : '') +
        (desc ? `<div class="desc">${esc(desc)}</div>` : '') +
        this.fields(p, expand, depth + 1, trail) +
        '</li>'
      );
    });
    const extra = schema.additionalProperties === false ? '<li class="note">no other fields</li>' : '';
    return `<ul class="fields">${rows.join('')}${extra}</ul>`;
  }

  examples(m: Media, schema?: Schema): string {
    const list: [string, unknown][] = [];
    if (m.example !== undefined) list.push(['Example', m.example]);
    for (const [k, e] of Object.entries(m.examples ?? {})) if (e.value !== undefined) list.push([e.summary ?? k, e.value]);
    if (list.length === 0 && schema) {
      const r = this.resolve(schema).schema;
      if (r.example !== undefined) list.push(['Example', r.example]);
    }
    return list
      .map(([label, v]) => `<div class="example"><div class="label">${esc(label)}</div><pre>${esc(JSON.stringify(v, null, 2))}</pre></div>`)
      .join('');
  }

  security(op: Operation): [string, string] {
    const sec = op.security ?? this.doc.security ?? [];
    if (sec.length === 0) return ['public', 'public'];
    const names = sec.flatMap((x) => Object.keys(x));
    const optional = sec.some((x) => Object.keys(x).length === 0);
    const what = names.includes('bearerAuth') ? 'bearer token' : esc(names.join(', '));
    return optional ? ['optional', `${what} optional`] : ['bearer', `${what} required`];
  }

  operation(path: string, method: string, op: Operation): string {
    const id = op.operationId ?? `${method}-${path}`;
    const [secClass, secText] = this.security(op);
    let out =
      `<section class="op" id="op-${esc(slug(id))}"><h3><span class="method m-${method}">${method.toUpperCase()}</span> <code class="path">${esc(path)}</code></h3>` +
      (op.summary ? `<p class="summary">${esc(op.summary)}</p>` : '') +
      (op.description ? `<p class="description">${esc(op.description)}</p>` : '') +
      `<dl class="meta"><dt>operationId</dt><dd><code>${esc(id)}</code></dd><dt>auth</dt><dd><span class="sec sec-${secClass}">${secText}</span></dd></dl>`;
    const params = op.parameters ?? [];
    if (params.length) {
      out +=
        '<h4>Parameters</h4><table class="params"><thead><tr><th>name</th><th>in</th><th>type</th><th>details</th></tr></thead><tbody>' +
        params
          .map((p) => {
            const s = p.schema ? this.resolve(p.schema).schema : {};
            const facts = limits(s);
            return (
              `<tr><td><code>${esc(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${esc(p.in)}</td>` +
              `<td>${p.schema ? this.typeOf(p.schema) : ''}</td><td>${facts.join(' · ')}${p.description ? `<div class="desc">${esc(p.description)}</div>` : ''}</td></tr>`
            );
          })
          .join('') +
        '</tbody></table>';
    }
    const body = op.requestBody;
    if (body?.content) {
      out += `<h4>Request body${body.required ? ' <span class="req">required</span>' : ' <span class="opt">optional</span>'}</h4>`;
      if (body.description) out += `<p class="desc">${esc(body.description)}</p>`;
      for (const [type, m] of Object.entries(body.content)) {
        out +=
          `<div class="media"><code class="mt">${esc(type)}</code>${m.schema ? ` <span class="type">${this.typeOf(m.schema)}</span>` : ''}` +
          (m.schema ? this.fields(m.schema, true) : '') +
          this.examples(m) +
          '</div>';
      }
    }
    out += '<h4>Responses</h4><dl class="responses">';
    for (const [status, r] of Object.entries(op.responses ?? {})) {
      const cls = status.startsWith('2') ? 'ok' : status.startsWith('3') ? 'redirect' : 'err';
      out += `<dt class="st st-${cls}">${esc(status)}</dt><dd><span class="desc">${esc(r.description ?? '')}</span>`;
      for (const [h, v] of Object.entries(r.headers ?? {}))
        out += `<div class="header">header <code>${esc(h)}</code>${v.schema ? ` ${this.typeOf(v.schema)}` : ''}${v.description ? `: ${esc(v.description)}` : ''}</div>`;
      for (const [type, m] of Object.entries(r.content ?? {})) {
        out +=
          `<div class="media"><code class="mt">${esc(type)}</code>${m.schema ? ` <span class="type">${this.typeOf(m.schema)}</span>` : ''}` +
          // Success bodies get their fields (named schemas as links, listed once below);
          // error bodies are all the one Problem schema, linked.
          (m.schema && cls === 'ok' ? this.fields(m.schema, false) : '') +
          this.examples(m) +
          '</div>';
      }
      out += '</dd>';
    }
    return `${out}</dl></section>`;
  }

  page(): { html: string; operations: number } {
    const doc = this.doc;
    const tags = [...(doc.tags ?? [])];
    const byTag = new Map<string, [string, string, Operation][]>(tags.map((t) => [t.name, []]));
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        operations++;
        const tag = op.tags?.[0] ?? 'other';
        if (!byTag.has(tag)) {
          byTag.set(tag, []);
          tags.push({ name: tag });
        }
        byTag.get(tag)!.push([path, method, op]);
      }
    }
    const used = tags.filter((t) => byTag.get(t.name)!.length > 0);
    const title = doc.info?.title ?? 'API';
    const toc =
      '<nav class="toc"><h2>Contents</h2><ol>' +
      used
        .map(
          (t) =>
            `<li><a href="#tag-${esc(slug(t.name))}">${esc(t.name)}</a><ol>` +
            byTag
              .get(t.name)!
              .map(([path, method, op]) => {
                const id = op.operationId ?? `${method}-${path}`;
                return `<li><a href="#op-${esc(slug(id))}"><span class="method m-${method}">${method.toUpperCase()}</span> ${esc(path)}</a></li>`;
              })
              .join('') +
            '</ol></li>',
        )
        .join('') +
      (doc.components?.schemas ? '<li><a href="#schemas">Schemas</a></li>' : '') +
      '</ol></nav>';
    const sections = used
      .map(
        (t) =>
          `<section class="tag" id="tag-${esc(slug(t.name))}"><h2>${esc(t.name)}</h2>${t.description ? `<p>${esc(t.description)}</p>` : ''}` +
          byTag
            .get(t.name)!
            .map(([p, m, op]) => this.operation(p, m, op))
            .join('') +
          '</section>',
      )
      .join('');
    const schemas = Object.entries(doc.components?.schemas ?? {})
      .map(
        ([name, s]) =>
          `<section class="schema" id="schema-${esc(slug(name))}"><h3>${esc(name)}</h3>${s.description ? `<p class="desc">${esc(s.description)}</p>` : ''}` +
          this.fields(s, true, 0, [name]) +
          this.examples({}, s) +
          '</section>',
      )
      .join('');
    const html =
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
      `<title>${esc(title)} reference</title><link rel="stylesheet" href="/docs/docs.css">` +
      // Swagger UI's own icon (served with it at /docs/try): the browser asks for an icon, and it must find one.
      '<link rel="icon" type="image/png" href="/docs/try/static/favicon-32x32.png" sizes="32x32"></head><body>' +
      `<header><h1>${esc(title)} <span class="version">${esc(doc.info?.version ?? '')}</span></h1>` +
      (doc.info?.description ? `<p>${esc(doc.info.description)}</p>` : '') +
      `<p class="links"><a href="/docs/try">Try requests (Swagger UI)</a> · <a href="/openapi.json">openapi.json</a> · ${operations} operations</p></header>` +
      `<div class="layout">${toc}<main id="operations" data-operations="${operations}">${sections}` +
      (schemas ? `<section class="tag" id="schemas"><h2>Schemas</h2>${schemas}</section>` : '') +
      '</main></div></body></html>';
    return { html, operations };
  }
}

/** The reference page's HTML for an OpenAPI 3 document. */
export function renderReference(doc: unknown): { html: string; operations: number } {
  return new Renderer(doc as Doc).page();
}

const CSS = `*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;background:#fff}
header{padding:1rem 1.5rem;border-bottom:1px solid #e5e7eb;background:#f8fafc}
header h1{margin:0 0 .25rem;font-size:1.5rem}.version{font-size:.9rem;color:#6b7280;font-weight:400}
header p{margin:.25rem 0}.links a{font-weight:600}
a{color:#1d4ed8;text-decoration:none}a:hover{text-decoration:underline}
.layout{display:flex;align-items:flex-start}
.toc{position:sticky;top:0;max-height:100vh;overflow:auto;width:22rem;flex:none;padding:1rem;border-right:1px solid #e5e7eb;font-size:.85rem}
.toc h2{font-size:1rem;margin:0 0 .5rem}.toc ol{list-style:none;padding-left:0;margin:0}.toc ol ol{padding-left:.5rem;margin:.25rem 0 .75rem}
.toc li{margin:.1rem 0;overflow-wrap:anywhere}.toc li li a{display:flex;gap:.3rem;align-items:baseline}.toc .method{flex:none}
main{flex:1;min-width:0;padding:0 1.5rem 3rem}
.tag>h2{margin:2rem 0 .25rem;font-size:1.4rem;border-bottom:2px solid #e5e7eb;text-transform:capitalize}
.op,.schema{border:1px solid #e5e7eb;border-radius:6px;padding:.75rem 1rem;margin:1rem 0;content-visibility:auto;contain-intrinsic-size:auto 30rem}
.op h3,.schema h3{margin:0;font-size:1.05rem;overflow-wrap:anywhere}
.op h4{margin:.9rem 0 .3rem;font-size:.95rem}
.method{display:inline-block;min-width:3.6rem;text-align:center;border-radius:4px;padding:0 .3rem;font:700 .75rem/1.5 ui-monospace,monospace;color:#fff;background:#6b7280}
.m-get{background:#1d4ed8}.m-post{background:#15803d}.m-put{background:#b45309}.m-patch{background:#7c3aed}.m-delete{background:#b91c1c}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em}
code{background:#f3f4f6;border-radius:3px;padding:0 .2rem;overflow-wrap:anywhere}
pre{background:#f8fafc;border:1px solid #e5e7eb;border-radius:4px;padding:.5rem;overflow:auto;margin:.25rem 0}
.summary{margin:.3rem 0;font-weight:600}.description{margin:.3rem 0}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:0 .75rem;margin:.4rem 0;font-size:.85rem}.meta dt{color:#6b7280}.meta dd{margin:0}
.sec{font-weight:600}.sec-public{color:#15803d}.sec-bearer{color:#b45309}.sec-optional{color:#7c3aed}
.req{color:#b91c1c;font-size:.75rem;font-weight:600}.opt{color:#6b7280;font-size:.75rem}
.type{color:#7c3aed;font-size:.85rem}.limits{color:#6b7280;font-size:.8rem}.desc{color:#374151;font-size:.85rem}
.fields{list-style:none;margin:.25rem 0;padding-left:1rem;border-left:2px solid #e5e7eb}.fields li{margin:.2rem 0}
.alts{margin:.25rem 0}.note{color:#6b7280;font-size:.8rem;font-style:italic}
table.params{border-collapse:collapse;width:100%;font-size:.85rem}.params th,.params td{border-bottom:1px solid #e5e7eb;text-align:left;padding:.25rem .5rem;vertical-align:top}
.responses{margin:0}.responses dt{font:700 .85rem ui-monospace,monospace;margin-top:.5rem}.responses dd{margin:0 0 0 1rem}
.st-ok{color:#15803d}.st-redirect{color:#1d4ed8}.st-err{color:#b91c1c}
.media{margin:.25rem 0}.mt{color:#374151}.header{font-size:.85rem}
.example .label{font-size:.75rem;color:#6b7280;margin-top:.25rem}
@media (max-width:60rem){.layout{display:block}.toc{position:static;width:auto;max-height:none;border-right:0;border-bottom:1px solid #e5e7eb}}
`;

/** GET /docs (the reference) and GET /docs/docs.css (its style), both hidden from the document they show. */
export function registerDocsPage(app: FastifyInstance): void {
  let html: string | undefined;
  app.get('/docs', { schema: { hide: true } }, (_request, reply) => {
    // Drawn once, on the first request: the document is fixed once the app is ready.
    html ??= renderReference(app.swagger()).html;
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  });
  app.get('/docs/docs.css', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-cache').type('text/css; charset=utf-8').send(CSS),
  );
  // Where tools and tests have always fetched the document; the same as /openapi.json.
  app.get('/docs/json', { schema: { hide: true } }, () => app.swagger());
}
