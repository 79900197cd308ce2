// Resonant report page: reads the inline JSON (script#resonant-data) and draws an analysis, a
// session or a history report with ResonantCharts. Every number shown in a table carries its
// JSON path and exact value (data-key, data-value) so tests can compare it with the CLI's JSON.
'use strict';

(function () {
  var C = ResonantCharts;
  var started = performance.now();
  var data = JSON.parse(document.getElementById('resonant-data').textContent);
  var main = document.getElementById('resonant-report');
  var charts = [];

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'class') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function add(parent, tag, attrs, children) { var e = el(tag, attrs, children); parent.appendChild(e); return e; }

  function path(obj, key) {
    return key.split('.').reduce(function (o, k) { return o == null ? undefined : o[k]; }, obj);
  }
  function fixed(v, decimals) { return (v === null || v === undefined) ? '-' : Number(v).toFixed(decimals); }

  // A chart in its own box: name (data-chart) for the tests, a caption under it.
  function chart(parent, name, title, caption, draw, cls) {
    var box = add(parent, 'section', { class: 'chart-box' });
    add(box, 'h3', { text: title });
    var div = add(box, 'div', { class: 'chart ' + (cls || ''), 'data-chart': name });
    if (caption) add(box, 'p', { class: 'caption', text: caption });
    try {
      var t0 = performance.now();
      charts.push(draw(div));
      div.setAttribute('data-ms', (performance.now() - t0).toFixed(1));
    } catch (e) {
      console.error('chart ' + name + ': ' + (e && e.stack || e));
    }
    return div;
  }

  // A table of numbers: rows [label, [key, decimals]..., unit]; values from `source` by key.
  function numbers(parent, caption, head, rowsSpec, source, prefix) {
    var t = add(parent, 'table', { class: 'numbers', 'data-numbers': caption });
    add(t, 'caption', { text: caption });
    if (head) add(t, 'tr', null, head.map(function (h) { return el('th', { text: h }); }));
    rowsSpec.forEach(function (r) {
      var tr = add(t, 'tr');
      add(tr, 'td', { text: r[0] });
      for (var i = 1; i < r.length - 1; i++) {
        var key = r[i][0];
        var v = path(source, key);
        if (r[i][2]) {  // a value derived from the JSON one (shown as the CLI table shows it)
          add(tr, 'td', { text: fixed(finite(v) ? r[i][2](v) : null, r[i][1]), 'data-derived-from': (prefix || '') + key });
          continue;
        }
        var td = add(tr, 'td', { text: fixed(v, r[i][1]) });
        td.setAttribute('data-key', (prefix || '') + key);
        td.setAttribute('data-value', JSON.stringify(v === undefined ? null : v));
      }
      add(tr, 'td', { text: r[r.length - 1] });
    });
    return t;
  }

  // Nested settings as one table of dotted names.
  function settings(parent, title, obj) {
    var d = add(parent, 'details');
    add(d, 'summary', { text: title });
    var t = add(d, 'table', { class: 'settings' });
    (function walk(o, prefix) {
      Object.keys(o).forEach(function (k) {
        var v = o[k];
        var name = prefix ? prefix + '.' + k : k;
        if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, name);
        else add(t, 'tr', null, [el('td', { text: name }), el('td', { text: Array.isArray(v) ? JSON.stringify(v) : String(v) })]);
      });
    })(obj, '');
    return d;
  }

  function warnings(parent, list) {
    if (!list || !list.length) return;
    var ul = add(parent, 'ul', { class: 'warnings' });
    list.forEach(function (w) { add(ul, 'li', { text: w }); });
  }

  function finite(v) { return v !== null && v !== undefined && isFinite(v); }

  // ---------------------------------------------------------------------------------------
  function analysisReport(d) {
    var a = d.analysis, input = a.input;
    add(main, 'h1', { text: 'HRV analysis' });
    add(main, 'p', { class: 'meta', text: input.path + ' · ' + input.kind + ' · ' + input.n_beats + ' beats · ' +
      C.clock(input.duration_s) + ' (' + (input.duration_s / 60).toFixed(1) + ' min) · profile ' + a.profile });
    if (input.decided_by) add(main, 'p', { class: 'meta', text: 'read as: ' + input.decided_by });
    var art = a.artefacts;
    add(main, 'p', { class: 'meta', text: 'artefacts (' + art.method + '): ' + art.ectopic + ' ectopic, ' + art.missed +
      ' missed, ' + art.extra + ' extra, ' + art['long'] + ' long, ' + art['short'] + ' short, ' + art.range_gate_removed +
      ' out of range; ' + fixed(art.corrected_pct, 2) + ' % of intervals corrected' });
    settings(main, 'Input and every setting', { input: input, profile: a.profile, parameters: a.parameters });
    warnings(main, a.warnings);

    var grid = add(main, 'div', { class: 'grid' });
    var left = add(grid, 'div');
    var right = add(grid, 'div');

    var tg = d.tachogram;
    var t = tg.t.slice(), rr = tg.rr.slice();
    var corrected = new Array(t.length).fill(null);
    tg.corrected.forEach(function (i) { corrected[i] = rr[i]; });
    var regions = [];
    // A gap: nothing is drawn across it, and it is shaded from the last beat before it to the
    // start of the first interval after it.
    var gapStart = new Set(tg.gaps);
    var T = [], R = [], K = [], X = [];
    for (var i = 0; i < t.length; i++) {
      if (gapStart.has(i) && i > 0) {
        var from = t[i - 1], to = Math.max(from, t[i] - rr[i] / 1000);
        regions.push([from, to, C.palette.gap]);
        T.push((from + to) / 2); R.push(null); K.push(null); X.push(null);
      }
      T.push(t[i]); R.push(rr[i]); K.push(corrected[i]); X.push(null);
    }
    // Excluded intervals (range gate) merged in time order.
    var ex = d.excluded;
    if (ex.t.length) {
      var merged = [];
      for (var j = 0; j < T.length; j++) merged.push([T[j], R[j], K[j], null]);
      for (var e = 0; e < ex.t.length; e++) {
        var v = ex.rr[e];
        merged.push([ex.t[e], null, null, finite(v) ? Math.min(Math.max(v, 200), 3000) : null]);
      }
      merged.sort(function (p, q) { return p[0] - q[0]; });
      T = merged.map(function (m) { return m[0]; }); R = merged.map(function (m) { return m[1]; });
      K = merged.map(function (m) { return m[2]; }); X = merged.map(function (m) { return m[3]; });
    }
    chart(left, 'tachogram', 'Tachogram', 'Analysed RR intervals; orange: made or changed by the artefact correction (' +
      tg.corrected.length + '), red: removed by the range gate (' + ex.t.length + ', clipped to 200–3000 ms), shaded: gaps (' +
      tg.gaps.length + '). Drag to zoom, double-click to reset; the strip below pans.', function (div) {
      return C.timeSeries(div, T, [
        { name: 'RR (ms)', values: R, color: C.palette.rr },
        { name: 'corrected', values: K, color: C.palette.corrected, points: true, pointSize: 3 },
        { name: 'excluded', values: X, color: C.palette.excluded, points: true, pointSize: 3 }
      ], { ylabel: 'RR (ms)', regions: regions, rangeSelector: true });
    }, 'tall');

    chart(left, 'heart_rate', 'Heart rate', 'Instantaneous heart rate (60 000 / RR) and the engine\'s 5-beat mean.',
      function (div) {
        var m = d.metrics;
        var merged = [];
        for (var i = 0; i < T.length; i++) merged.push([T[i], finite(R[i]) ? 60000 / R[i] : null, null]);
        for (var k = 0; k < m.t.length; k++) merged.push([m.t[k], null, m.hr_bpm[k]]);
        merged.sort(function (p, q) { return p[0] - q[0]; });
        return new Dygraph(div, merged, {
          labels: ['time', 'HR (bpm)', 'HR 5-beat mean'], colors: [C.palette.hr, '#444'], connectSeparatedPoints: false,
          axes: { x: C.timeAxis }, ylabel: 'bpm', legend: 'always', strokeWidth: 1,
          series: { 'HR 5-beat mean': { strokeWidth: 1.5 } }, underlayCallback: C.shade(regions)
        });
      });

    if (d.signal) {
      var s = d.signal;
      chart(left, 'signal', 'Signal (' + s.kind + ') with the detected beats',
        s.samples + ' samples at ' + s.rate_hz + ' Hz' + (s.bucket > 1 ? ', shown as the minimum and maximum of every ' +
        s.bucket + ' samples' : ', every sample') + '; dots: ' + s.beats_t.length + ' detected beats. Drag to zoom.',
        function (div) {
          var merged = [];
          for (var i = 0; i < s.t.length; i++) merged.push([s.t[i], s.v[i], null]);
          for (var k = 0; k < s.beats_t.length; k++) merged.push([s.beats_t[k], null, s.beats_v[k]]);
          merged.sort(function (p, q) { return p[0] - q[0]; });
          return new Dygraph(div, merged, {
            labels: ['time', 'signal' + (s.units ? ' (' + s.units + ')' : ''), 'beats'], colors: ['#333', C.palette.excluded],
            axes: { x: C.timeAxis }, legend: 'always', strokeWidth: 0.8, connectSeparatedPoints: true,
            series: { beats: { strokeWidth: 0, drawPoints: true, pointSize: 3 } }, showRangeSelector: true,
            dateWindow: [s.t[0], Math.min(s.t[s.t.length - 1], s.t[0] + 20)]
          });
        }, 'tall');
    }

    var sp = d.spectra, curves = [];
    if (sp.welch.f.length) curves.push({ name: 'Welch', f: sp.welch.f, psd: sp.welch.psd, color: C.palette.welch });
    if (sp.ar.f.length) curves.push({ name: 'AR', f: sp.ar.f, psd: sp.ar.psd, color: C.palette.ar });
    if (sp.lomb.f.length) curves.push({ name: 'Lomb-Scargle', f: sp.lomb.f, psd: sp.lomb.psd, color: C.palette.lomb });
    if (curves.length) {
      chart(left, 'psd', 'Power spectral density', 'Shaded: VLF ' + d.bands.vlf.join('–') + ' Hz, LF ' +
        d.bands.lf.join('–') + ' Hz, HF ' + d.bands.hf.join('–') + ' Hz.', function (div) {
        return C.spectrum(div, curves, d.bands, 0.5);
      }, 'tall');
    } else {
      add(left, 'p', { class: 'caption', text: 'No spectrum: see the warnings.' });
    }

    var pair = add(left, 'div', { class: 'pair' });
    var beatsRR = tg.detrended_rr || tg.rr;
    chart(pair, 'poincare', 'Poincaré plot', 'Ellipse: SD1 ' + fixed(a.nonlinear.sd1_ms, 2) + ' ms across, SD2 ' +
      fixed(a.nonlinear.sd2_ms, 2) + ' ms along the identity line' + (tg.detrended_rr ? ' (detrended intervals, as measured)' : '') + '.',
      function (div) { return C.poincare(div, beatsRR, tg.gaps, a.nonlinear.sd1_ms, a.nonlinear.sd2_ms); }, 'square');
    chart(pair, 'histogram', 'RR histogram', 'Bins of ' + fixed(d.triangle ? d.triangle.bin_ms : 7.8125, 4) +
      ' ms; red: the TINN triangle (' + fixed(a.time_domain.tinn_ms, 1) + ' ms).', function (div) {
      return C.histogram(div, beatsRR, d.triangle ? d.triangle.bin_ms : 1000 / 128, d.triangle);
    }, 'square');

    var m = d.metrics;
    add(left, 'h2', { text: 'Over time (streaming engine)' });
    add(left, 'p', { class: 'caption', text: 'The metric stream of `resonant replay` on the same intervals, one row every ' +
      m.step_s.toFixed(1) + ' s.' });
    chart(left, 'rolling_rmssd', 'Rolling RMSSD', '30 s and 60 s windows.', function (div) {
      return C.timeSeries(div, m.t, [{ name: 'RMSSD 30 s', values: m.rmssd_30s_ms, color: '#2d5b9a' },
        { name: 'RMSSD 60 s', values: m.rmssd_60s_ms, color: '#1b8a5a' }], { ylabel: 'ms' });
    });
    chart(left, 'rolling_lf_hf', 'LF/HF', '180 s window every 5 s.', function (div) {
      return C.timeSeries(div, m.t, [{ name: 'LF/HF', values: m.lf_hf, color: '#8a5bb8' }], {});
    });
    chart(left, 'rolling_coherence', 'Coherence', '64 s window every 5 s.', function (div) {
      return C.timeSeries(div, m.t, [{ name: 'coherence', values: m.coherence, color: '#e08a00' }], {});
    });
    chart(left, 'rolling_rsa', 'RSA', 'Peak-to-trough heart-rate swing per breath cycle.', function (div) {
      return C.timeSeries(div, m.t, [{ name: 'RSA (bpm)', values: m.rsa_bpm, color: C.palette.hr, step: true }], { ylabel: 'bpm' });
    });

    analysisNumbers(right, a);
  }

  // The numbers of `analyze --format table`, in its order and decimals.
  function analysisNumbers(parent, a) {
    var pr = a.parameters.time_domain;
    var beats = pr.hr_min_max_average_beats, xx = pr.nnxx_ms;
    numbers(parent, 'Results overview', null, [
      ['PNS index', ['indices.pns_index', 4], ''], ['SNS index', ['indices.sns_index', 4], ''],
      ['Stress index', ['indices.stress_index', 4], '']], a);
    numbers(parent, 'Time domain', null, [
      ['Mean RR', ['time_domain.mean_nn_ms', 4], 'ms'], ['STD RR (SDNN)', ['time_domain.sdnn_ms', 4], 'ms'],
      ['Mean HR', ['time_domain.mean_hr_bpm', 4], 'bpm'], ['STD HR', ['time_domain.std_hr_bpm', 4], 'bpm'],
      ['Min HR (' + beats + '-beat avg)', ['time_domain.min_hr_bpm', 4], 'bpm'],
      ['Max HR (' + beats + '-beat avg)', ['time_domain.max_hr_bpm', 4], 'bpm'],
      ['RMSSD', ['time_domain.rmssd_ms', 4], 'ms'], ['NN' + xx, ['time_domain.nnxx', 0], 'beats'],
      ['pNN' + xx, ['time_domain.pnnxx_pct', 4], '%'], ['pNN50', ['time_domain.pnn50_pct', 2], '%'],
      ['pNN20', ['time_domain.pnn20_pct', 2], '%'], ['SDSD', ['time_domain.sdsd_ms', 4], 'ms'],
      ['CVNN', ['time_domain.cvnn', 4], ''], ['SDANN', ['time_domain.sdann_ms', 4], 'ms'],
      ['SDNN index', ['time_domain.sdnni_ms', 4], 'ms'], ['RR triangular index', ['time_domain.hti', 6], ''],
      ['TINN', ['time_domain.tinn_ms', 4], 'ms']], a);
    var f = function (label, key, dec, unit) {
      return [label, ['frequency_domain.' + key, dec], ['frequency_domain.ar.' + key, dec], ['frequency_domain.lomb.' + key, dec], unit];
    };
    numbers(parent, 'Frequency domain', ['', 'FFT', 'AR', 'Lomb', ''], [
      f('VLF peak', 'vlf_peak_hz', 6, 'Hz'), f('LF peak', 'lf_peak_hz', 6, 'Hz'), f('HF peak', 'hf_peak_hz', 6, 'Hz'),
      f('VLF', 'vlf_ms2', 4, 'ms²'), f('LF', 'lf_ms2', 4, 'ms²'), f('HF', 'hf_ms2', 4, 'ms²'),
      f('VLF (log)', 'vlf_log', 4, ''), f('LF (log)', 'lf_log', 4, ''), f('HF (log)', 'hf_log', 4, ''),
      f('VLF', 'vlf_pct', 4, '%'), f('LF', 'lf_pct', 4, '%'), f('HF', 'hf_pct', 4, '%'),
      f('LF', 'lf_nu', 4, 'n.u.'), f('HF', 'hf_nu', 4, 'n.u.'), f('Total power', 'total_ms2', 4, 'ms²'),
      f('LF/HF', 'lf_hf', 4, '')], a);
    numbers(parent, 'Nonlinear', null, [
      ['SD1', ['nonlinear.sd1_ms', 6], 'ms'], ['SD2', ['nonlinear.sd2_ms', 6], 'ms'],
      ['SD2/SD1', ['nonlinear.sd1_sd2', 6, function (x) { return 1 / x; }], ''], ['Approximate entropy', ['nonlinear.apen', 4], ''],
      ['Sample entropy', ['nonlinear.sampen', 4], ''], ['DFA alpha1', ['nonlinear.dfa_alpha1', 4], ''],
      ['DFA alpha2', ['nonlinear.dfa_alpha2', 4], '']], a);
  }

  // ---------------------------------------------------------------------------------------
  function phaseRows(prefix) {
    var p = function (label, key, dec, unit) {
      return [label, [prefix + 'baseline.' + key, dec], [prefix + 'paced.' + key, dec], [prefix + 'after.' + key, dec], unit];
    };
    return [p('Duration', 'duration_s', 0, 's'), p('Coverage', 'coverage_pct', 1, '%'), p('Mean HR', 'mean_hr_bpm', 1, 'bpm'),
      p('RMSSD', 'rmssd_ms', 1, 'ms'), p('RSA', 'rsa_bpm', 2, 'bpm'), p('Coherence', 'coherence', 2, ''),
      p('LF/HF', 'lf_hf', 2, '')];
  }

  function sessionReport(d) {
    var h = d.header, sum = d.summary, ev = d.events;
    add(main, 'h1', { text: 'Session report' });
    add(main, 'p', { class: 'meta', text: h.started_utc + ' · ' + h.device + ' · input ' + h.input.kind + ' · ' +
      C.clock(d.end_s) + ' of data · record ' + d.record });
    settings(main, 'Record header and every engine parameter', h);
    add(main, 'pre', { class: 'summary-lines', text: (sum.lines || []).join('\n') });

    // Phases and pacer from the events.
    var phases = [], pacer = [], signal = [];
    ev.forEach(function (e) {
      if (e.type === 'phase') phases.push(e);
      if (e.type === 'pacer') pacer.push({ t: e.t, rate: parseFloat(e.detail.replace(/^rate /, '')) });
      if (e.type === 'signal') signal.push(e);
    });
    var phaseColour = { settle: 'rgba(150,150,150,0.12)', baseline: 'rgba(45,91,154,0.08)', paced: 'rgba(27,138,90,0.10)',
      after: 'rgba(224,138,0,0.10)', paused: 'rgba(0,0,0,0.15)' };
    var phaseRegions = [];
    phases.forEach(function (p, i) {
      var end = i + 1 < phases.length ? phases[i + 1].t : d.end_s;
      if (phaseColour[p.detail]) phaseRegions.push([p.t, end, phaseColour[p.detail], p.detail]);
    });
    // Breath cycles of the pacer: its phase runs continuously from the first rate event through
    // rate changes, over the paced phase; inhale shaded.
    var inhale = (h.parameters.pacer && h.parameters.pacer.inhale_fraction) || 0.4;
    var pacedEnd = d.end_s;
    phases.forEach(function (p) { if ((p.detail === 'after' || p.detail === 'done') && pacer.length && p.t > pacer[0].t) pacedEnd = Math.min(pacedEnd, p.t); });
    var cycles = [];
    if (pacer.length) {
      var t = pacer[0].t, k = 0;
      while (t < pacedEnd && cycles.length < 5000) {
        while (k + 1 < pacer.length && pacer[k + 1].t <= t) k++;
        var period = 60 / pacer[k].rate;
        cycles.push([t, Math.min(pacedEnd, t + inhale * period), C.palette.inhale]);
        t += period;
      }
    }
    var legend = add(main, 'p', { class: 'caption' });
    Object.keys(phaseColour).forEach(function (k) {
      add(legend, 'span', { class: 'legend-key', style: 'background:' + phaseColour[k] });
      legend.appendChild(document.createTextNode(k));
    });

    var grid = add(main, 'div', { class: 'grid' });
    var left = add(grid, 'div');
    var right = add(grid, 'div');
    var m = d.metrics, b = d.beats;
    chart(left, 'heart_rate', 'Heart rate with the breath cycles', 'Beat-to-beat heart rate; shaded blue bands: the pacer\'s inhale (' +
      cycles.length + ' breath cycles at ' + pacer.map(function (p) { return p.rate; }).join(' → ') + '/min); background: phases.',
      function (div) {
        return C.timeSeries(div, b.t, [{ name: 'HR (bpm)', values: b.hr_bpm, color: C.palette.hr }],
          { ylabel: 'bpm', regions: phaseRegions.concat(cycles) });
      }, 'tall');
    chart(left, 'pacer_rate', 'Pacer rate', 'Breaths per minute of the pacer, and the breathing rate the heart rhythm shows.',
      function (div) {
        var merged = [];
        pacer.forEach(function (p) { merged.push([p.t, p.rate, null]); });
        if (pacer.length) merged.push([pacedEnd, pacer[pacer.length - 1].rate, null]);
        for (var i = 0; i < m.t.length; i++) merged.push([m.t[i], null, m.breathing_rate_bpm[i]]);
        merged.sort(function (p, q) { return p[0] - q[0]; });
        return new Dygraph(div, merged.length ? merged : [[0, null, null]], {
          labels: ['time', 'pacer (/min)', 'breathing from HR (/min)'], colors: ['#1b8a5a', '#888'], axes: { x: C.timeAxis },
          legend: 'always', connectSeparatedPoints: true, series: { 'pacer (/min)': { stepPlot: true, strokeWidth: 2 } },
          underlayCallback: C.shade(phaseRegions), ylabel: '/min'
        });
      });
    chart(left, 'rsa', 'RSA per breath', 'Peak-to-trough heart-rate swing of the last breath cycles.', function (div) {
      return C.timeSeries(div, m.t, [{ name: 'RSA (bpm)', values: m.rsa_bpm, color: C.palette.hr, step: true }],
        { ylabel: 'bpm', regions: phaseRegions });
    });
    chart(left, 'coherence', 'Coherence', '64 s window every 5 s.', function (div) {
      return C.timeSeries(div, m.t, [{ name: 'coherence', values: m.coherence, color: '#e08a00' }], { regions: phaseRegions });
    });
    var lossRegions = [];
    signal.forEach(function (e, i) {
      if (e.detail.indexOf('lost') === 0) {
        var found = signal.slice(i + 1).find(function (f) { return f.detail.indexOf('found') === 0; });
        lossRegions.push([e.t, found ? found.t : d.end_s, 'rgba(192,24,42,0.15)']);
      }
    });
    chart(left, 'coverage', 'Signal coverage and losses', 'Share of the last 60 s without a valid interval and share corrected; red: signal lost (' +
      lossRegions.length + ').', function (div) {
      return C.timeSeries(div, m.t, [{ name: 'missing %', values: m.missing_pct, color: C.palette.excluded },
        { name: 'corrected %', values: m.corrected_pct, color: C.palette.corrected }], { ylabel: '%', regions: lossRegions });
    });

    numbers(right, 'Summary by phase', ['', 'baseline', 'paced', 'after', ''], phaseRows(''), sum, 'summary.');
    numbers(right, 'Whole session', null, [['Coverage', ['coverage_pct', 1], '%'], ['Signal losses', ['signal_losses', 0], ''],
      ['Stream time', ['session_s', 0], 's']], sum, 'summary.');
    add(right, 'p', { text: 'Verdict: ' + sum.verdict + '; recovery: ' + sum.recovery.verdict });
    var et = add(right, 'table', { class: 'numbers' });
    add(et, 'caption', { text: 'Events' });
    ev.forEach(function (e) { add(et, 'tr', null, [el('td', { text: C.clock(e.t) }), el('td', { text: e.type + ' ' + e.detail })]); });
  }

  // ---------------------------------------------------------------------------------------
  function historyReport(d) {
    var h = d.history, sessions = h.sessions;
    add(main, 'h1', { text: 'Session history' });
    add(main, 'p', { class: 'meta', text: sessions.length + ' sessions' + (finite(h.resonance_rate_bpm) ?
      ' · resonance rate ' + h.resonance_rate_bpm + '/min' : '') });
    if (!sessions.length) { add(main, 'p', { text: 'No sessions yet.' }); return; }
    var when = sessions.map(function (s) { return new Date(s.started_utc).getTime() / 1000; });
    var order = when.map(function (_, i) { return i; }).sort(function (i, j) { return when[i] - when[j]; });
    var marks = order.map(function (i) { return [when[i], when[i], 'rgba(0,0,0,0.25)']; });
    // Dates on the axis; with the time of day when the sessions span less than two days.
    var span = Math.max.apply(null, when) - Math.min.apply(null, when);
    var dateAxis = {
      valueFormatter: function (x) { return new Date(x * 1000).toISOString().replace('T', ' ').slice(0, 19); },
      axisLabelFormatter: function (x) {
        var iso = new Date(x * 1000).toISOString();
        return span < 2 * 86400 ? iso.slice(5, 10) + ' ' + iso.slice(11, 19) : iso.slice(5, 10);
      }
    };
    var metrics = [['mean_hr_bpm', 'Mean heart rate', 'bpm'], ['rmssd_ms', 'RMSSD', 'ms'], ['rsa_bpm', 'RSA', 'bpm'],
      ['coherence', 'Coherence', ''], ['lf_hf', 'LF/HF', '']];
    var grid = add(main, 'div', { class: 'grid wide' });
    metrics.forEach(function (mt) {
      chart(grid, 'history_' + mt[0], mt[1] + ' before / during / after', 'Each point a session (vertical lines); baseline before ' +
        'pacing, paced, and the rest after.', function (div) {
        var rowsData = order.map(function (i) {
          var s = sessions[i];
          var v = function (p) { var x = s[p] && s[p][mt[0]]; return finite(x) ? x : null; };
          return [when[i], v('baseline'), v('paced'), v('after')];
        });
        return new Dygraph(div, rowsData, {
          labels: ['date', 'baseline', 'paced', 'after'], colors: ['#2d5b9a', '#1b8a5a', '#e08a00'], drawPoints: true, pointSize: 3,
          axes: { x: dateAxis }, legend: 'always', ylabel: mt[2], connectSeparatedPoints: true,
          underlayCallback: C.shade(marks), xRangePad: 12
        });
      });
    });
    var t = add(main, 'table', { class: 'numbers', 'data-numbers': 'Sessions' });
    add(t, 'caption', { text: 'Sessions' });
    add(t, 'tr', null, ['started (UTC)', 'kind', 'rate', 'verdict', 'HR before', 'HR paced', 'RMSSD before', 'RMSSD paced',
      'RSA before', 'RSA paced', 'coherence paced'].map(function (x) { return el('th', { text: x }); }));
    sessions.forEach(function (s, i) {
      var tr = add(t, 'tr');
      add(tr, 'td', { text: s.started_utc });
      add(tr, 'td', { text: s.kind });
      add(tr, 'td', { text: fixed(s.rate_bpm, 1) });
      add(tr, 'td', { text: s.verdict });
      [['baseline', 'mean_hr_bpm', 1], ['paced', 'mean_hr_bpm', 1], ['baseline', 'rmssd_ms', 1], ['paced', 'rmssd_ms', 1],
        ['baseline', 'rsa_bpm', 2], ['paced', 'rsa_bpm', 2], ['paced', 'coherence', 2]].forEach(function (c) {
        var v = s[c[0]][c[1]];
        var td = add(tr, 'td', { text: fixed(v, c[2]) });
        td.setAttribute('data-key', 'sessions.' + i + '.' + c[0] + '.' + c[1]);
        td.setAttribute('data-value', JSON.stringify(v === undefined ? null : v));
      });
    });
  }

  var kinds = { analysis: analysisReport, session: sessionReport, history: historyReport };
  try {
    document.title = data.title;
    kinds[data.report](data);
  } catch (e) {
    console.error('report: ' + (e && e.stack || e));
  }
  main.setAttribute('data-charts', Array.prototype.map.call(document.querySelectorAll('[data-chart]'), function (c) {
    return c.getAttribute('data-chart');
  }).join(' '));
  main.setAttribute('data-render-ms', (performance.now() - started).toFixed(1));
  main.setAttribute('data-ready', '1');
  // First paint, when the browser reports it (after the next frames).
  requestAnimationFrame(function () {
    requestAnimationFrame(function () {
      var paint = performance.getEntriesByType('paint');
      paint.forEach(function (p) { main.setAttribute('data-' + p.name, p.startTime.toFixed(1)); });
      main.setAttribute('data-painted', (performance.now()).toFixed(1));
    });
  });
})();
