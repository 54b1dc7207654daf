// The /ops dashboard. Plain script, no build step, no inline code: it runs under a
// Content-Security-Policy that allows only same-origin script and style. Every value
// from the server is written with textContent, never as HTML.
(function () {
  'use strict';

  var TOKEN_KEY = 'it360.opsToken';
  // Refreshed every 5 s: fresh enough to watch an incident unfold, light enough that the
  // dashboard left open all day costs the service nothing.
  var REFRESH_MS = 5000;
  // One refresh must not pile onto the next: the server answers within about 1.5 s even
  // with a hung worker, so 4.5 s means the service itself is in trouble.
  var FETCH_TIMEOUT_MS = 4500;

  var paused = false;
  var timer = null;

  var draw = window.opsDraw;
  var $ = draw.$,
    el = draw.el,
    ms = draw.ms,
    pct = draw.pct,
    bytes = draw.bytes,
    duration = draw.duration,
    clock = draw.clock,
    pill = draw.pill,
    chart = draw.chart;

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  }

  function breakersText(b) {
    var parts = [];
    ['closed', 'half-open', 'open', 'isolated'].forEach(function (k) {
      if (b[k]) parts.push(k + ' ×' + b[k]);
    });
    return parts.join(', ') || '–';
  }

  function renderDependencies(data) {
    var box = $('deps');
    box.replaceChildren();
    data.dependencies.forEach(function (d) {
      var card = el('article', 'card');
      card.setAttribute('data-dependency', d.name);
      card.setAttribute('data-state', d.state);
      var head = el('div', 'card-head');
      head.appendChild(el('h3', null, d.name));
      head.appendChild(pill(d.state));
      card.appendChild(head);

      var dl = el('dl', 'stats');
      function stat(label, value, cls) {
        var wrap = el('div', cls);
        wrap.appendChild(el('dt', null, label));
        wrap.appendChild(el('dd', null, value));
        dl.appendChild(wrap);
      }
      stat('p50', ms(d.p50Ms));
      stat('p99', ms(d.p99Ms));
      stat('error rate', pct(d.errorRate), d.errorRate > 0 ? 'bad' : null);
      stat('calls', String(d.calls));
      stat('timeouts', String(d.timeouts), d.timeouts > 0 ? 'bad' : null);
      // Calls seen still waiting past half their budget: a hung dependency shows here first.
      stat('slow', String(d.slowCalls || 0), d.slowCalls > 0 ? 'warn' : null);
      stat('rejected', String(d.rejected), d.rejected > 0 ? 'bad' : null);
      card.appendChild(dl);

      var b = el('p', 'breakers');
      b.appendChild(el('span', 'muted', 'breakers: '));
      var bt = el(
        'span',
        d.breakers.open + d.breakers.isolated > 0 ? 'bad' : d.breakers['half-open'] > 0 ? 'warn' : null,
        breakersText(d.breakers),
      );
      bt.setAttribute('data-breakers', '');
      b.appendChild(bt);
      card.appendChild(b);

      var probe = el(
        'p',
        'probe muted',
        'check: ' +
          d.probe.status +
          (d.probe.latencyMs !== undefined ? ' in ' + ms(d.probe.latencyMs) : '') +
          (d.probe.detail ? ' — ' + d.probe.detail : ''),
      );
      card.appendChild(probe);
      card.appendChild(chart(d, data.bucketSeconds));
      var legend = el('p', 'legend');
      legend.appendChild(el('span', 'key p50', 'p50'));
      legend.appendChild(el('span', 'key p99', 'p99'));
      legend.appendChild(el('span', 'key fail', 'failed calls'));
      card.appendChild(legend);
      box.appendChild(card);
    });
  }

  function waited(w) {
    if (!w) return '–';
    return w.dependency + (w.op ? ' ' + w.op : '') + ' ' + w.outcome + ' after ' + ms(w.elapsedMs);
  }

  function renderRequests(tableId, rows, empty) {
    var body = $(tableId).tBodies[0];
    body.replaceChildren();
    if (rows.length === 0) {
      var tr = el('tr', 'empty');
      var td = el('td', 'muted', empty);
      td.colSpan = 7;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (r) {
      var tr = el('tr');
      tr.setAttribute('data-request-id', r.requestId);
      tr.appendChild(el('td', 'num', clock(r.at)));
      tr.appendChild(el('td', 'route', r.method + ' ' + r.route));
      tr.appendChild(el('td', r.statusCode >= 500 ? 'bad num' : 'num', r.statusCode + (r.code ? ' ' + r.code : '')));
      tr.appendChild(el('td', 'num', ms(r.durationMs)));
      tr.appendChild(el('td', r.waitedOn && r.waitedOn.outcome !== 'ok' ? 'bad' : null, waited(r.waitedOn)));
      var id = el('td');
      id.appendChild(el('code', null, r.requestId));
      tr.appendChild(id);
      tr.appendChild(el('td', 'num', r.pid));
      body.appendChild(tr);
    });
  }

  function renderWorkers(data) {
    var body = $('workers').tBodies[0];
    body.replaceChildren();
    data.workers.forEach(function (w) {
      var tr = el('tr', w.answered ? null : 'silent');
      tr.setAttribute('data-pid', w.pid);
      tr.appendChild(el('td', 'num', w.pid));
      tr.appendChild(el('td', 'num', w.slot === undefined ? '–' : w.slot));
      tr.appendChild(el('td', 'num', duration(w.uptimeS)));
      tr.appendChild(el('td', w.restarts > 0 ? 'num warn' : 'num', w.restarts));
      tr.appendChild(el('td', null, w.reason || (data.supervised ? '–' : 'no supervisor')));
      tr.appendChild(el('td', 'num', w.inflight === undefined ? '–' : w.inflight));
      tr.appendChild(el('td', 'num', bytes(w.rssBytes)));
      var l = w.cacheLocal;
      tr.appendChild(
        el('td', 'num', l ? bytes(l.bytes) + ' / ' + bytes(l.maxBytes) + ', ' + Math.round(100 * l.hitRatio) + '% hits' : '–'),
      );
      var states = Object.keys(w.breakers)
        .filter(function (k) {
          return w.breakers[k] !== 'closed';
        })
        .map(function (k) {
          return k + ' ' + w.breakers[k];
        });
      tr.appendChild(el('td', states.length ? 'bad' : 'muted', states.join(', ') || 'all closed'));
      var ans = el('td');
      ans.appendChild(pill(w.answered ? 'ok' : 'down', w.answered ? 'yes' : 'no answer in 1 s'));
      tr.appendChild(ans);
      body.appendChild(tr);
    });
    var reasons = Object.keys(data.restartsByReason).map(function (k) {
      return k + ' ×' + data.restartsByReason[k];
    });
    $('restarts').textContent = reasons.length
      ? 'restarts: ' + reasons.join(', ')
      : data.supervised
        ? 'no restarts'
        : 'this process only (no supervisor)';
  }

  function renderFlagged(data) {
    var body = $('flagged').tBodies[0];
    body.replaceChildren();
    var rows = data.flaggedPayments;
    if (!rows || rows.length === 0) {
      var tr = el('tr', 'empty');
      var td = el('td', 'muted', rows ? 'none' : 'not available (database)');
      td.colSpan = 6;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (p) {
      var tr = el('tr');
      tr.setAttribute('data-reference', p.reference);
      tr.appendChild(el('td', 'num', new Date(p.flaggedAt).toLocaleString()));
      var ref = el('td');
      ref.appendChild(el('code', null, p.reference));
      tr.appendChild(ref);
      tr.appendChild(el('td', 'num', p.currency + ' ' + (p.amount / 100).toFixed(2)));
      tr.appendChild(el('td', null, p.userId));
      tr.appendChild(el('td', null, p.courseId));
      tr.appendChild(el('td', 'bad', p.reason));
      body.appendChild(tr);
    });
  }

  function renderMail(data) {
    var body = $('mailfailed').tBodies[0];
    body.replaceChildren();
    var m = data.mailOutbox;
    $('mail-counts').textContent = m
      ? m.pending + ' pending' + (m.pending ? ' (oldest ' + m.oldestPendingS + ' s)' : '') + ' · ' + m.failed + ' failed'
      : 'not available (database)';
    var rows = m ? m.failedMessages : null;
    if (!rows || rows.length === 0) {
      var tr = el('tr', 'empty');
      var td = el('td', 'muted', rows ? 'no failed messages' : 'not available (database)');
      td.colSpan = 6;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (f) {
      var tr = el('tr');
      tr.setAttribute('data-message-id', f.messageId);
      tr.appendChild(el('td', 'num', new Date(f.createdAt).toLocaleString()));
      tr.appendChild(el('td', null, f.kind));
      tr.appendChild(el('td', null, f.recipient));
      tr.appendChild(el('td', 'num', String(f.attempts)));
      var id = el('td');
      id.appendChild(el('code', null, f.messageId));
      tr.appendChild(id);
      tr.appendChild(el('td', 'bad', f.lastError || ''));
      body.appendChild(tr);
    });
  }

  function render(data) {
    var overall = $('overall');
    overall.textContent = data.status;
    overall.setAttribute('data-state', data.status);
    $('updated').textContent = 'updated ' + clock(Date.parse(data.generatedAt));
    $('window').textContent = 'last ' + data.windowMinutes + ' min · ' + data.bucketSeconds + ' s per point';
    renderDependencies(data);
    renderRequests('timedout', data.timedOut, 'none in the last ' + data.windowMinutes + ' minutes');
    renderRequests('slowest', data.slowest, 'no requests in the last ' + data.windowMinutes + ' minutes');
    renderWorkers(data);
    renderFlagged(data);
    renderMail(data);
    document.title = (data.status === 'ok' ? '' : '[' + data.status + '] ') + 'it360acad · operations';
  }

  // ---------------------------------------------------------------- loading

  function showLogin(message) {
    $('board').hidden = true;
    $('login').hidden = false;
    $('forget').hidden = true;
    $('login-error').textContent = message || '';
    $('token').focus();
  }

  function problem(message) {
    var p = $('problem');
    p.hidden = !message;
    p.textContent = message || '';
    if (message) {
      $('overall').textContent = 'unreachable';
      $('overall').setAttribute('data-state', 'down');
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (!paused) timer = setTimeout(load, REFRESH_MS);
  }

  function load() {
    var headers = { accept: 'application/json' };
    if (token()) headers.authorization = 'Bearer ' + token();
    fetch('/ops/data', { headers: headers, cache: 'no-store', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
      .then(function (res) {
        if (res.status === 401) {
          var had = !!token();
          sessionStorage.removeItem(TOKEN_KEY);
          showLogin(had ? 'That token was not accepted.' : '');
          return null;
        }
        if (!res.ok) throw new Error('the service answered ' + res.status);
        return res.json();
      })
      .then(function (data) {
        if (!data) return;
        problem('');
        $('login').hidden = true;
        $('board').hidden = false;
        $('forget').hidden = !token();
        render(data);
        schedule();
      })
      .catch(function (err) {
        problem(
          'Could not load /ops/data: ' +
            (err && err.name === 'TimeoutError' ? 'no answer in ' + FETCH_TIMEOUT_MS / 1000 + ' s' : err.message) +
            '. Retrying.',
        );
        schedule();
      });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('login').addEventListener('submit', function (e) {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
      $('token').value = '';
      load();
    });
    $('pause').addEventListener('click', function () {
      paused = !paused;
      $('pause').textContent = paused ? 'Resume' : 'Pause';
      if (paused) clearTimeout(timer);
      else load();
    });
    $('forget').addEventListener('click', function () {
      sessionStorage.removeItem(TOKEN_KEY);
      clearTimeout(timer);
      showLogin('');
    });
    load();
  });
})();
