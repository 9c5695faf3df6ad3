#!/usr/bin/env python3
"""The Atom feeds read by a real feed parser (feedparser).

Starts the built server on a temporary database filled with the demo portfolio and checks
every feed: it parses as Atom 1.0 without errors, its entries have unique ids, times and
links to project pages on this server, the ETag answers If-None-Match with 304, the centre's
findings feed refuses the public, and the pages link the feeds with <link rel="alternate">.

    check_feeds.py BINARY     (exits non-zero and says why when a check fails)
"""
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import feedparser

REPO = Path(__file__).resolve().parents[2]


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def main() -> int:
    binary = Path(sys.argv[1]).resolve()
    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)
        return condition

    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "demo.sqlite"
        server = subprocess.Popen([str(binary), "serve", "--demo", "--port", "0", "--host", "127.0.0.1", "--db", str(database),
                                   "--resources", str(REPO)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            base = None
            deadline = time.monotonic() + 120
            while base is None and time.monotonic() < deadline:
                line = server.stdout.readline()
                if not line:
                    break
                match = re.search(r"listening on (http://\S+)", line)
                if match:
                    base = match.group(1).rstrip("/")
            if base is None:
                print("the server did not start")
                return 1
            centre = subprocess.run([str(binary), "token", "issue", "--role", "centre", "--db", str(database)],
                                    check=True, capture_output=True, text=True).stdout.strip()
            status, _, body = fetch(base + "/api/v1/projects?limit=1")
            project = re.search(rb'"id":(\d+)', body).group(1).decode()
            feeds = [("/feeds/changes", {}), ("/feeds/agencies/MINFIN", {}), (f"/feeds/projects/{project}", {}),
                     ("/feeds/findings", {"Authorization": "Bearer " + centre})]
            for path, headers in feeds:
                status, response_headers, body = fetch(base + path, headers)
                if not check(status == 200, f"{path}: status {status}"):
                    continue
                check(response_headers.get("Content-Type", "").startswith("application/atom+xml"), f"{path}: content type {response_headers.get('Content-Type')}")
                parsed = feedparser.parse(body)
                check(not parsed.bozo, f"{path}: feedparser found it malformed: {parsed.get('bozo_exception')}")
                check(parsed.version == "atom10", f"{path}: parsed as {parsed.version!r}, not Atom 1.0")
                check(parsed.feed.get("title"), f"{path}: no title")
                check(parsed.feed.get("updated_parsed"), f"{path}: no feed updated time")
                check(any(link.get("rel") == "self" for link in parsed.feed.get("links", [])), f"{path}: no self link")
                check(len(parsed.entries) > 0, f"{path}: no entries (the demo portfolio has changes and findings)")
                ids = [entry.get("id") for entry in parsed.entries]
                check(len(ids) == len(set(ids)) and all(ids), f"{path}: entry ids missing or repeated")
                for entry in parsed.entries:
                    check(entry.get("updated_parsed"), f"{path}: entry {entry.get('id')} has no time")
                    check(re.match(re.escape(base) + r"/projects/\d+\?as_of=\d{4}-\d\d-\d\d$", entry.get("link", "")),
                          f"{path}: entry link {entry.get('link')!r} is not a project page of this server")
                etag = response_headers.get("ETag")
                if check(etag, f"{path}: no ETag"):
                    again, _, _ = fetch(base + path, {**headers, "If-None-Match": etag})
                    check(again == 304, f"{path}: If-None-Match with its ETag answered {again}, not 304")
                print(f"  {path}: {len(parsed.entries)} entries, Atom 1.0, ETag {etag}")
            status, _, _ = fetch(base + "/feeds/findings")
            check(status == 401, f"/feeds/findings without a token answered {status}, not 401")
            for page, feed in [("/", "/feeds/changes"), ("/agencies/MINFIN", "/feeds/agencies/MINFIN"),
                               (f"/projects/{project}", f"/feeds/projects/{project}")]:
                _, _, html = fetch(base + page)
                check(re.search(rb'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="' + re.escape(feed.encode()) + b'"', html),
                      f"{page} does not link {feed} with <link rel=\"alternate\">")
        finally:
            server.terminate()
            server.wait(15)
    for failure in failures:
        print("FAIL " + failure)
    print("feeds: " + ("all checks passed" if not failures else f"{len(failures)} failures"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
