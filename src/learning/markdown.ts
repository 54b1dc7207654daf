/**
 * Lesson bodies: Markdown as the author wrote it, rendered to HTML on the way out and
 * then sanitised with an allow-list. markdown-it never passes raw HTML through
 * (`html: false`), and sanitize-html keeps only the elements, attributes and URL
 * schemes below: no script, style, iframe, form or event attribute survives, and links
 * may only be http(s) or mailto, whatever the Markdown said.
 */
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// linkify off: only links the author wrote are links. typographer off: code stays as typed.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

const ALLOWED: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'p',
    'br',
    'hr',
    'blockquote',
    'pre',
    'code',
    'em',
    'strong',
    's',
    'del',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt', 'title'], ol: ['start'], th: ['style'], td: ['style'] },
  // Table alignment is the only style markdown-it writes; nothing else is let through.
  allowedStyles: { th: { 'text-align': [/^(left|right|center)$/] }, td: { 'text-align': [/^(left|right|center)$/] } },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    // Links are absolute http(s) or mailto URLs or nothing (no relative paths a browser
    // might resolve oddly), and a link never hands the lesson page to the page it opens.
    a: (tagName, attribs) => {
      const { href, ...rest } = attribs;
      const kept: Record<string, string> = href !== undefined && absolute(href, ['http:', 'https:', 'mailto:']) ? { href } : {};
      return { tagName, attribs: { ...kept, ...rest, rel: 'noopener noreferrer nofollow' } };
    },
    img: (tagName, attribs) => {
      const { src, ...rest } = attribs;
      return { tagName, attribs: src !== undefined && absolute(src, ['https:']) ? { src, ...rest } : rest };
    },
  },
};
ALLOWED.allowedAttributes = { ...(ALLOWED.allowedAttributes as Record<string, string[]>), a: ['href', 'title', 'rel'] };

function absolute(url: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/** Markdown → sanitised HTML. */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(md.render(source), ALLOWED);
}
