"""`musicgenius playground` end to end: the real bot, the fake Discord and the page, driven in headless chromium."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pretty_midi
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
REPLY_SECONDS = 240  # three candidates, their scores and audio, on a busy 2-core machine


def _webdriver() -> Any:
    """Selenium's webdriver module, or skip when the browser is missing."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; "
                    "scripts/setup.sh installs them when run as root)")
    return pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install -e '.[dev]')")


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m playground`` on a free port with its own SQLite file; yields the page's URL."""
    db = tmp_path_factory.mktemp("playground") / "playground.sqlite3"
    proc = subprocess.Popen([sys.executable, "-m", "playground", "--port", "0", "--db", str(db)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    found = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if "http://127.0.0.1:" in line:
                found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not found.wait(120):
            pytest.fail("the playground did not print its URL:\n" + "".join(output))
        url = re.search(r"http://127\.0\.0\.1:\d+/", "".join(output))
        assert url is not None
        yield url[0]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        reader.join(5)
        assert proc.stdout is not None
        proc.stdout.close()
    assert code == 0, "the playground did not stop cleanly:\n" + "".join(output)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    webdriver = _webdriver()
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                "--mute-audio", "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, script: str, timeout: float, *args: Any) -> Any:
    """Wait until the JavaScript ``script`` returns something truthy, and return it."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.25).until(
        lambda d: d.execute_script(script, *args), message=f"waiting for: {script}")


def send(driver: Any, text: str, *, refused: bool = False) -> None:
    """Type ``text`` into the message box and send it; the box empties, or stays and turns red when the page
    ``refused`` the command."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(By.ID, "input")
    box.clear()
    box.send_keys(text)
    if refused:  # submit the form itself: under load a late suggestion list can take the Enter (it picks one)
        driver.execute_script("document.getElementById('composer').requestSubmit()")
    else:
        box.send_keys(Keys.ENTER)
    if refused:
        wait_for(driver, "return document.getElementById('composer').classList.contains('bad')", 60)
        time.sleep(0.3)  # past the page's 120 ms typing pause, which once cleared the mark of a quick refusal
        assert driver.execute_script("return document.getElementById('composer').classList.contains('bad')")
    else:
        wait_for(driver, "return document.getElementById('input').value === ''", 60)


# Finds the newest message whose text includes arguments[0] (and, if given, that has a selector arguments[1]).
NEWEST = """
const [text, selector] = arguments;
const found = [...document.querySelectorAll('article.msg')].reverse().find((m) =>
  m.innerText.includes(text) && !m.classList.contains('loading') && (!selector || m.querySelector(selector)));
return found ? found.dataset.id : null;
"""


def test_a_melody_its_files_buttons_reactions_and_lyrics_in_the_browser(browser: Any, playground: str,
                                                                       tmp_path: Path) -> None:
    started = time.monotonic()
    driver = browser
    try:
        driver.get(playground)
        wait_for(driver, "return document.getElementById('status').innerText.includes('online')", 120)

        send(driver, "/melody C E G")
        reply = wait_for(driver, NEWEST, REPLY_SECONDS, "used /melody notes:C E G", "audio")
        article = f'article[data-id="{reply}"]'
        labels = driver.execute_script(f"return [...document.querySelectorAll('{article} button.btn')]"
                                       ".map((b) => b.innerText)")
        assert [label.split()[-2:] for label in labels[:3]] == [["Pick", "1"], ["Pick", "2"], ["Pick", "3"]], labels

        # Every image (piano roll, score pages) really loaded.
        images = wait_for(driver, f"""
            const images = [...document.querySelectorAll('{article} img')];
            return images.length && images.every((i) => i.complete) &&
                   images.map((i) => [i.dataset.filename || i.src, i.naturalWidth]);""", 120)
        names = [name for name, _ in images]
        assert any(n.endswith("-pianoroll.png") for n in names) and any(n.endswith("-score.png") for n in names)
        assert all(width > 0 for _, width in images), images

        # The audio player's source is a real OGG the browser decodes and plays.
        audio = driver.execute_async_script(f"""
            const done = arguments[arguments.length - 1];
            const audio = document.querySelector('{article} audio');
            (async () => {{
              const bytes = new Uint8Array(await (await fetch(audio.src)).arrayBuffer());
              audio.muted = true;
              if (audio.readyState < 1) await new Promise((ok, bad) => {{
                audio.addEventListener('loadedmetadata', ok, {{once: true}});
                audio.addEventListener('error', () => bad(new Error(`audio error ${{audio.error.code}}`)),
                                       {{once: true}});
                audio.load();
              }});
              await audio.play();
              audio.pause();
              return {{magic: String.fromCharCode(...bytes.slice(0, 4)), size: bytes.length, duration: audio.duration}};
            }})().then(done, (e) => done({{error: String(e)}}));""")
        assert audio.get("magic") == "OggS" and audio["size"] > 1000 and audio["duration"] > 1, audio

        # A MIDI download link serves the melody: it starts with the typed C E G.
        href = driver.execute_script(f"return document.querySelector('{article} a[download$=\".mid\"]').href")
        with urllib.request.urlopen(href, timeout=10) as response:
            midi = pretty_midi.PrettyMIDI(io.BytesIO(response.read()))
        notes = sorted(midi.instruments[0].notes, key=lambda n: n.start)
        assert len(notes) > 3 and [n.pitch for n in notes[:3]] == [60, 64, 67]

        # 👍 next to the bot's own: the count goes to 2 and shows as yours.
        driver.execute_script(f"document.querySelector('{article} .reaction[data-emoji=\"👍\"]').click()")
        wait_for(driver, f"""const r = document.querySelector('{article} .reaction[data-emoji="👍"]');
                             return r && r.classList.contains('me') && r.querySelector('.count').innerText === '2';""",
                 60)

        # Pick 1 posts that candidate with all its files.
        driver.execute_script(f"[...document.querySelectorAll('{article} button.btn')]"
                              ".find((b) => b.innerText.endsWith('Pick 1')).click()")
        picked = wait_for(driver, NEWEST, REPLY_SECONDS, "picked candidate 1", "a[download$='.musicxml']")
        assert driver.execute_script(f"return document.querySelector('article[data-id=\"{picked}\"] .invoked')"
                                     ".innerText").endswith("pressed Pick 1")

        send(driver, '/lyrics theme:"the sea at night" lines:4')
        lyric = wait_for(driver, NEWEST, REPLY_SECONDS, "used /lyrics theme:the sea at night", ".content b")
        verse = driver.execute_script(f"return document.querySelector('article[data-id=\"{lyric}\"] .content')"
                                      ".innerText")
        assert len([line for line in verse.splitlines() if line.strip()]) >= 4, verse

        # Mistakes: the page's hint for a command the bot lacks, and the bot's own private error reply.
        send(driver, "/melodee C E G", refused=True)
        wait_for(driver, NEWEST, 60, "Did you mean /melody?")
        send(driver, "/melody C H G")
        refused = wait_for(driver, NEWEST, 120, "used /melody notes:C H G", ".eph-note")
        assert "H" in driver.execute_script(
            f"return document.querySelector('article[data-id=\"{refused}\"] .content').innerText")

        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
    finally:
        driver.save_screenshot(str(tmp_path / "playground.png"))
        print(f"browser test took {time.monotonic() - started:.1f} s; screenshot {tmp_path / 'playground.png'}")
