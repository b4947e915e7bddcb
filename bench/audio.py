"""Audio previews before and after the MuseScore soundfont and loudness normalisation, in one run.

    python -m bench.audio [--before 5c8ecad] [--repeats 5] [--out out/audio] [--report bench/reports/audio.md]

"Before" is data/audio.py as committed at ``--before`` (TimGM6mb, every file's peak at -1 dBFS), loaded beside the
working tree's (the first playable of ``data.audio.soundfont_candidates()``, -16 LUFS, peaks at most -1.5 dBFS).
Examples: the three 8-bar candidates of bench/render.py (corpus openings in 4/4, 6/8 and 3/4) and "Mary had a little
lamb" arranged (form AABA, seed 4, shipped melody model) in each style. Loudness is the integrated loudness
(ITU-R BS.1770-4, pyloudnorm) and the peak the sample peak of the decoded OGG, what a listener gets; CPU is the
median ``time.process_time`` of ``midi_to_ogg`` over ``--repeats`` renders after a warm-up (so without loading the
soundfont, which is timed on its own in a fresh process).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

from bench.render import melodies
from bench.report import write_section
from data import audio
from data.events import Key, Melody, Meter
from data.midi import melody_to_midi
from data.notation import parse_seed

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPORT = Path(__file__).parent / "reports" / "audio.md"
BEFORE = "5c8ecad"  # the last commit with TimGM6mb and peak normalisation
TUNE = "E D C D E E E:h D:q D D:h E:q G G:h"
STYLES = ("folk band", "rock", "piano ballad", "chorale")


def load_before(ref: str) -> ModuleType:
    """data/audio.py as committed at ``ref``, as a module of its own."""
    source = subprocess.run(["git", "show", f"{ref}:data/audio.py"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout
    spec = importlib.util.spec_from_loader("_audio_before", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{ref}:data/audio.py", "exec"), module.__dict__)
    sys.modules[spec.name] = module
    return module


def examples() -> dict[str, bytes]:
    """Example name -> MIDI: three melody candidates and an arrangement in each style."""
    from studio.arrange.arranger import ArrangeRequest, arrange
    from studio.arrange.files import arrangement_midi
    from studio.melody import DEFAULT_CHECKPOINT, Composer

    out = {f"melody {m.key} {m.meter}": melody_to_midi(m) for m in melodies()}
    tune = Melody(parse_seed(TUNE).notes, Key.parse("C major"), Meter.parse("4/4"), 100)
    composer = Composer.load(DEFAULT_CHECKPOINT)
    try:
        for style in STYLES:
            a = asyncio.run(arrange(composer, ArrangeRequest(form="AABA", style=style, seed=4), tune))
            out[f"arrangement {style} ({a.total_bars} bars)"] = arrangement_midi(a)
    finally:
        composer.close()
    return out


def first_render_ms(version: str, ref: str) -> float:
    """In a fresh interpreter: CPU ms of the first render of a one-note file beyond a second one's: loading the
    soundfont (and, after, pyloudnorm's scipy import), once per render worker."""
    code = ("import time; import bench.audio as b; from data import audio; "
            f"m = b.load_before({ref!r}) if {version == 'before'} else audio; "
            "midi = b.melody_to_midi(b.Melody(b.parse_seed('C').notes)); t = time.process_time(); m.midi_to_ogg(midi); "
            "first = time.process_time() - t; t = time.process_time(); m.midi_to_ogg(midi); "
            "print((first - (time.process_time() - t)) * 1000)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def run(ref: str, repeats: int, out: Path | None) -> str:
    versions = {"before": load_before(ref), "after": audio}
    songs = examples()
    loads = {name: first_render_ms(name, ref) for name in versions}
    lines = [f"Before: `{ref}` (git): TimGM6mb, peak -1 dBFS. After: the working tree: "
             f"`{Path(audio.soundfont_path()).name}`, {audio.TARGET_LUFS:g} LUFS, peaks at most "
             f"{audio.CEILING_DBFS:g} dBFS before encoding. CPU ms: median of {repeats} renders.", "",
             "| example | seconds | before LUFS | before peak dBFS | before ms | after LUFS | after peak dBFS "
             "| after ms |",
             "|---|---|---|---|---|---|---|---|"]
    levels: dict[str, list[float]] = {name: [] for name in versions}
    for label, midi in songs.items():
        cells = []
        for name, module in versions.items():
            ogg = module.midi_to_ogg(midi, max_seconds=240.0)
            spent = []
            for _ in range(repeats):
                start = time.process_time()
                module.midi_to_ogg(midi, max_seconds=240.0)
                spent.append(time.process_time() - start)
            seconds, peak = audio.audio_stats(ogg)
            lufs = audio.audio_loudness(ogg)
            levels[name].append(lufs)
            cells += [f"{lufs:.1f}", f"{peak:.1f}", f"{statistics.median(spent) * 1000:.0f}"]
            if out:
                out.mkdir(parents=True, exist_ok=True)
                (out / f"{name}-{label.split(' (')[0].replace(' ', '-').replace('/', '')}.ogg").write_bytes(ogg)
        lines.append(f"| {label} | {seconds:.0f} | " + " | ".join(cells) + " |")
    spread = {name: max(v) - min(v) for name, v in levels.items()}
    lines += ["", f"Spread of loudness across the examples: before {spread['before']:.1f} LU, after "
              f"{spread['after']:.1f} LU. First render in a new process, beyond a later one (CPU ms, once per render "
              f"worker: the soundfont's piano and drums, and after, pyloudnorm's scipy import): "
              f"before {loads['before']:.0f}, after {loads['after']:.0f}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=BEFORE, help="git revision of the old data/audio.py")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, help="write each version's OGG files here, to listen to")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    args = parser.parse_args()
    started = time.time()
    text = run(args.before, args.repeats, args.out)
    text += f"\n\n`python -m bench.audio --repeats {args.repeats}`: {time.time() - started:.0f} s."
    print(text)
    if not args.report.exists():
        args.report.write_text("# Audio preview benchmark\n\n" + (__doc__ or "") + "\n")
    write_section(args.report, "audio", text)


if __name__ == "__main__":
    main()
