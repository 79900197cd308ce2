"""`resonant report` in a real browser (Debian's headless Chromium).

For each report kind: the page is one self-contained file (no src / href, no <link>), mode 0600;
it renders with no error (the page's error trap writes uncaught errors, rejected promises and
console.error / console.warn into <pre id="resonant-errors">, read here through --dump-dom); it
has the expected charts, each drawn (a <canvas> inside); and the numbers it shows equal the
CLI's: the embedded analysis JSON equals `analyze --format json`, every cell with a data-key
holds that JSON's value, and the analysis tables show exactly the numbers of
`analyze --format table`. A screenshot of each kind is kept in SCREENSHOTS and checked: not
blank (pixel spread), and coloured chart lines present.

Usage: report_browser_test.py --exe RESONANT --data DATA_DIR --screenshots DIR KIND
KIND: analysis | session | history
"""
import argparse
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "..", "support"))
import headless_chromium  # noqa: E402

from PIL import Image, ImageStat  # noqa: E402


class Dom(HTMLParser):
    """Elements of interest from the dumped DOM."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.errors = None
        self.main = None
        self.charts = {}          # name -> canvas count
        self.cells = []           # (data-key, data-value, text)
        self.numbers = {}         # table caption -> [[cell texts of a row]]
        self._chart = []          # open chart divs
        self._table = None
        self._row = None
        self._cell = None
        self._in_errors = False
        self.error_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append((tag, a))
        if a.get("id") == "resonant-errors":
            self._in_errors = True
        if tag == "main" and a.get("id") == "resonant-report":
            self.main = a
        if "data-chart" in a:
            self.charts[a["data-chart"]] = 0
            self._chart.append((len(self.stack), a["data-chart"]))
        if tag == "canvas" and self._chart:
            self.charts[self._chart[-1][1]] += 1
        if tag == "table" and "data-numbers" in a:
            self._table = a["data-numbers"]
            self.numbers[self._table] = []
        if tag == "tr" and self._table:
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = {"attrs": a, "text": ""}

    def handle_endtag(self, tag):
        while self.stack:
            t, a = self.stack.pop()
            if self._chart and self._chart[-1][0] > len(self.stack):
                self._chart.pop()
            if a.get("id") == "resonant-errors":
                self._in_errors = False
            if t == tag:
                break
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell["text"])
            if "data-key" in self._cell["attrs"]:
                self.cells.append((self._cell["attrs"]["data-key"],
                                   self._cell["attrs"]["data-value"], self._cell["text"]))
            self._cell = None
        if tag == "tr" and self._row is not None and self._table:
            if any(self._row):
                self.numbers[self._table].append(self._row)
            self._row = None
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._in_errors:
            self.error_text += data
        if self._cell is not None:
            self._cell["text"] += data


class Check:
    def __init__(self, kind):
        self.kind = kind
        self.failures = []
        self.count = 0

    def that(self, ok, what):
        self.count += 1
        if not ok:
            self.failures.append(what)
            print("FAIL [%s] %s" % (self.kind, what))

    def done(self):
        print("[%s] %d checks, %d failed" % (self.kind, self.count, len(self.failures)))
        return 0 if not self.failures else 1


def run(cmd, env=None, check=True):
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if check and done.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), done.returncode, done.stderr))
    return done


def embedded_data(html):
    m = re.search(r'<script type="application/json" id="resonant-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def lookup(obj, key):
    for part in key.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    return obj


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


class Tags(HTMLParser):
    """Every start tag of the file as written (before any script ran)."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def check_page_file(c, page):
    mode = stat.S_IMODE(os.stat(page).st_mode)
    c.that(mode == 0o600, "report file mode is 0600, not %o" % mode)
    with open(page, encoding="utf-8") as f:
        html = f.read()
    t = Tags()
    t.feed(html)
    fetching = [(tag, a) for tag, a in t.tags if tag == "link" or "src" in a or "href" in a]
    c.that(not fetching, "the page loads nothing from outside: %r" % fetching[:3])
    c.that("default-src 'none'" in html, "the page forbids requests (Content-Security-Policy)")
    return html


def render(c, page, expected_charts):
    dom = Dom()
    dom.feed(headless_chromium.dump_dom(page))
    c.that(dom.main is not None and dom.main.get("data-ready") == "1", "the page script finished")
    c.that(dom.error_text.strip() == "", "no error or console error/warning: %r" % dom.error_text[:500])
    for name in expected_charts:
        c.that(dom.charts.get(name, 0) > 0, "chart %s drawn (canvas present): %r" % (name, dom.charts))
    if dom.main is not None:
        print("[%s] render %s ms, painted %s ms" % (c.kind, dom.main.get("data-render-ms"),
                                                   dom.main.get("data-painted")))
    return dom


def check_screenshot(c, page, png, height):
    headless_chromium.screenshot(page, png, height=height)
    img = Image.open(png).convert("RGB")
    grey = ImageStat.Stat(img.convert("L"))
    c.that(grey.stddev[0] > 10.0, "screenshot %s is not blank (grey stddev %.1f)" % (png, grey.stddev[0]))
    # Chart lines: saturated pixels (the palette's blue, red, green, orange), not just text.
    small = img.resize((img.width // 2, img.height // 2))
    coloured = sum(1 for r, g, b in small.getdata() if max(r, g, b) - min(r, g, b) > 60)
    share = coloured / (small.width * small.height)
    c.that(share > 0.002, "screenshot %s shows coloured chart lines (%.2f %% of pixels)" % (png, 100 * share))
    print("[%s] screenshot %s %dx%d, grey stddev %.1f, coloured %.2f %%" %
          (c.kind, png, img.width, img.height, grey.stddev[0], 100 * share))


def table_numbers(text):
    """The value columns of `analyze --format table` from 'Results overview' on."""
    out = []
    started = False
    for line in text.splitlines():
        if line.startswith("Results overview"):
            started = True
        if line.startswith("Warnings"):
            break
        if not started or not line.startswith("  "):
            continue
        out.extend(tok for tok in line[27:].split() if tok == "-" or re.fullmatch(r"-?\d+(\.\d+)?", tok))
    return out


def analysis(c, args, tmp):
    rec = os.path.join(args.data, "recordings", "nsr2db_nsr001_rr_secs.txt")
    page = os.path.join(tmp, "nsr001.html")
    run([args.exe, "report", rec, "--first-is-offset", "-o", page])
    cli = json.loads(run([args.exe, "analyze", rec, "--first-is-offset", "--format", "json"]).stdout)
    table = run([args.exe, "analyze", rec, "--first-is-offset", "--format", "table"]).stdout
    html = check_page_file(c, page)
    data = embedded_data(html)
    c.that(data["analysis"] == cli, "the embedded JSON equals `analyze --format json`")
    dom = render(c, page, ["tachogram", "heart_rate", "psd", "poincare", "histogram", "rolling_rmssd",
                           "rolling_lf_hf", "rolling_coherence", "rolling_rsa"])
    keyed = [cell for cell in dom.cells]
    c.that(len(keyed) >= 70, "the page shows the report's numbers (%d cells)" % len(keyed))
    for key, value, _ in keyed:
        c.that(same(json.loads(value), lookup(cli, key)), "%s: page %s, JSON %r" % (key, value, lookup(cli, key)))
    shown = []
    for caption in ("Results overview", "Time domain", "Frequency domain", "Nonlinear"):
        for row in dom.numbers.get(caption, []):
            if row and row[0]:
                shown.extend(cell for cell in row[1:-1])
    expected = table_numbers(table)
    c.that(shown == expected, "the page's tables show the numbers of `analyze --format table` (%d vs %d): %s"
           % (len(shown), len(expected), [(a, b) for a, b in zip(shown, expected) if a != b][:5]))
    c.that(len(data["tachogram"]["t"]) == cli["input"]["n_intervals"], "the tachogram holds every analysed interval")
    check_screenshot(c, page, os.path.join(args.screenshots, "analysis-24h.png"), 3400)


def sessions(c, args, tmp):
    home = os.path.join(tmp, "home")
    env = dict(os.environ, RESONANT_HOME=home)
    for seed, rate in ((3, "6"), (4, "5.5"), (5, "6.5")):
        run([args.exe, "session", "--source", "sim:seed=%d,speed=60" % seed, "--minutes", "1.5",
             "--after", "30", "--rate", rate, "--audio", "off"], env=env)
    hist = json.loads(run([args.exe, "history", "--all", "--format", "json"], env=env).stdout)
    return env, hist


def session(c, args, tmp):
    env, hist = sessions(c, args, tmp)
    first = hist["sessions"][0]
    page = os.path.join(tmp, "session.html")
    run([args.exe, "report", first["record"], "-o", page], env=env)
    html = check_page_file(c, page)
    data = embedded_data(html)
    dom = render(c, page, ["heart_rate", "pacer_rate", "rsa", "coherence", "coverage"])
    c.that(len(dom.cells) >= 20, "the page shows the summary (%d cells)" % len(dom.cells))
    # The replayed summary is the one the live session stored in the history (to 1e-9):
    # the record keeps the times at which the live session cut its phases and ended.
    for key, value, _ in dom.cells:
        rest = key[len("summary."):]
        got = json.loads(value)
        c.that(same(got, lookup(data["summary"], rest)), "%s as embedded" % key)
        stored = lookup(first, rest)
        tolerance = 1e-9
        close = isinstance(got, float) and isinstance(stored, float) and abs(got - stored) <= tolerance
        c.that(same(got, stored) or close, "%s: replay %r, live session %r" % (key, got, stored))
    phases = [e["detail"] for e in data["events"] if e["type"] == "phase"]
    c.that(phases[:4] == ["settle", "baseline", "paced", "after"], "phases from the record: %r" % phases)
    check_screenshot(c, page, os.path.join(args.screenshots, "session.png"), 2200)


def history(c, args, tmp):
    env, hist = sessions(c, args, tmp)
    page = os.path.join(tmp, "history.html")
    run([args.exe, "report", "history", "--all", "-o", page], env=env)
    check_page_file(c, page)
    dom = render(c, page, ["history_mean_hr_bpm", "history_rmssd_ms", "history_rsa_bpm",
                           "history_coherence", "history_lf_hf"])
    c.that(len(dom.cells) == 7 * len(hist["sessions"]), "every session's numbers shown (%d)" % len(dom.cells))
    for key, value, _ in dom.cells:
        c.that(same(json.loads(value), lookup(hist, key)), "%s: page %s" % (key, value))
    check_screenshot(c, page, os.path.join(args.screenshots, "history.png"), 2000)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--exe", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--screenshots", required=True)
    p.add_argument("kind", choices=["analysis", "session", "history"])
    args = p.parse_args()
    if not headless_chromium.available():
        print("chromium not installed (%s)" % headless_chromium.CHROMIUM)
        return 1
    os.makedirs(args.screenshots, exist_ok=True)
    c = Check(args.kind)
    with tempfile.TemporaryDirectory(prefix="resonant-report-") as tmp:
        {"analysis": analysis, "session": session, "history": history}[args.kind](c, args, tmp)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
