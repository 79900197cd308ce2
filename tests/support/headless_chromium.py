"""Debian's Chromium, headless, for the browser tests: one place for the flags.

A root container has no user namespaces for Chromium's sandbox, so it runs with --no-sandbox;
--headless=new is the current headless mode, --disable-gpu avoids probing for a GPU. Each call
gets its own throw-away profile directory. The page is loaded from a file:// URL; nothing
listens on a port.
"""
import os
import shutil
import subprocess
import tempfile

CHROMIUM = os.environ.get("RESONANT_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu",
    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
    "--disable-background-networking", "--disable-sync", "--hide-scrollbars",
    "--mute-audio", "--force-device-scale-factor=1",
]


def available():
    return os.access(CHROMIUM, os.X_OK)


def _run(args, timeout_s):
    profile = tempfile.mkdtemp(prefix="resonant-chromium-")
    try:
        done = subprocess.run([CHROMIUM, *FLAGS, "--user-data-dir=" + profile, *args],
                              capture_output=True, timeout=timeout_s, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError("chromium failed (%d): %s" % (done.returncode,
                                                          done.stderr.decode(errors="replace")[-2000:]))
    return done.stdout.decode(errors="replace")


def dump_dom(path, budget_ms=30000, timeout_s=240):
    """The DOM after the page's scripts ran (virtual time budget for its timers and frames)."""
    return _run(["--virtual-time-budget=%d" % budget_ms, "--dump-dom",
                 "file://" + os.path.abspath(path)], timeout_s)


def screenshot(path, png, width=1280, height=2400, budget_ms=30000, timeout_s=240):
    """A PNG of the page's first width x height pixels."""
    _run(["--virtual-time-budget=%d" % budget_ms, "--window-size=%d,%d" % (width, height),
          "--screenshot=" + os.path.abspath(png), "file://" + os.path.abspath(path)], timeout_s)
    if not os.path.exists(png):
        raise RuntimeError("chromium wrote no screenshot " + png)
