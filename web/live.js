// Resonant live view: reads the /stream WebSocket (one JSON object per frame, the fields of
// `--format jsonl`: metric rows, events, and pacer frames) and shows the breathing cue, the
// current values, the signal state and HR / RSA / coherence traces (dygraphs).
"use strict";
(function () {
  const keepSeconds = 300;
  const frames = { received: 0, rows: 0, last: null };
  window.resonantLive = frames;  // read by the browser tests

  const text = (id, value, decimals) => {
    document.getElementById(id).textContent =
      value === null || value === undefined ? "–" : Number(value).toFixed(decimals);
  };

  const traces = {};
  for (const name of ["hr", "rsa", "coherence"]) {
    traces[name] = {
      data: [],
      chart: new Dygraph(document.getElementById(name + "_chart"), [[0, null]], {
        labels: ["time (s)", name], drawPoints: false, legend: "never",
        connectSeparatedPoints: false, axisLabelFontSize: 11 }),
    };
  }
  const push = (name, t, value) => {
    const d = traces[name].data;
    d.push([t, value]);
    while (d.length > 0 && d[0][0] < t - keepSeconds) d.shift();
  };
  let dirty = false;
  setInterval(() => {
    if (!dirty) return;
    dirty = false;
    for (const name in traces)
      if (traces[name].data.length > 0) traces[name].chart.updateOptions({ file: traces[name].data });
  }, 250);

  const state = document.getElementById("state");
  let signalLost = false;
  const setSignal = (ok, words) => {
    state.textContent = words;
    state.className = ok ? "ok" : "lost";
  };

  // The pacer: the newest frame, advanced between frames at its rate so the animation is smooth.
  let pacer = null;
  let pacerSeenAt = 0;
  const canvas = document.getElementById("breath");
  const ctx = canvas.getContext("2d");
  const cue = document.getElementById("cue");
  const draw = (now) => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const fresh = pacer !== null && now - pacerSeenAt < 2000;
    const lung = fresh ? pacer.lung : 0;
    const r = 30 + lung * 85;
    ctx.beginPath();
    ctx.arc(canvas.width / 2, canvas.height / 2, r, 0, 2 * Math.PI);
    ctx.fillStyle = fresh ? "rgba(60, 130, 200, 0.75)" : "rgba(160, 160, 160, 0.4)";
    ctx.fill();
    cue.textContent = fresh
      ? (pacer.pacer === "inhale" ? "breathe in" : pacer.pacer === "exhale" ? "breathe out" : "hold") +
        " · " + pacer.rate_bpm.toFixed(1) + "/min"
      : "no breathing cue";
    requestAnimationFrame(draw);
  };
  requestAnimationFrame(draw);

  const handle = (f) => {
    frames.received++;
    if ("pacer" in f) {
      pacer = f;
      pacerSeenAt = performance.now();
      return;
    }
    if ("event" in f) {
      if (f.event === "signal") {
        signalLost = f.detail !== "found";
        setSignal(!signalLost, signalLost ? "signal " + f.detail : "ok");
      }
      return;
    }
    if (!("hr_bpm" in f)) return;
    frames.rows++;
    frames.last = f;
    // For the browser tests (--dump-dom): how many rows arrived and the newest one's time.
    document.body.dataset.rows = frames.rows;
    document.body.dataset.time = f.time_s;
    text("hr", f.hr_bpm, 1);
    text("rsa", f.rsa_bpm, 1);
    text("coherence", f.coherence, 2);
    text("time", f.time_s, 0);
    // The signal state: lost (an event said so) > poor (over half of the last 60 s missing) > ok.
    if (!signalLost) {
      if (f.missing_pct !== null && f.missing_pct > 50) setSignal(false, "poor");
      else if (f.beat) setSignal(true, "ok");
    }
    push("hr", f.time_s, f.hr_bpm);
    push("rsa", f.time_s, f.rsa_bpm);
    push("coherence", f.time_s, f.coherence);
    dirty = true;
  };

  const connect = () => {
    const url = "ws://" + location.host + "/stream" + location.search;
    const ws = new WebSocket(url);
    ws.onmessage = (m) => handle(JSON.parse(m.data));
    ws.onclose = () => {
      setSignal(false, "disconnected");
      setTimeout(connect, 1000);
    };
  };
  connect();
})();
