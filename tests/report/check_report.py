#!/usr/bin/python3
"""Opens an HTML report in headless Chromium and checks that it renders offline.

Checks, after document.readyState == 'complete':
  * the page has a non-empty <title> (equal to --title when given);
  * at least --images <img> elements, every one complete with naturalWidth > 0 and
    naturalHeight > 0 (a broken data URI or a missing file decodes to 0 x 0);
  * every performance resource entry is a data: URL, no src/href/srcset in the DOM points
    outside the page (only data: and #fragments), there is no <script>, and Chromium's network
    log shows no request other than the page itself and data: URLs.

Usage: /usr/bin/python3 check_report.py REPORT.html [--images N] [--title T]
                                        [--screenshot OUT.png] [--timeout SECONDS]
Run it with Debian's python3 (python3-selenium), not a virtual environment. Needs the Debian
packages chromium, chromium-driver and python3-selenium (scripts/install-deps.sh).

Exit status: 0 and a one-line summary when every check passes; 1 with a message naming the
failed checks; 2 when the check cannot run (bad arguments, Chromium or selenium missing).
"""

import argparse
import json
import os
import pathlib
import sys
import tempfile

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PREFIX = "check_report"

# Every <img> with its state, every attribute that could load something, and the resources
# the page actually fetched.
INSPECT_JS = r"""
const images = Array.from(document.images).map(img => ({
  src: (img.getAttribute('src') || '').slice(0, 48),
  complete: img.complete,
  width: img.naturalWidth,
  height: img.naturalHeight,
  alt: img.getAttribute('alt') || ''
}));
const references = [];
for (const el of document.querySelectorAll('[src],[href],[srcset],[poster],[data]')) {
  for (const name of ['src', 'href', 'srcset', 'poster', 'data']) {
    const v = el.getAttribute(name);
    if (v !== null) references.push({tag: el.tagName.toLowerCase(), attr: name, value: v});
  }
}
const css = [];
for (const sheet of Array.from(document.styleSheets)) {
  if (sheet.href) css.push('stylesheet ' + sheet.href);
  let rules = [];
  try { rules = Array.from(sheet.cssRules); } catch (e) { css.push('unreadable stylesheet'); }
  for (const r of rules) {
    const text = r.cssText;
    if (/@import|url\(\s*['"]?(?!data:)/i.test(text)) css.push(text.slice(0, 120));
  }
}
return {
  title: document.title,
  images: images,
  references: references,
  css: css,
  scripts: document.scripts.length,
  resources: performance.getEntriesByType('resource').map(e => e.name),
  height: Math.max(document.body ? document.body.scrollHeight : 0,
                   document.documentElement.scrollHeight)
};
"""


def fail(message, status=1):
    print(f"{PREFIX}: FAIL: {message}", file=sys.stderr)
    sys.exit(status)


def short(url, n=80):
    return url if len(url) <= n else url[:n] + "..."


def network_requests(driver):
    """(url, documentURL) of every request Chromium made, from the DevTools performance log.

    The log also holds the requests of Chromium's own start page (chrome://...); the caller keeps
    those whose document is the report."""
    urls = []
    for entry in driver.get_log("performance"):
        try:
            message = json.loads(entry["message"])["message"]
        except (KeyError, ValueError):
            continue
        if message.get("method") == "Network.requestWillBeSent":
            params = message["params"]
            urls.append((params["request"]["url"], params.get("documentURL", "")))
    return urls


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", help="the report to open")
    parser.add_argument("--images", type=int, default=0, metavar="N",
                        help="fail unless at least N images are present (default 0)")
    parser.add_argument("--title", help="fail unless the page title equals this")
    parser.add_argument("--screenshot", metavar="PATH", help="save a full-page PNG screenshot")
    parser.add_argument("--timeout", type=float, default=60, metavar="SECONDS",
                        help="page-load limit (default 60)")
    parser.add_argument("--width", type=int, default=1280, help="viewport width (default 1280)")
    args = parser.parse_args()

    page = pathlib.Path(args.html)
    if not page.is_file():
        fail(f"{page}: no such file", 2)
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            fail(f"{tool} not found; run scripts/install-deps.sh (Debian packages chromium, "
                 "chromium-driver)", 2)
    try:
        from selenium import webdriver
        from selenium.common.exceptions import TimeoutException, WebDriverException
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError as e:
        fail(f"cannot import selenium ({e}); run scripts/install-deps.sh (Debian package "
             "python3-selenium) and use /usr/bin/python3", 2)

    url = page.resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="deeprg-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                     "--disable-extensions", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                     f"--window-size={args.width},1000", f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        try:
            driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        except WebDriverException as e:
            fail(f"cannot start headless Chromium: {str(e).strip().splitlines()[0]}", 2)
        try:
            driver.set_page_load_timeout(args.timeout)
            try:
                driver.get_log("performance")  # drop what the start page did
                driver.get(url)
                WebDriverWait(driver, args.timeout).until(
                    lambda d: d.execute_script("return document.readyState") == "complete")
            except TimeoutException:
                fail(f"{page}: not loaded within {args.timeout:g} s")
            info = driver.execute_script(INSPECT_JS)
            loaded = driver.current_url
            requests = network_requests(driver)

            if args.screenshot:
                # Grow the window to the whole page so that one screenshot holds all of it.
                height = min(max(int(info["height"]), 600), 30000)
                driver.set_window_size(args.width, height + 150)
                driver.execute_script("window.scrollTo(0, 0)")
                if not driver.save_screenshot(args.screenshot):
                    fail(f"cannot save screenshot to {args.screenshot}", 2)
        finally:
            driver.quit()

    problems = []
    if not info["title"].strip():
        problems.append("the page has no title")
    elif args.title is not None and info["title"] != args.title:
        problems.append(f"title is {info['title']!r}, expected {args.title!r}")
    images = info["images"]
    if len(images) < args.images:
        problems.append(f"{len(images)} images, expected at least {args.images}")
    for k, img in enumerate(images, 1):
        if not img["complete"] or img["width"] <= 0 or img["height"] <= 0:
            problems.append(f"image {k} ({img['alt']!r}, src {short(img['src'], 48)!r}) did not "
                            f"decode: complete={img['complete']}, natural size "
                            f"{img['width']}x{img['height']}")
    external = [r for r in info["resources"] if not r.startswith("data:")]
    if external:
        problems.append("resources fetched from outside the page: "
                        + ", ".join(short(r) for r in external))
    for ref in info["references"]:
        v = ref["value"].strip()
        if not (v.startswith("data:") or (ref["attr"] == "href" and v.startswith("#"))):
            problems.append(f"<{ref['tag']} {ref['attr']}={short(v)!r}> points outside the page")
    problems += [f"CSS loads something: {c}" for c in info["css"]]
    if info["scripts"]:
        problems.append(f"{info['scripts']} <script> elements (a report needs none)")
    stray = [u for u, document in requests
             if document in (url, loaded) and u not in (url, loaded) and not u.startswith("data:")]
    if stray:
        problems.append("network requests: " + ", ".join(short(u) for u in stray))

    if problems:
        fail(f"{page}: " + "; ".join(problems))
    sizes = ", ".join(f"{i['width']}x{i['height']}" for i in images)
    shot = f", screenshot {args.screenshot}" if args.screenshot else ""
    print(f"{PREFIX}: OK {page}: title {info['title']!r}, {len(images)} images decoded"
          f"{' (' + sizes + ')' if sizes else ''}, no network requests{shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
