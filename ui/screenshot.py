"""Save a screenshot of the answer view: python -m ui.screenshot [OUT.png] [QUESTION]

Starts the app over the default index on a free local port and drives Debian's Chromium."""
from __future__ import annotations

import socket
import sys
from pathlib import Path

from qa.config import REPO_ROOT, Config

QUESTION = "How many academicians attended the 2023 China Biotechnology Innovation Conference?"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    from ui.server import serve

    out = Path(argv[0]) if argv else REPO_ROOT / "docs" / "screenshot.png"
    question = argv[1] if len(argv) > 1 else QUESTION
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = serve(Config(), port=port, block=False, log=lambda _: None)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/")
            box = page.get_by_label("Question")
            box.fill(question)
            box.press("Enter")
            page.wait_for_selector("#answer .qa-text, #answer .qa-none", timeout=60_000)
            page.wait_for_function("!document.body.innerText.includes('Loading the models')")
            page.locator("#citations summary").first.click()
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    finally:
        app.close()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
