// Resonant chart helpers over Dygraph (Debian libjs-dygraphs), shared by the report page and
// the live page. Each helper takes a container element and plain arrays, builds one Dygraph and
// returns it. Times are seconds from the start of the recording; axes show h:mm:ss.
'use strict';

var ResonantCharts = (function () {
  var palette = {
    rr: '#2d5b9a', corrected: '#e08a00', excluded: '#c0182a', gap: 'rgba(192, 24, 42, 0.10)',
    hr: '#b8326a', welch: '#2d5b9a', ar: '#1b8a5a', lomb: '#8a5bb8',
    vlf: 'rgba(150, 150, 150, 0.15)', lf: 'rgba(45, 91, 154, 0.12)', hf: 'rgba(27, 138, 90, 0.12)',
    inhale: 'rgba(45, 91, 154, 0.10)', phase: 'rgba(224, 138, 0, 0.10)'
  };

  function clock(seconds) {
    if (!isFinite(seconds)) return '';
    var sign = seconds < 0 ? '-' : '';
    var s = Math.abs(seconds);
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var rest = s - 3600 * h - 60 * m;
    var sec = rest < 10 ? '0' + rest.toFixed(rest % 1 ? 1 : 0) : rest.toFixed(rest % 1 ? 1 : 0);
    return sign + (h > 0 ? h + ':' + (m < 10 ? '0' : '') + m : String(m)) + ':' + sec;
  }

  var timeAxis = {
    valueFormatter: function (x) { return clock(x); },
    axisLabelFormatter: function (x) { return clock(x); }
  };

  // Columns (arrays of equal length, the first the x values, ascending) into Dygraph rows.
  function rows(columns) {
    var n = columns[0].length;
    var out = new Array(n);
    for (var i = 0; i < n; i++) {
      var row = new Array(columns.length);
      for (var c = 0; c < columns.length; c++) {
        var v = columns[c][i];
        row[c] = v === undefined ? null : v;
      }
      out[i] = row;
    }
    return out;
  }

  // Shaded x intervals [[x0, x1, colour], ...] drawn under the data.
  function shade(regions) {
    return function (ctx, area, g) {
      for (var i = 0; i < regions.length; i++) {
        var r = regions[i];
        var left = g.toDomXCoord(r[0]);
        var right = g.toDomXCoord(r[1]);
        ctx.fillStyle = r[2];
        ctx.fillRect(left, area.y, Math.max(1, right - left), area.h);
      }
    };
  }

  function base(options) {
    var o = {
      legend: 'always', labelsSeparateLines: false, animatedZooms: false, connectSeparatedPoints: false,
      gridLineColor: '#e3e7ee', axisLabelFontSize: 12, strokeWidth: 1.2, labelsKMB: false
    };
    for (var k in options) o[k] = options[k];
    return o;
  }

  // One or more series over time. series: [{name, values, color, points}], regions: shading.
  function timeSeries(el, t, series, options) {
    options = options || {};
    var columns = [t];
    var labels = [options.xlabel || 'time'];
    var per = {};
    var colors = [];
    series.forEach(function (s) {
      columns.push(s.values);
      labels.push(s.name);
      colors.push(s.color || '#2d5b9a');
      per[s.name] = s.points ? { strokeWidth: 0, drawPoints: true, pointSize: s.pointSize || 2.5 }
                             : (s.step ? { stepPlot: true } : {});
    });
    return new Dygraph(el, rows(columns), base({
      labels: labels, colors: colors, series: per, ylabel: options.ylabel || '',
      axes: { x: timeAxis }, showRangeSelector: !!options.rangeSelector, rangeSelectorHeight: 30,
      underlayCallback: options.regions ? shade(options.regions) : undefined,
      valueRange: options.valueRange, labelsDiv: options.labelsDiv
    }));
  }

  // Power spectra on a shared frequency grid or each on its own: curves [{name, f, psd, color}],
  // bands {vlf: [lo, hi], lf: [...], hf: [...]} shaded.
  function spectrum(el, curves, bands, maxHz) {
    var xs = [];
    curves.forEach(function (c) { for (var i = 0; i < c.f.length; i++) if (c.f[i] <= maxHz) xs.push(c.f[i]); });
    xs.sort(function (a, b) { return a - b; });
    var grid = [];
    for (var i = 0; i < xs.length; i++) if (i === 0 || xs[i] !== xs[i - 1]) grid.push(xs[i]);
    var index = new Map(grid.map(function (f, i) { return [f, i]; }));
    var columns = [grid];
    curves.forEach(function (c) {
      var col = new Array(grid.length).fill(null);
      for (var i = 0; i < c.f.length; i++) if (index.has(c.f[i])) col[index.get(c.f[i])] = c.psd[i];
      columns.push(col);
    });
    var regions = [];
    ['vlf', 'lf', 'hf'].forEach(function (b) { if (bands[b]) regions.push([bands[b][0], bands[b][1], palette[b]]); });
    return new Dygraph(el, rows(columns), base({
      labels: ['Hz'].concat(curves.map(function (c) { return c.name; })),
      colors: curves.map(function (c) { return c.color; }),
      connectSeparatedPoints: true, xlabel: 'frequency (Hz)', ylabel: 'PSD (ms²/Hz)',
      underlayCallback: shade(regions), dateWindow: [0, maxHz]
    }));
  }

  // Poincaré plot of successive intervals (pairs across a gap left out), with the SD1 / SD2
  // ellipse centred on the mean interval.
  function poincare(el, rr, gaps, sd1, sd2) {
    var afterGap = new Set(gaps);
    var seen = new Set();
    var pts = [];
    for (var i = 0; i + 1 < rr.length; i++) {
      if (afterGap.has(i + 1)) continue;
      var x = Math.round(rr[i] * 2) / 2;
      var y = Math.round(rr[i + 1] * 2) / 2;
      var key = x * 1e5 + y;
      if (seen.has(key)) continue;  // identical points drawn once (quantised Holter intervals)
      seen.add(key);
      pts.push([x, y]);
    }
    pts.sort(function (a, b) { return a[0] - b[0]; });
    var mean = 0;
    for (var k = 0; k < rr.length; k++) mean += rr[k];
    mean /= Math.max(1, rr.length);
    var lo = Infinity, hi = -Infinity;
    pts.forEach(function (p) { lo = Math.min(lo, p[0], p[1]); hi = Math.max(hi, p[0], p[1]); });
    var pad = (hi - lo) * 0.05 + 1;
    return new Dygraph(el, pts.length ? pts : [[0, null]], base({
      labels: ['RRn (ms)', 'RRn+1'], colors: ['rgba(45, 91, 154, 0.45)'],
      strokeWidth: 0, drawPoints: true, pointSize: 1.5, xlabel: 'RRn (ms)', ylabel: 'RRn+1 (ms)',
      dateWindow: [lo - pad, hi + pad], valueRange: [lo - pad, hi + pad],
      underlayCallback: function (ctx, area, g) {
        if (!(sd1 > 0 && sd2 > 0)) return;
        ctx.save();
        ctx.strokeStyle = '#c0182a';
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        for (var s = 0; s <= 96; s++) {
          var a = 2 * Math.PI * s / 96;
          // SD2 along the identity line, SD1 across it.
          var u = sd2 * Math.cos(a), v = sd1 * Math.sin(a);
          var px = g.toDomXCoord(mean + (u - v) / Math.SQRT2);
          var py = g.toDomYCoord(mean + (u + v) / Math.SQRT2);
          if (s === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
        }
        ctx.stroke();
        ctx.strokeStyle = 'rgba(0, 0, 0, 0.35)';
        ctx.beginPath();
        ctx.moveTo(g.toDomXCoord(lo - pad), g.toDomYCoord(lo - pad));
        ctx.lineTo(g.toDomXCoord(hi + pad), g.toDomYCoord(hi + pad));
        ctx.stroke();
        ctx.restore();
      }
    }));
  }

  // RR histogram in bins of binMs aligned to multiples of binMs (as the TINN computation),
  // with the fitted triangle (N, mode, M).
  function histogram(el, rr, binMs, triangle) {
    var counts = new Map();
    var kmin = Infinity, kmax = -Infinity;
    rr.forEach(function (v) {
      var k = Math.floor(v / binMs);
      counts.set(k, (counts.get(k) || 0) + 1);
      kmin = Math.min(kmin, k); kmax = Math.max(kmax, k);
    });
    var data = [];
    for (var k = kmin; k <= kmax + 1 && isFinite(kmin); k++) {
      data.push([k * binMs, counts.get(k) || 0, null]);
    }
    if (triangle) {
      [[triangle.n_ms, 0], [triangle.mode_ms, triangle.mode_count], [triangle.m_ms, 0]].forEach(function (p) {
        data.push([p[0], null, p[1]]);
      });
      data.sort(function (a, b) { return a[0] - b[0]; });
    }
    return new Dygraph(el, data.length ? data : [[0, 0, null]], base({
      labels: ['RR (ms)', 'intervals', 'triangle (TINN)'], colors: ['#2d5b9a', '#c0182a'],
      xlabel: 'RR (ms)', ylabel: 'count', connectSeparatedPoints: true,
      series: { intervals: { stepPlot: true, fillGraph: true, strokeWidth: 1 },
                'triangle (TINN)': { strokeWidth: 1.8 } }
    }));
  }

  return {
    palette: palette, clock: clock, timeAxis: timeAxis, rows: rows, shade: shade,
    timeSeries: timeSeries, spectrum: spectrum, poincare: poincare, histogram: histogram
  };
})();
