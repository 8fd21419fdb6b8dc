#!/usr/bin/env python3
"""Drives headless Chromium through the Chrome DevTools Protocol and reports what a page did, as JSON.

Standard library only. Chromium (Debian's `chromium`) is started with `--remote-debugging-pipe`: the
protocol runs over two pipes (no port, no network), and the browser dies with this script.

    Tests/Oracles/drive.py PLAN.json        (or `-` to read the plan from standard input)

A plan is a JSON object:

    {
      "url": "file:///path/page.html",            the page to open
      "viewport": {"width": 1280, "height": 720},  optional; deviceScaleFactor too (default 1)
      "colorScheme": "light" | "dark",             optional: emulated prefers-color-scheme
      "timeout": 60,                               optional: seconds for the whole plan
      "steps": [ ... ]                             run in order after the load event
    }

Steps (each may carry "name"; a named step's result lands in "results" under that name):

    {"eval": "JS expression"}                  evaluated in the page; promises are awaited; the value is returned
    {"waitFor": "JS expression", "timeout": 10} polls (every animation frame, in the page) until truthy
    {"click": "CSS selector"}                  a real mouse click (CDP input events) at the element's centre,
                                               after scrolling it into view; reports whether the element
                                               was the one hit at that point (or one inside it)
    {"click": "CSS selector", "offset": [x, y]}  the same at x, y CSS pixels from the element's top left
    {"key": "n"} / {"key": "ArrowRight"} / {"key": " "}   a real key press (keyDown + keyUp)
    {"screenshot": "/path/out.png"}             writes a PNG of the viewport and reports pixel statistics
    {"colorScheme": "dark"}                     switches the emulated colour scheme
    {"metrics": true}                           Chromium's Performance.getMetrics (ScriptDuration, ...)

The report on standard output:

    {"ok": bool, "error": str|null, "results": {name: value}, "steps": [...], "console": [{level, text}],
     "exceptions": [text], "logEntries": [{level, source, text}], "chromium": "version"}

Exit status 0 when every step ran, 1 when a step failed or the browser could not be driven (the report
says why), 2 for a bad plan. Console errors are reported, not judged: the caller decides.
Environment: SUBTITLER_CHROMIUM overrides the browser binary (default: `chromium` on PATH).
"""

import base64
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from pngstats import png_statistics


class DriverError(Exception):
    """A failure of the driver or the browser, reported in the JSON output."""


class Browser:
    """One Chromium process and one page target, spoken to over the DevTools pipe."""

    def __init__(self, binary, viewport, deadline):
        self.deadline = deadline
        self.profile = tempfile.mkdtemp(prefix="subtitler-chromium-")
        self.next_id = 0
        self.buffer = b""
        self.pending_events = []
        self.console = []
        self.exceptions = []
        self.log_entries = []
        self.loaded = False
        self.session = None
        # fd 3 in the child: commands it reads; fd 4: replies and events it writes.
        command_read, self.command_write = os.pipe()
        self.reply_read, reply_write = os.pipe()

        def child_setup():
            os.dup2(command_read, 3)
            os.dup2(reply_write, 4)

        arguments = [
            binary,
            "--headless=new",
            "--remote-debugging-pipe",
            "--user-data-dir=" + self.profile,
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--mute-audio",
            "--autoplay-policy=no-user-gesture-required",
            "--window-size=%d,%d" % (viewport["width"], viewport["height"]),
            "about:blank",
        ]
        if os.geteuid() == 0:
            arguments.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        self.stderr = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                arguments,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self.stderr,
                pass_fds=(3, 4),
                preexec_fn=child_setup,
                start_new_session=True,
            )
        except OSError as error:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise DriverError("cannot start %s: %s" % (binary, error))
        finally:
            os.close(command_read)
            os.close(reply_write)

    # -- transport ---------------------------------------------------------------------------------------

    def _remaining(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DriverError("timed out")
        return left

    def _read_message(self, timeout):
        """The next message from the browser, or None when `timeout` seconds pass without one."""
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.reply_read], [], [], min(timeout, self._remaining()))
            if not ready:
                return None
            chunk = os.read(self.reply_read, 1 << 20)
            if not chunk:
                raise DriverError("Chromium closed the DevTools pipe (exit status %s): %s"
                                  % (self.process.poll(), self.stderr_tail()))
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def stderr_tail(self):
        self.stderr.seek(0)
        return self.stderr.read()[-1500:].decode("utf-8", "replace").strip()

    def send(self, method, params=None, session=True):
        """Sends a command and returns its result; events that arrive meanwhile are recorded."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            written = os.write(self.command_write, data)
            data = data[written:]
        while True:
            reply = self._read_message(self._remaining())
            if reply is None:
                raise DriverError("no answer to %s" % method)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise DriverError("%s: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})
            self._record(reply)

    def _record(self, message):
        method = message.get("method")
        params = message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(_remote_text(argument) for argument in params.get("args", []))
            self.console.append({"level": params.get("type"), "text": text})
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exception = details.get("exception", {})
            self.exceptions.append(exception.get("description") or details.get("text") or "exception")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            self.log_entries.append({"level": entry.get("level"), "source": entry.get("source"),
                                     "text": entry.get("text"), "url": entry.get("url")})
        elif method == "Page.loadEventFired":
            self.loaded = True

    # -- page ----------------------------------------------------------------------------------------------

    def open_page(self, viewport):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                             session=False)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Performance"):
            self.send(domain + ".enable")
        self.send("Emulation.setDeviceMetricsOverride", {
            "width": viewport["width"], "height": viewport["height"],
            "deviceScaleFactor": viewport.get("deviceScaleFactor", 1), "mobile": False,
        })

    def navigate(self, url):
        self.loaded = False
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise DriverError("cannot open %s: %s" % (url, result["errorText"]))
        while not self.loaded:
            message = self._read_message(self._remaining())
            if message is not None:
                self._record(message)

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True, "userGesture": True,
        })
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            description = details.get("exception", {}).get("description") or details.get("text")
            raise DriverError("evaluating %r threw: %s" % (expression[:120], description))
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout):
        # The page polls once per animation frame; the driver waits for the promise (no fixed sleeps).
        script = """new Promise((resolve, reject) => {
            const limit = performance.now() + %d;
            const check = () => {
                let value;
                try { value = (%s); } catch (error) { reject(error); return; }
                if (value) resolve(value);
                else if (performance.now() > limit) reject(new Error('waitFor timed out: ' + %s));
                else requestAnimationFrame(check);
            };
            check();
        })""" % (int(timeout * 1000), expression, json.dumps(expression[:200]))
        return self.evaluate(script)

    def click(self, selector, offset=None):
        point = self.evaluate("""((offset) => {
            const element = document.querySelector(%s);
            if (!element) return null;
            element.scrollIntoView({block: 'nearest', inline: 'nearest'});
            const box = element.getBoundingClientRect();
            const x = box.left + (offset ? offset[0] : box.width / 2);
            const y = box.top + (offset ? offset[1] : box.height / 2);
            const hit = document.elementFromPoint(x, y);
            return {x, y, hit: hit === element || element.contains(hit)};
        })(%s)""" % (json.dumps(selector), json.dumps(offset)))
        if point is None:
            raise DriverError("click: no element matches %s" % selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {
                "type": kind, "x": point["x"], "y": point["y"], "button": "left",
                "buttons": 1 if kind == "mousePressed" else 0, "clickCount": 0 if kind == "mouseMoved" else 1,
            })
        return point

    def key(self, key):
        codes = {
            " ": ("Space", 32), "ArrowLeft": ("ArrowLeft", 37), "ArrowUp": ("ArrowUp", 38),
            "ArrowRight": ("ArrowRight", 39), "ArrowDown": ("ArrowDown", 40), "Enter": ("Enter", 13),
            "Escape": ("Escape", 27), "Home": ("Home", 36), "End": ("End", 35),
        }
        if key in codes:
            code, virtual = codes[key]
        elif len(key) == 1:
            code = ("Key" + key.upper()) if key.isalpha() else ""
            virtual = ord(key.upper())
        else:
            raise DriverError("key: unknown key %r" % key)
        text = key if len(key) == 1 else ("\r" if key == "Enter" else "")
        down = {"type": "keyDown" if text else "rawKeyDown", "key": key, "code": code,
                "windowsVirtualKeyCode": virtual, "nativeVirtualKeyCode": virtual}
        if text:
            down["text"] = text
            down["unmodifiedText"] = text
        self.send("Input.dispatchKeyEvent", down)
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code,
                                             "windowsVirtualKeyCode": virtual, "nativeVirtualKeyCode": virtual})

    def screenshot(self, path):
        data = base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        temporary = path + ".tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        try:
            stats = png_statistics(data)
        except ValueError as error:
            raise DriverError("screenshot %s: %s" % (path, error))
        stats["path"] = os.path.abspath(path)
        stats["bytes"] = len(data)
        return stats

    def set_color_scheme(self, scheme):
        self.send("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})

    def metrics(self):
        return {item["name"]: item["value"] for item in self.send("Performance.getMetrics")["metrics"]}

    def close(self):
        try:
            if self.process.poll() is None:
                try:
                    self.send("Browser.close", session=False)
                except DriverError:
                    pass
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)  # our own child's process group only
                self.process.wait(timeout=10)
            else:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)  # helpers left in the group
                except ProcessLookupError:
                    pass
        finally:
            for fd in (self.command_write, self.reply_read):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self.profile, ignore_errors=True)


def _remote_text(remote):
    if "value" in remote:
        value = remote["value"]
        return value if isinstance(value, str) else json.dumps(value)
    return remote.get("description") or remote.get("type", "")


def run(plan):
    viewport = {"width": 1280, "height": 720, "deviceScaleFactor": 1}
    viewport.update(plan.get("viewport") or {})
    deadline = time.monotonic() + float(plan.get("timeout", 60))
    binary = os.environ.get("SUBTITLER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    report = {"ok": False, "error": None, "results": {}, "steps": [], "console": [], "exceptions": [],
              "logEntries": [], "chromium": None}
    if not binary:
        report["error"] = "chromium not found: install Debian's chromium package (scripts/setup does)"
        return report
    browser = None
    try:
        browser = Browser(binary, viewport, deadline)
        report["chromium"] = browser.send("Browser.getVersion", session=False).get("product")
        browser.open_page(viewport)
        if plan.get("colorScheme"):
            browser.set_color_scheme(plan["colorScheme"])
        browser.navigate(plan["url"])
        for index, step in enumerate(plan.get("steps", [])):
            entry = {"index": index, "name": step.get("name")}
            if "eval" in step:
                entry["value"] = browser.evaluate(step["eval"])
            elif "waitFor" in step:
                entry["value"] = browser.wait_for(step["waitFor"], float(step.get("timeout", 10)))
            elif "click" in step:
                entry["value"] = browser.click(step["click"], step.get("offset"))
            elif "key" in step:
                browser.key(step["key"])
                entry["value"] = True
            elif "screenshot" in step:
                entry["value"] = browser.screenshot(step["screenshot"])
            elif "colorScheme" in step:
                browser.set_color_scheme(step["colorScheme"])
                entry["value"] = step["colorScheme"]
            elif "metrics" in step:
                entry["value"] = browser.metrics()
            else:
                raise DriverError("step %d: unknown action %s" % (index, sorted(step)))
            report["steps"].append(entry)
            if step.get("name"):
                report["results"][step["name"]] = entry["value"]
        # Messages the last step caused asynchronously: a frame and a task later, the page has logged them,
        # and the protocol delivers them before this evaluation's answer.
        browser.evaluate("new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)))")
        report["ok"] = True
    except DriverError as error:
        report["error"] = str(error)
    finally:
        if browser is not None:
            report["console"] = browser.console
            report["exceptions"] = browser.exceptions
            report["logEntries"] = browser.log_entries
            browser.close()
    return report


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        if argv[1] == "-":
            plan = json.load(sys.stdin)
        else:
            with open(argv[1], encoding="utf-8") as handle:
                plan = json.load(handle)
        if not isinstance(plan, dict) or not isinstance(plan.get("url"), str):
            raise ValueError("the plan needs a \"url\"")
    except (OSError, ValueError) as error:
        print("drive.py: bad plan %s: %s" % (argv[1], error), file=sys.stderr)
        return 2
    report = run(plan)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
