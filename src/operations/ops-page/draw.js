// The /ops dashboard's drawing helpers: elements, numbers and the request-rate chart.
// Loaded before app.js (the page's script is both files, in this order); every value
// from the server is written with textContent, never as HTML.
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      e.setAttribute(k, String(attrs[k]));
    });
    return e;
  }

  function ms(v) {
    if (v === null || v === undefined) return '–';
    if (v >= 1000) return (v / 1000).toFixed(v >= 10000 ? 0 : 1) + ' s';
    return (v >= 100 ? Math.round(v) : v.toFixed(1)) + ' ms';
  }

  function pct(v) {
    return (v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0) + ' %';
  }

  function bytes(v) {
    if (v === undefined) return '–';
    return (v / 1048576).toFixed(0) + ' MiB';
  }

  function duration(s) {
    if (s < 60) return Math.round(s) + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }

  function clock(t) {
    return new Date(t).toLocaleTimeString([], { hour12: false });
  }

  function pill(state, text) {
    var p = el('span', 'pill', text || state);
    p.setAttribute('data-state', state);
    return p;
  }

  // ---------------------------------------------------------------- chart

  function chart(d, bucketSeconds) {
    var W = 320;
    var H = 90;
    var PAD_TOP = 12;
    var PAD_BOTTOM = 14;
    var series = d.series;
    var n = series.length;
    var top = 0;
    series.forEach(function (p) {
      if (p.p99Ms !== null && p.p99Ms > top) top = p.p99Ms;
    });
    // Round the scale up to 1, 2 or 5 × a power of ten, so the axis label reads easily.
    var scale = 1;
    if (top > 0) {
      var pow = Math.pow(10, Math.floor(Math.log10(top)));
      scale = [1, 2, 5, 10]
        .map(function (m) {
          return m * pow;
        })
        .filter(function (v) {
          return v >= top;
        })[0];
    }
    var plotH = H - PAD_TOP - PAD_BOTTOM;
    var x = function (i) {
      return (i + 0.5) * (W / n);
    };
    var y = function (v) {
      return PAD_TOP + plotH - (v / scale) * plotH;
    };

    var s = svg('svg', {
      viewBox: '0 0 ' + W + ' ' + H,
      class: 'chart',
      role: 'img',
      'aria-label': d.name + ' latency, last ' + Math.round((n * bucketSeconds) / 60) + ' minutes',
    });
    s.appendChild(svg('line', { x1: 0, x2: W, y1: PAD_TOP, y2: PAD_TOP, class: 'grid' }));
    s.appendChild(svg('line', { x1: 0, x2: W, y1: PAD_TOP + plotH, y2: PAD_TOP + plotH, class: 'axis' }));

    // Failed calls: a red bar per bucket, its height the share of calls that failed.
    series.forEach(function (p, i) {
      if (!p.failures) return;
      var h = Math.max(2, (p.failures / p.calls) * plotH);
      s.appendChild(
        svg('rect', { x: x(i) - W / n / 2 + 1, y: PAD_TOP + plotH - h, width: Math.max(1, W / n - 2), height: h, class: 'fail' }),
      );
    });

    ['p50Ms', 'p99Ms'].forEach(function (key) {
      var pts = [];
      series.forEach(function (p, i) {
        if (p[key] !== null) pts.push(x(i).toFixed(1) + ',' + y(p[key]).toFixed(1));
      });
      if (pts.length === 1) {
        var only = pts[0].split(',');
        s.appendChild(svg('circle', { cx: only[0], cy: only[1], r: 2, class: key === 'p99Ms' ? 'dot p99' : 'dot p50' }));
      } else if (pts.length > 1) {
        s.appendChild(svg('polyline', { points: pts.join(' '), class: key === 'p99Ms' ? 'line p99' : 'line p50' }));
      }
    });

    var label = svg('text', { x: 2, y: 10, class: 'label' });
    label.textContent = top > 0 ? ms(scale) : 'no calls';
    s.appendChild(label);
    var left = svg('text', { x: 2, y: H - 2, class: 'label' });
    left.textContent = '−' + Math.round((n * bucketSeconds) / 60) + ' min';
    s.appendChild(left);
    var right = svg('text', { x: W - 2, y: H - 2, class: 'label end' });
    right.textContent = 'now';
    s.appendChild(right);
    return s;
  }

  // ---------------------------------------------------------------- sections

  window.opsDraw = { $: $, el: el, svg: svg, ms: ms, pct: pct, bytes: bytes, duration: duration, clock: clock, pill: pill, chart: chart };
})();
