#!/usr/bin/env python3
"""tests/browser/check_report.py: open pscope-html reports in headless Chromium with the
network disabled and check them as a person would see them (make check-browser).

Drives Debian's chromium through the DevTools protocol over --remote-debugging-pipe
(standard library only: no WebDriver, no npm). For each REPORT.html it asserts:
  - no console error, no uncaught exception, no request other than file: or data: URLs;
  - every chart (figure.chart svg) and the icicle graph have a non-zero rendered size;
  - with --search NAME: typing NAME into the icicle search highlights >= 1 box and shows
    "matched: x%";
  - a click on the widest box below the root zooms (that box then spans the full width);
and saves a full-page screenshot as OUTDIR/<report name>.png.
Usage: check_report.py [--search NAME] [--outdir DIR] [--timing] REPORT.html...
Prints one "ok"/"FAIL" line per check and ends with "N passed, M failed"; exit 1 on a
failure. --timing prints the load time (navigation start to load event end) in ms.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND",
         "--proxy-server=127.0.0.1:9", "--remote-debugging-pipe", "--window-size=1300,900",
         "--hide-scrollbars"]


class Browser:
    def __init__(self, exe):
        self.profile = tempfile.mkdtemp(prefix="pscope-chromium-")
        to_r, to_w = os.pipe()      # we write commands, chromium reads fd 3
        from_r, from_w = os.pipe()  # chromium writes fd 4, we read
        def child():  # chromium reads commands on fd 3 and writes replies on fd 4
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)
        self.proc = subprocess.Popen([exe] + FLAGS + ["--user-data-dir=" + self.profile,
                                     "about:blank"], pass_fds=(3, 4), preexec_fn=child,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        self.w = os.fdopen(to_w, "wb", buffering=0)
        self.r = os.fdopen(from_r, "rb", buffering=0)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read_msg(self):
        while b"\0" not in self.buf:
            chunk = self.r.read(65536)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        mid = self.next_id
        m = {"id": mid, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        self.w.write(json.dumps(m).encode() + b"\0")
        while True:
            msg = self._read_msg()
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, name, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            for i, e in enumerate(self.events):
                if e.get("method") == name:
                    del self.events[i]
                    return e
            self.events.append(self._read_msg())
        raise RuntimeError("timed out waiting for " + name)

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        subprocess.run(["rm", "-rf", self.profile])


def main(argv):
    search = None
    outdir = "build/browser"
    timing = False
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--search":
            search = argv[i + 1]; i += 2; continue
        if a == "--outdir":
            outdir = argv[i + 1]; i += 2; continue
        if a == "--timing":
            timing = True; i += 1; continue
        files.append(a); i += 1
    os.makedirs(outdir, exist_ok=True)
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        print(("ok    " if ok else "FAIL  ") + what)
        if ok:
            passed += 1
        else:
            failed += 1

    b = Browser(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    try:
        targets = b.send("Target.getTargets")["targetInfos"]
        page = [t for t in targets if t["type"] == "page"][0]
        s = b.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        for dom in ("Page", "Runtime", "Log", "Network", "Performance"):
            b.send(dom + ".enable", session=s)
        for f in files:
            name = os.path.basename(f)
            url = "file://" + os.path.abspath(f)
            b.events = []
            b.send("Page.navigate", {"url": url}, session=s)
            b.wait_event("Page.loadEventFired")
            time.sleep(0.2)
            def ev(expr):
                r = b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True},
                           session=s)
                if "exceptionDetails" in r:
                    return None
                return r["result"].get("value")
            # sections off screen are laid out lazily (content-visibility: auto); lay them all
            # out so that sizes and the full-page screenshot show everything
            ev("(function(){var s=document.createElement('style');"
               "s.textContent='main > section{content-visibility:visible !important}';"
               "document.head.appendChild(s);})()")
            errors = []
            for e in b.events:
                m = e.get("method")
                p = e.get("params", {})
                if m == "Runtime.exceptionThrown":
                    errors.append(p["exceptionDetails"].get("text", "exception"))
                elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                    errors.append("console.error")
                elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                    errors.append(p["entry"].get("text", "log error"))
                elif m == "Network.requestWillBeSent":
                    u = p["request"]["url"]
                    if not (u.startswith("file:") or u.startswith("data:")):
                        errors.append("network request: " + u)
            check(not errors, "%s: no console error or network request %s" % (name, errors or ""))
            if timing:
                t = ev("(function(){var n=performance.getEntriesByType('navigation')[0];"
                       "return n ? n.loadEventEnd - n.startTime : -1;})()")
                pm = {m["name"]: m["value"] for m in
                      b.send("Performance.getMetrics", session=s)["metrics"]}
                print("timing %s load_ms %.1f main_thread_ms %.1f" % (name, t, 1000 * pm.get("TaskDuration", -1)))
            sizes = ev("Array.prototype.map.call(document.querySelectorAll('figure.chart svg'),"
                       "function(e){var r=e.getBoundingClientRect();return [r.width,r.height];})")
            nfig = ev("document.querySelectorAll('figure.chart').length")
            check(sizes is not None and all(w > 0 and h > 0 for w, h in sizes),
                  "%s: %d of %s charts drawn, all with a non-zero size" % (name, len(sizes or []), nfig))
            ic = ev("(function(){var e=document.querySelector('svg.icicle-svg');if(!e)return null;"
                    "var r=e.getBoundingClientRect();return [r.width,r.height,"
                    "e.querySelectorAll('svg.b').length];})()")
            if ic is not None:
                check(ic[0] > 0 and ic[1] > 0 and ic[2] > 0,
                      "%s: icicle %dx%d px with %d boxes" % (name, ic[0], ic[1], ic[2]))
                if search:
                    r = ev("(function(){var i=document.getElementById('ic-search');"
                           "i.value=%s;i.dispatchEvent(new Event('input'));"
                           "return [document.querySelectorAll('svg.b.match').length,"
                           "document.getElementById('ic-matched').textContent];})()" % json.dumps(search))
                    check(r is not None and r[0] > 0 and r[1].startswith("matched: "),
                          "%s: search %r highlights %s boxes, shows %r" % (name, search, r and r[0], r and r[1]))
                    b.send("Page.captureScreenshot", {"format": "png"}, session=s)
                    ev("(function(){var i=document.getElementById('ic-search');i.value='';"
                       "i.dispatchEvent(new Event('input'));})()")
                z = ev("(function(){var bs=document.querySelectorAll('svg.icicle-svg svg.b'),best=null,bw=0;"
                       "for(var i=1;i<bs.length;i++){var w=parseFloat(bs[i].getAttribute('width'));"
                       "if(w<99.99&&w>bw){bw=w;best=bs[i];}}"
                       "if(!best)return 'nothing to zoom';"
                       "best.dispatchEvent(new MouseEvent('click',{bubbles:true}));"
                       "return [bw,parseFloat(best.getAttribute('width')),location.hash];})()")
                check(z == "nothing to zoom" or (isinstance(z, list) and z[1] > 99.9 and "zoom=" in z[2]),
                      "%s: a click zooms the box to the full width %s" % (name, z))
                ev("document.getElementById('ic-reset').click()")
            links = ev("Array.prototype.map.call(document.querySelectorAll('a[href]'),"
                       "function(a){return a.getAttribute('href');})") or []
            bad = [l for l in links if not l.startswith("#") and
                   not os.path.exists(os.path.join(os.path.dirname(os.path.abspath(f)), l))]
            check(not bad, "%s: %d links, all resolve %s" % (name, len(links), bad or ""))
            m = b.send("Page.getLayoutMetrics", session=s)
            cs = m.get("cssContentSize") or m["contentSize"]
            shot = b.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                          "clip": {"x": 0, "y": 0, "width": cs["width"],
                                   "height": min(cs["height"], 16000), "scale": 1}}, session=s)
            out = os.path.join(outdir, os.path.splitext(name)[0] + ".png")
            with open(out, "wb") as fh:
                fh.write(base64.b64decode(shot["data"]))
            print("screenshot " + out)
    finally:
        b.close()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
