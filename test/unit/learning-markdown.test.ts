import assert from 'node:assert/strict';
import { test } from 'node:test';

import { renderMarkdown } from '../../src/learning/markdown.ts';
import { activeParts, XSS_VECTORS } from '../helpers/xss.ts';

test('every known XSS vector renders inert (allow-listed tags and attributes, safe URL schemes only)', () => {
  for (const v of XSS_VECTORS) {
    for (const source of [v, `Some text ${v} and more`, `- item\n- ${v}`, `> ${v}`]) {
      const html = renderMarkdown(source);
      assert.deepEqual(activeParts(html), [], `${JSON.stringify(source)} -> ${html}`);
    }
  }
});

test('ordinary Markdown keeps its meaning', () => {
  assert.equal(
    renderMarkdown('# Title\n\nSome *em* and **strong**.'),
    '<h1>Title</h1>\n<p>Some <em>em</em> and <strong>strong</strong>.</p>\n',
  );
  assert.equal(
    renderMarkdown('[docs](https://example.com/a?b=1)'),
    '<p><a href="https://example.com/a?b=1" rel="noopener noreferrer nofollow">docs</a></p>\n',
  );
  assert.match(renderMarkdown('![diagram](https://example.com/d.png)'), /<img src="https:\/\/example.com\/d.png" alt="diagram" \/>/);
  assert.equal(renderMarkdown('```sh\nls -l <dir>\n```'), '<pre><code>ls -l &lt;dir&gt;\n</code></pre>\n');
  assert.match(renderMarkdown('| a | b |\n|:-:|--:|\n| 1 | 2 |'), /<th style="text-align:center">a<\/th>/);
  // Raw HTML is text, shown as written, never markup.
  assert.equal(renderMarkdown('<b>bold?</b>'), '<p>&lt;b&gt;bold?&lt;/b&gt;</p>\n');
});

test('the checker itself finds active content', () => {
  assert.notDeepEqual(activeParts('<p onclick="x">a</p>'), []);
  assert.notDeepEqual(activeParts('<a href="javascript:alert(1)">a</a>'), []);
  assert.notDeepEqual(activeParts('<script>alert(1)</script>'), []);
  assert.notDeepEqual(activeParts('<img src="http://x/y.png">'), []);
});
