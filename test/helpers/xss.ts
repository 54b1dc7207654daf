/**
 * Known XSS vectors (script, event attributes, javascript:/data: links in their many
 * spellings, iframes, styles, mutation-XSS shapes), written as an author might put them
 * in Markdown or a name. Each must come out inert.
 */
export const XSS_VECTORS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=https://evil.example/x.js></SCRIPT>',
  '<<script>script>alert(1)<</script>/script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<body onload=alert(1)>',
  '<details open ontoggle=alert(1)>',
  '<iframe src="https://evil.example"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>">',
  '<object data="javascript:alert(1)">',
  '<embed src="javascript:alert(1)">',
  '<style>body{background:url(javascript:alert(1))}</style>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<a href="javascript:alert(1)">x</a>',
  '<form action=javascript:alert(1)><input type=submit></form>',
  '<base href="javascript:/">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](javascript&#58;alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](&#x6A;avascript:alert(1))',
  '[x](  javascript:alert(1))',
  '[x](<javascript:alert(1)>)',
  '[x](java%0ascript:alert(1))',
  '[x](vbscript:msgbox(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x](file:///etc/passwd)',
  '![x](javascript:alert(1))',
  '![x](http://evil.example/track.png)',
  '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
  '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
  '[x][r]\n\n[r]: javascript:alert(1)',
  '<https://ok.example/"onmouseover="alert(1)>',
  '```html\n<script>alert(1)</script>\n```',
  '`<img src=x onerror=alert(1)>`',
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
];

/** Tags and attributes a sanitised lesson body may contain. */
const BODY_TAGS: Record<string, string[]> = {
  h1: [],
  h2: [],
  h3: [],
  h4: [],
  h5: [],
  h6: [],
  p: [],
  br: [],
  hr: [],
  blockquote: [],
  pre: [],
  code: [],
  em: [],
  strong: [],
  s: [],
  del: [],
  ul: [],
  ol: ['start'],
  li: [],
  a: ['href', 'title', 'rel'],
  img: ['src', 'alt', 'title'],
  table: [],
  thead: [],
  tbody: [],
  tr: [],
  th: ['style'],
  td: ['style'],
};

/**
 * What is not inert in a fragment of HTML: a tag or attribute off the allow-list, an
 * event attribute, or a URL whose scheme is not http(s)/mailto (https only for images).
 * In sanitised output every literal "<" starts a real tag (text has "&lt;"), so a
 * regular expression over tags sees everything a browser would.
 */
export function activeParts(html: string, allowed: Record<string, string[]> = BODY_TAGS): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/<([a-zA-Z][\w:-]*)([^>]*)>/g)) {
    const tag = m[1].toLowerCase();
    if (!(tag in allowed)) {
      found.push(`tag <${tag}>`);
      continue;
    }
    for (const a of m[2].matchAll(/([^\s=/]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)) {
      const name = a[1].toLowerCase();
      const value = (a[2] ?? '').replace(/^["']|["']$/g, '');
      if (!allowed[tag].includes(name)) found.push(`attribute ${name} on <${tag}>`);
      if (name === 'href' && !/^(https?:|mailto:)/i.test(value)) found.push(`href ${value}`);
      if (name === 'src' && !/^https:/i.test(value)) found.push(`src ${value}`);
      if (name === 'style' && !/^text-align:(left|right|center);?$/.test(value)) found.push(`style ${value}`);
    }
  }
  return found;
}
