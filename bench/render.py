"""CPU per file type of a /melody reply: today's code (from git) against the working tree, in one run.

    python -m bench.render [--repeats 9] [--before 7b26b66] [--out out/render] [--report bench/reports/render.md]

Replies: three candidates of eight bars (the openings of the first committed corpus tunes in 4/4, 6/8 and 3/4,
moved to B minor, E minor and F major, their first two bars as the seed), once without words and once with a
syllable under every note, as ``studio.render.candidate_files`` makes them for the bot; and one melody with
words as ``melody_files`` makes it (/lyrics, the CLI: every score page, the MusicXML and a one-lane piano roll).

"Before" is studio/render.py, data/engraving.py, data/audio.py and data/theory.py as committed at ``--before``,
loaded under another package name beside the working tree's. Each reply is rendered ``--repeats`` times per
version (alternating, after one warm-up each, so both see the same machine load) and every file-making call
(the module globals of studio/render.py: piano roll, MusicXML, score pages, OGG, MIDI) is timed in CPU seconds
(``time.process_time``: this process's CPU in all its threads, not wall time, since the two cores are shared),
exclusive of the calls nested in it; the table shows medians over the repeats. "First reply in a new process" runs
each version in a fresh interpreter: the CPU of its imports and of its first 3-candidate reply, when a worker
of a process pool also loads fonts, the verovio toolkit and the soundfont.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from bench.report import write_section
from data.events import Key, Melody, Meter, Note
from data.notation import parse_seed
from data.tunes import load_index

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPORT = Path(__file__).parent / "reports" / "render.md"
BEFORE = "7b26b66"  # the commit before issue 14
MODULES = {"audio": "data/audio.py", "engraving": "data/engraving.py", "theory": "data/theory.py",
           "render": "studio/render.py"}
# File type -> the names studio/render.py may call it by (module globals, wrapped with a timer).
KINDS = {
    "piano roll": ("piano_roll_png",),
    "MusicXML": ("melody_to_musicxml",),
    "score pages": ("musicxml_to_pngs",),
    "OGG": ("midi_to_ogg",),
    "MIDI": ("melody_to_midi",),
}
PLAN = {"4/4": ("D", 2), "6/8": ("G", -5), "3/4": ("F", 5)}  # meter -> major key (or its relative minor), shift
NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
WORDS = re.findall(r"[^\s-]+-?", "Down by the wa-ter where the wil-lows grow, I heard a sto-ry from a long a-go; "
                   "the wind was sing-ing and the night was clear, and ev-ery song I knew was call-ing here")


# ---- the replies -----------------------------------------------------------------------------------
def melodies() -> list[Melody]:
    """Three realistic 8-bar candidates: corpus openings moved to other keys, the first two bars as the seed."""
    index = load_index()
    out = []
    for meter, (major, shift) in PLAN.items():
        tune = next(t for t in index if t.meter == meter and t.mode in ("major", "minor"))
        notes = tuple(Note(None if n.pitch is None else n.pitch + shift, n.ticks) for n in tune.notes)
        tonic = NAMES[(NAMES.index(major) + (9 if tune.mode == "minor" else 0)) % 12]
        out.append(Melody(notes, Key.parse(f"{tonic} {tune.mode}"), Meter.parse(meter), tune.tempo,
                          len(parse_seed(tune.seed).notes)))
    return out


def syllables(melody: Melody) -> list[str | None]:
    """A syllable under every note (score style: 'wa-' then 'ter'), None under rests."""
    out, words = [], iter(WORDS * 4)
    for note in melody.notes:
        out.append(None if note.pitch is None else next(words))
    return out


def replies(tunes: list[Melody]) -> dict[str, Callable[[ModuleType], list]]:
    sung = [syllables(m) for m in tunes]
    return {
        "3 candidates": lambda r: r.candidate_files(tunes, "bench"),
        "3 candidates with words": lambda r: r.candidate_files(tunes, "bench", lyrics=sung),
        "1 melody with words (all files)": lambda r: r.melody_files(tunes[0], "bench", "Lyrics", lyrics=sung[0]),
    }


# ---- the two versions -------------------------------------------------------------------------------
def load_before(ref: str) -> ModuleType:
    """studio/render.py and the data modules it uses as committed at ``ref``, importable beside today's."""
    package = f"_render_before_{re.sub(r'[^0-9A-Za-z]', '_', ref)}"
    folder = Path(tempfile.mkdtemp(prefix="bench-render-")) / package
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for name, path in MODULES.items():
        source = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT, check=True, capture_output=True,
                                text=True).stdout
        source = re.sub(r"^from data\.(audio|engraving|theory) import", rf"from {package}.\1 import", source,
                        flags=re.M)
        (folder / f"{name}.py").write_text(source)
    sys.path.insert(0, str(folder.parent))
    return importlib.import_module(f"{package}.render")


class Timer:
    """Wraps the file-making globals of a render module; CPU seconds per file type, exclusive of nested calls."""

    def __init__(self, module: ModuleType) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._stack: list[list] = []  # [kind, start, seconds spent in nested timed calls]
        for kind, names in KINDS.items():
            for name in names:
                if callable(getattr(module, name, None)):
                    setattr(module, name, self._wrap(kind, getattr(module, name)))

    def _wrap(self, kind: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            frame = [kind, time.process_time(), 0.0]
            self._stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                self._stack.pop()
                elapsed = time.process_time() - frame[1]
                self.spent[kind] += elapsed - frame[2]
                if self._stack:
                    self._stack[-1][2] += elapsed

        timed.__wrapped__ = function  # type: ignore[attr-defined]
        return timed


def measure(module: ModuleType, timer: Timer, make: Callable[[ModuleType], list]) -> tuple[dict[str, float], list]:
    """One reply: CPU seconds per file type (plus 'other' and 'total') and the files."""
    timer.spent.clear()
    start = time.process_time()
    files = make(module)
    total = time.process_time() - start
    row = dict(timer.spent)
    row["other"] = total - sum(row.values())
    row["total"] = total
    return row, files


def describe(files: list) -> dict[str, str]:
    """What a file type holds: PNG sizes in pixels, OGG length, channels and rate; bytes."""
    from PIL import Image

    from data.audio import decode_ogg

    out: dict[str, list[str]] = defaultdict(list)
    for f in files:
        kind = ("piano roll" if "pianoroll" in f.filename else "score pages" if "-score" in f.filename else
                "OGG" if f.filename.endswith(".ogg") else "MIDI" if f.filename.endswith(".mid") else "MusicXML")
        if f.filename.endswith(".png"):
            image = Image.open(io.BytesIO(f.data))
            out[kind].append(f"{image.width}x{image.height} px, {len(f.data) // 1024} KB")
        elif kind == "OGG":
            audio, rate = decode_ogg(f.data)
            out[kind].append(f"{len(audio) / rate:.1f} s, {audio.shape[1]} ch, {rate} Hz, {len(f.data) // 1024} KB")
        else:
            out[kind].append(f"{len(f.data):,} bytes")
    return {kind: "; ".join(values) for kind, values in out.items()}


def cold(version: str, ref: str) -> dict[str, float]:
    """In a fresh interpreter: CPU of importing a version and of its first 3-candidate reply."""
    code = (f"import time; t = time.process_time(); import bench.render as b; base = time.process_time() - t; "
            f"tunes = b.melodies(); t = time.process_time(); "
            f"r = b.load_before({ref!r}) if {version == 'before'} else __import__('studio.render').render; "
            f"i = time.process_time() - t; t = time.process_time(); r.candidate_files(tunes, 'x'); "
            f"print(b.json.dumps({{'import': i, 'first reply': time.process_time() - t}}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- the report -------------------------------------------------------------------------------------
def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def ratio(before: float, after: float) -> str:
    return f"x{before / after:.1f}" if after > 0.0005 else "—"


def run(ref: str, repeats: int, out: Path | None) -> str:
    tunes = melodies()
    versions = {"before": load_before(ref), "after": importlib.import_module("studio.render")}
    timers = {name: Timer(module) for name, module in versions.items()}
    lines = [f"Before: `{ref}` (git); after: the working tree. {repeats} repeats per reply and version, medians, "
             f"CPU ms (process time). Candidates: "
             + ", ".join(f"{m.key} {m.meter} {m.tempo} bpm, {m.bars} bars, {len(m.notes)} notes" for m in tunes)
             + ".", ""]
    contents = []
    for reply, make in replies(tunes).items():
        rows: dict[str, list[dict[str, float]]] = {name: [] for name in versions}
        files = {}
        for name, module in versions.items():  # warm-up: imports, fonts, toolkits, soundfonts
            _, files[name] = measure(module, timers[name], make)
        for _ in range(repeats):
            for name, module in versions.items():
                rows[name].append(measure(module, timers[name], make)[0])
        median = {name: {kind: statistics.median(r.get(kind, 0.0) for r in rows[name])
                         for kind in (*KINDS, "other", "total")} for name in versions}
        lines += [f"**{reply}**", "", "| file type | before ms | after ms | ratio |", "|---|---|---|---|"]
        for kind in (*KINDS, "other", "total"):
            b, a = median["before"][kind], median["after"][kind]
            if kind == "total" or b > 0.0005 or a > 0.0005:
                label = "**whole reply**" if kind == "total" else kind
                lines.append(f"| {label} | {ms(b)} | {ms(a)} | {ratio(b, a)} |")
        lines.append("")
        described = {name: describe(f) for name, f in files.items()}
        contents += [f"| {reply} | {kind} | {described['before'].get(kind, '—')} | "
                     f"{described['after'].get(kind, '—')} |"
                     for kind in KINDS if kind in described["before"] or kind in described["after"]]
        if out:
            for name, fs in files.items():
                folder = out / name / re.sub(r"\W+", "-", reply).strip("-")
                folder.mkdir(parents=True, exist_ok=True)
                for f in fs:
                    (folder / f.filename).write_bytes(f.data)
    first = {name: cold(name, ref) for name in versions}
    lines += ["**First reply in a new process** (3 candidates, e.g. a fresh process-pool worker)", "",
              "| | before ms | after ms | ratio |", "|---|---|---|---|"]
    lines += [f"| {what} | {ms(first['before'][what])} | {ms(first['after'][what])} | "
              f"{ratio(first['before'][what], first['after'][what])} |" for what in ("import", "first reply")]
    lines += ["", "What the files hold (before / after):", "", "| reply | file type | before | after |",
              "|---|---|---|---|", *contents]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=BEFORE, help="git revision of today's code")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--out", type=Path, help="write each version's files here, to look at")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    args = parser.parse_args()
    started = time.time()
    text = run(args.before, args.repeats, args.out)
    text += f"\n\n`python -m bench.render --repeats {args.repeats}`: {time.time() - started:.0f} s."
    print(text)
    if not args.report.exists():
        args.report.write_text("# File rendering (CPU per reply) benchmark\n\n" + (__doc__ or "") + "\n")
    write_section(args.report, "render", text)


if __name__ == "__main__":
    main()
