#!/usr/bin/env python3
"""Browser check of the dashboard: accessibility, console, layout and screenshots.

Starts the built server on a temporary database filled with the demo portfolio, opens
every dashboard page in headless Chromium (Debian's `chromium` and `chromium-driver`,
given to Selenium by path so that nothing is downloaded) and fails when a page

  * answers another HTTP status than expected (a page missing, 404, where 200 is expected),
  * has an axe-core violation (WCAG 2.0/2.1 A and AA, and axe's best practices),
  * logs a SEVERE browser console entry (a CSP violation, a failed resource, ...),
  * contains a <script> element (the dashboard is server-rendered and has no script),
  * scrolls sideways at 360 CSS px wide (a phone).

It saves a full-page screenshot of each page at 1280 and at 360 px wide. Before the
pages it runs a self-test on pages with known faults, so that a check that silently
finds nothing fails instead (--self-test runs only that).

    python3 Tests/Browser/check_dashboard.py [BINARY] [SCREENSHOTS]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# Never let Selenium Manager fetch a driver or a browser: both paths are given below.
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

from axe_core_python.base import AXE_SCRIPT  # noqa: E402  (axe-core's axe.min.js, bundled)

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

DESKTOP_WIDTH, PHONE_WIDTH, WINDOW_HEIGHT = 1280, 360, 900
# With --quick: a sample of each kind of page, for a fast look while working on the layout.
QUICK_PAGES = 40

# WCAG 2.0 and 2.1, levels A and AA, plus axe's best practices (they pass on the layout
# every page shares; a page that breaks one, e.g. content outside any landmark or two
# <main>s, is worth fixing too). --wcag-only leaves the best practices out.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BEST_PRACTICE_TAGS = ["best-practice"]

# Same-origin links from / that are not HTML pages of the dashboard.
SKIPPED_PREFIXES = ("/api/", "/static/", "/metrics", "/openapi.json", "/healthz")
EXPORT_PATTERN = re.compile(r"(^|/)exports?(/|$)|\.(csv|json|xlsx?|zip|ndjson|xml)$", re.IGNORECASE)

# axe.run's rejection is passed back instead of hanging until the script timeout.
AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, arguments[0])
  .then(r => done({violations: r.violations, passes: r.passes.length,
                   incomplete: r.incomplete.length, version: r.testEngine.version}))
  .catch(e => done({error: String(e)}));
"""


@dataclass
class Page:
    path: str
    why: str
    expect: int = 200


@dataclass
class Result:
    page: Page
    url: str
    status: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)


# ---------------------------------------------------------------- the browser


def make_driver() -> webdriver.Chrome:
    for path, what in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(path).is_file():
            raise SystemExit(f"{path} is missing: apt-get install -y chromium chromium-driver ({what})")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={DESKTOP_WIDTH},{WINDOW_HEIGHT}", "--hide-scrollbars",
                 "--disable-extensions", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--metrics-recording-only"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


def set_width(driver: webdriver.Chrome, width: int) -> None:
    # A desktop-style viewport of exactly `width` CSS px: a mobile one would zoom out to fit
    # wide content and hide the very overflow the phone check looks for.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": WINDOW_HEIGHT, "deviceScaleFactor": 1, "mobile": False})


def full_page_screenshot(driver: webdriver.Chrome, path: Path) -> None:
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    width = max(1, int(size["width"]))
    height = max(1, min(int(size["height"]), 16000))
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


def console_problems(driver: webdriver.Chrome, url: str, expect: int) -> tuple[list[str], list[str]]:
    """SEVERE console entries are failures, except the error page's own 404 for itself."""
    problems, notes = [], []
    for entry in driver.get_log("browser"):
        message = re.sub(r"data:([\w/+.-]+);base64,[A-Za-z0-9+/=]{40,}", r"data:\1;base64,…", entry.get("message", ""))
        if entry.get("level") != "SEVERE":
            notes.append(f"console {entry.get('level')}: {message}")
            continue
        # Chromium logs the error page's own status as "URL - Failed to load resource: the server
        # responded with a status of 404 (Not Found)"; any other entry on that page still fails.
        own_status = (expect >= 400 and entry.get("source") == "network"
                      and entry.get("message", "").startswith(url + " ") and f"status of {expect}" in message)
        if own_status:
            notes.append(f"expected: the page's own {expect} in the console")
        else:
            problems.append(f"console SEVERE ({entry.get('source')}): {message}")
    return problems, notes


def run_axe(driver: webdriver.Chrome, tags: list[str]) -> tuple[list[str], str]:
    driver.execute_script(AXE_SCRIPT)
    result = driver.execute_async_script(AXE_RUN, {"runOnly": {"type": "tag", "values": tags},
                                                   "resultTypes": ["violations"]})
    if not isinstance(result, dict) or "error" in result:
        return [f"axe did not run: {result}"], ""
    problems = []
    for v in result["violations"]:
        targets = [" ".join(map(str, node.get("target", []))) for node in v.get("nodes", [])]
        problems.append(f"axe {v['id']} ({v.get('impact')}): {v.get('help')} — {v.get('helpUrl')}\n"
                        + "\n".join(f"        at {t}" for t in targets[:10])
                        + (f"\n        … and {len(targets) - 10} more" if len(targets) > 10 else ""))
    summary = f"axe {result['version']}: {result['passes']} rules passed, {len(result['violations'])} violated"
    return problems, summary


def inspect(driver: webdriver.Chrome, url: str, name: str, shots: Path, tags: list[str],
            expect: int = 200) -> tuple[list[str], list[str], list[Path]]:
    """Every browser check of one page; returns (problems, notes, screenshots)."""
    problems, notes, saved = [], [], []
    driver.get_log("browser")  # drop what an earlier page left
    set_width(driver, DESKTOP_WIDTH)
    driver.get(url)

    scripts = driver.find_elements(By.TAG_NAME, "script")
    if scripts:
        problems.append(f"{len(scripts)} <script> element(s): the dashboard is meant to have none")
    if not driver.title.strip():
        problems.append("the page has no <title>")

    axe_problems, axe_summary = run_axe(driver, tags)
    problems += axe_problems
    if axe_summary:
        notes.append(axe_summary)

    desktop = shots / f"{name}-desktop.png"
    full_page_screenshot(driver, desktop)
    saved.append(desktop)

    set_width(driver, PHONE_WIDTH)
    driver.refresh()
    scroll_width, inner_width = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width > inner_width + 1:
        wide = driver.execute_script("""
            const w = window.innerWidth;
            return [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > w + 1)
              .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));""")
        problems.append(f"horizontal overflow at {PHONE_WIDTH} px: scrollWidth {scroll_width} > innerWidth "
                        f"{inner_width}; wider than the screen: {', '.join(wide) or '?'}")
    phone = shots / f"{name}-phone.png"
    full_page_screenshot(driver, phone)
    saved.append(phone)
    set_width(driver, DESKTOP_WIDTH)

    console, console_notes = console_problems(driver, url, expect)
    # The page is loaded at both widths: an entry logged at each is one problem.
    problems += [p + (" (at both widths)" if console.count(p) > 1 else "") for p in dict.fromkeys(console)]
    notes += [n + (" (at both widths)" if console_notes.count(n) > 1 else "") for n in dict.fromkeys(console_notes)]
    return problems, notes, saved


# ---------------------------------------------------------------- the self-test


def data_url(body: str, head: str = "") -> str:
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Self-test</title>{head}</head>'
            f'<body><main><h1>Self-test</h1>{body}</main></body></html>')
    return "data:text/html;base64," + base64.b64encode(html.encode()).decode()


def self_test(driver: webdriver.Chrome, shots: Path, tags: list[str]) -> list[str]:
    """Pages with one known fault each must fail with it; a clean page must pass."""
    cases = [
        ("clean", data_url("<p>Nothing wrong here.</p>"), None),
        ("axe", data_url('<form><input type="text" name="q"></form>'), "axe label"),
        ("contrast", data_url('<p style="color:#bbb;background:#fff">Faint text</p>'), "axe color-contrast"),
        ("script", data_url("<script>1</script>"), "<script> element"),
        ("console", data_url('<img alt="x" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">',
                             head="<meta http-equiv=\"Content-Security-Policy\" content=\"img-src 'none'\">"),
         "console SEVERE"),
        ("overflow", data_url('<div style="width:1000px">Too wide</div>'), "horizontal overflow"),
    ]
    failures = []
    folder = shots / "self-test"
    folder.mkdir(parents=True, exist_ok=True)
    for name, url, expected in cases:
        problems, _, _ = inspect(driver, url, name, folder, tags)
        if expected is None and problems:
            failures.append(f"self-test: a clean page failed: {problems}")
        elif expected is not None and not any(expected in p for p in problems):
            failures.append(f"self-test: the '{name}' fault was not detected (looked for '{expected}', got {problems})")
        elif expected is None:
            print(f"  self-test {name}: passes")
        else:
            found = next(p for p in problems if expected in p).splitlines()[0]
            print(f"  self-test {name}: detected: {found}")
    return failures


# ---------------------------------------------------------------- the server


class Server:
    def __init__(self, binary: Path, database: Path):
        self.process = subprocess.Popen(
            [str(binary), "serve", "--demo", "--port", "0", "--host", "127.0.0.1",
             "--db", str(database), "--resources", str(REPO)],
            cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output: list[str] = []
        self.address: str | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            self.output.append(line.rstrip("\n"))
            # "Portfolio Registry listening on http://127.0.0.1:PORT (database ...)"
            match = re.search(r"listening on (http://\S+)", line)
            if match and not self.address:
                self.address = match.group(1).rstrip("/")
                self._ready.set()
        self._ready.set()

    def wait(self, timeout: float = 120) -> str:
        if not self._ready.wait(timeout) or not self.address:
            raise SystemExit("the server did not print its address:\n" + "\n".join(self.output[-30:]))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.address + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return self.address
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the server never answered /healthz:\n" + "\n".join(self.output[-30:]))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def fetch(url: str) -> tuple[int, str, bytes]:
    """Status, content type and body, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def api(base: str, path: str) -> object | None:
    status, content_type, body = fetch(base + path)
    if status != 200 or "json" not in content_type:
        print(f"  note: GET {path} answered {status} {content_type}; its ids are not used")
        return None
    return json.loads(body)


def items(document: object, *keys: str) -> list:
    """The list under the first of `keys` (or the document itself when it is a list)."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in keys:
            if isinstance(document.get(key), list):
                return document[key]
    return []


def project_id(item: object) -> str | None:
    if isinstance(item, dict):
        for key in ("id", "project_id", "projectId"):
            if item.get(key) is not None:
                return str(item[key])
        if isinstance(item.get("project"), dict):
            return project_id(item["project"])
    return None


def links_on(driver: webdriver.Chrome, base: str, url: str) -> list[tuple[str, str, str]]:
    """(path with query, rel, text) of every same-origin dashboard link on the page at `url`."""
    driver.get(url)
    found = driver.execute_script("return [...document.querySelectorAll('a[href]')]"
                                  ".map(a => [a.href, a.rel || '', a.hasAttribute('download'), a.textContent.trim()])")
    origin = urllib.parse.urlsplit(base)
    out = []
    for href, rel, download, text in found:
        parts = urllib.parse.urlsplit(href)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc) or download:
            continue
        path = parts.path or "/"
        if path.startswith(SKIPPED_PREFIXES) or EXPORT_PATTERN.search(path):
            continue
        out.append((path + (f"?{parts.query}" if parts.query else ""), rel, text))
    return out


def plan(driver: webdriver.Chrome, base: str, quick: bool) -> list[Page]:
    """Every page of the demo registry (every published project, every agency, every status of
    the review queue, every page linked from /), or with `quick` a sample of each kind."""
    cap = QUICK_PAGES if quick else None
    pages = [Page("/", "front page"), Page("/projects", "project list"),
             Page("/projects?status=in_execution&sort=-whole_life_cost", "projects in execution, dearest first")]

    status, _, _ = fetch(base + "/projects")
    if status == 200:
        links = links_on(driver, base, base + "/projects")
        nexts = [p for p, rel, _ in links if "next" in rel.split()]
        nexts = nexts or [p for p, _, text in links if text.lower().startswith("next")]  # without rel=next
        if nexts:
            pages.append(Page(nexts[0], "second page of the project list"))
        else:
            print("  note: /projects has no next link; no second page checked")

    ids: list[str] = []
    cursor: str | None = None
    while True:
        document = api(base, "/api/v1/projects?limit=" + ("5" if quick else "500") + (f"&cursor={cursor}" if cursor else ""))
        for item in items(document, "items"):
            if (pid := project_id(item)) and pid not in ids:
                ids.append(pid)
        cursor = document.get("next_cursor") if isinstance(document, dict) and not quick else None
        if not cursor:
            break
    overview = api(base, "/api/v1/portfolio/overview")
    for key in ("overruns", "slips"):
        section = overview.get(key) if isinstance(overview, dict) else None
        for item in items(section, "items", "projects", "top", "list")[:2]:
            if (pid := project_id(item)) and pid not in ids:
                ids.append(pid)
    for pid in (ids[:8] if quick else ids):
        pages.append(Page(f"/projects/{urllib.parse.quote(pid)}", "a project"))

    agencies = items(api(base, "/api/v1/agencies"), "items", "data", "agencies", "results")
    for agency in (agencies[:2] if quick else agencies):
        code = agency.get("code") if isinstance(agency, dict) else None
        if code:
            pages.append(Page(f"/agencies/{urllib.parse.quote(str(code))}", "an agency"))

    pages.append(Page("/reviews", "review queue"))
    pages.append(Page("/changes", "what changed in the last full quarter"))
    today = time.strftime("%Y-%m-%d", time.gmtime())
    pages.append(Page(f"/?as_of={today}", "the overview with its date field at today (the live registry)"))
    if ids:
        pages.append(Page(f"/projects/{urllib.parse.quote(ids[0])}?as_of={today}", "a project with as_of today"))
    if not quick:
        for status in ("requested", "in_progress", "completed"):
            pages.append(Page(f"/reviews?status={status}", f"reviews {status}"))
    pages.append(Page("/projects/999999999", "an unknown project: the 404 page", expect=404))

    known = {p.path for p in pages}
    linked = list(dict.fromkeys(path for path, _, _ in links_on(driver, base, base + "/")))
    print(f"  links on /: {len(linked)} distinct same-origin dashboard links, "
          f"{len(set(linked) - known)} not already planned")
    for path in linked:
        if cap is not None and len(pages) >= cap:
            print(f"  note: --quick: stopped discovering links at {cap} pages")
            break
        if path in known:
            continue
        known.add(path)
        status, content_type, _ = fetch(base + path)
        if status == 200 and not content_type.startswith("text/html"):
            print(f"  note: {path} (linked from /) is {content_type}, not a page; skipped")
            continue
        pages.append(Page(path, "linked from /"))
    return pages[:cap] if cap is not None else pages


def file_name(path: str) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")
    return name or "home"


def check(driver: webdriver.Chrome, base: str, page: Page, shots: Path, tags: list[str],
          allow_missing: bool, index: int) -> Result:
    url = base + page.path
    result = Result(page, url)
    status, content_type, _ = fetch(url)
    result.status = status
    if status != page.expect:
        if status == 404 and page.expect == 200:
            message = "page missing: HTTP 404 where 200 is expected"
            if allow_missing:
                result.notes.append(message + " (allowed by --allow-missing; not checked further)")
                return result
            result.problems.append(message)
            return result
        result.problems.append(f"HTTP {status} where {page.expect} is expected")
    if not content_type.startswith("text/html"):
        result.problems.append(f"Content-Type {content_type!r}, not an HTML page")
        return result
    problems, notes, saved = inspect(driver, url, f"{index:02d}-{file_name(page.path)}", shots, tags, page.expect)
    result.problems += problems
    result.notes += notes
    result.shots = saved
    return result


def report(results: list[Result]) -> int:
    failed = [r for r in results if r.problems]
    print()
    for r in results:
        mark = "FAIL" if r.problems else ("MISS" if not r.shots else "ok  ")
        print(f"{mark} {r.page.path}  [{r.page.why}; HTTP {r.status}, expected {r.page.expect}]")
        for p in r.problems:
            print(f"      ✗ {p}")
        for n in r.notes:
            print(f"      · {n}")
        if r.shots:
            print(f"      screenshots: {', '.join(str(s) for s in r.shots)}")
    print()
    checked = sum(1 for r in results if r.shots)
    missing = sum(1 for r in results if any("page missing" in n for n in r.notes))
    print(f"browser check: {len(results)} pages, {checked} checked in the browser, "
          f"{missing} missing (allowed), {len(failed)} failed")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", nargs="?", type=Path, default=REPO / ".build/debug/portfolio-registry",
                        help="the built server (default: %(default)s)")
    parser.add_argument("screenshots", nargs="?", type=Path, default=REPO / ".build/dashboard-screenshots",
                        help="folder for the screenshots (default: %(default)s)")
    parser.add_argument("--allow-missing", action="store_true",
                        help="report pages that answer 404 where 200 is expected, but do not fail on them")
    parser.add_argument("--self-test", action="store_true",
                        help="only prove that each check detects a known fault, without the server")
    parser.add_argument("--quick", action="store_true", help=f"check a sample of each kind of page (at most {QUICK_PAGES}), not every page")
    parser.add_argument("--wcag-only", action="store_true", help="leave axe's best-practice rules out")
    args = parser.parse_args()

    tags = WCAG_TAGS + ([] if args.wcag_only else BEST_PRACTICE_TAGS)
    shots = args.screenshots.resolve()
    shots.mkdir(parents=True, exist_ok=True)
    for old in [*shots.glob("*.png"), *shots.glob("self-test/*.png")]:  # an earlier run's
        old.unlink()
    binary = args.binary.resolve()
    if not args.self_test and not binary.is_file():
        raise SystemExit(f"{binary} is missing: swift build --product portfolio-registry")

    driver = make_driver()
    server = None
    try:
        print(f"{driver.capabilities.get('browserName')} {driver.capabilities.get('browserVersion')}, "
              f"rules: {', '.join(tags)}")
        failures = self_test(driver, shots, tags)
        if failures:
            print("\n".join(failures))
            print("browser check: the self-test failed, so the checks cannot be trusted")
            return 1
        if args.self_test:
            print("self-test: every known fault was detected")
            return 0

        with tempfile.TemporaryDirectory(prefix="dashboard-check-") as tmp:
            server = Server(binary, Path(tmp) / "portfolio.sqlite")
            base = server.wait()
            print(f"server at {base}")
            pages = plan(driver, base, quick=args.quick)
            results = [check(driver, base, page, shots, tags, args.allow_missing, i)
                       for i, page in enumerate(pages, 1)]
            server.stop()
            return report(results)
    finally:
        driver.quit()
        if server:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
