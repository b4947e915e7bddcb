"""Arrangement benchmark: `/arrange` across forms x styles x meters on corpus tunes, against a naive arrangement.

    python -m bench.arrange [--tunes 3] [--render 8] [--report bench/reports/arrange.md]

Melodies: the first bars of ``--tunes`` tunes per meter from the committed tune index (data/tunes.json.gz; 5/4 and
7/8 are rare there, 7/4 is absent, so a stepwise scale tune stands in for a meter the model never learned). Each is
arranged in every style and in the forms AABA, verse-chorus, AB and A, with the shipped melody model and harmony
tables on CPU. The baseline is measured in the same run on the same layout: B repeats A, one block chord per bar
(the diatonic triad holding most of the bar's melody, root position above middle C), a root bass in whole bars and a
kick on every beat with a hat; what a quick hand-made backing track would be.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from bench.report import write_section
from data.audio import audio_stats, midi_to_ogg
from data.errors import MusicError
from data.events import Key, Melody, Meter, Note
from data.midi import arrangement_to_midi
from data.notation import parse_seed
from data.tunes import load_index
from studio.arrange.arranger import Arrangement, ArrangeRequest, Track, arrange, outside_key
from studio.arrange.files import arrangement_files
from studio.arrange.parts import CLOSED_HAT, HIGH_TOM, KICK, LOW_TOM, MID_TOM, ChordSpan, TrackNote, pulse
from studio.harmony.harmonizer import diatonic, symbol
from studio.melody import Composer

FORMS = ("AABA", "verse-chorus", "AB", "A")
STYLES = ("folk band", "piano ballad", "rock", "chorale")
METERS = ("4/4", "3/4", "6/8", "2/4", "5/4", "7/8", "7/4")
DEFAULT_REPORT = Path(__file__).parent / "reports" / "arrange.md"
NOTES = """
Notes
- "In key": a pitched note whose pitch class is in the key's scale or in the chord sounding at its onset (a major V
  in minor, a typed E7 in C). The melody track is included, so the corpus tunes' own accidentals (kept as written)
  are why the share is below 1; "notes added outside the key" counts everything else (band, model melody, ornaments):
  0 is the requirement.
- "Band notes inside their bar": every note of every track but the melody starts and ends in one bar; the melody
  keeps the user's ties over bar lines. "Past the last bar": notes of any track ending after the final bar line.
- The naive baseline chooses each bar's chord to hold the most melody, which is exactly what the strong-beat
  chord-tone share rewards; the Harmonizer trades a little of it for progressions and cadences, so on 6/8 and 2/4
  the baseline scores higher there. Chord-track movement: mean semitones from each chord-instrument note to the
  nearest note of the previous chord, at chord changes (voice leading; lower is smoother); the baseline's root-position
  blocks jump, ours are led. Arpeggios and strums count every pitch they play in a chord.
- Cadences: a B section that returns to A (AABA) ends on the dominant, a half cadence that leads home: its melody
  ends on the 5th (``ending="half"``, or the rule variation's last note moved to the nearest 5th where the model
  can't write the meter) and its chords on V; the last section before the outro closes on the tonic. In
  verse-chorus the chorus closes, so its column is 0 by design.
  The naive baseline's B repeats A, so it ends where A does.
- "B bars on I": the share of B's bars that start on the tonic chord. B is a bridge: the model writes it over
  chords that leave home (IV, vi, the relative major's) and come back (``studio.arrange.chords.BRIDGES``; a mode
  with none, and the rule's variation, are harmonised from their notes). The naive B is A again, on A's chords.
  The model reads all of A before it writes B (thirty-second session; it read A's last bar only, often one held
  note, so B's rhythm came from nowhere: a tune in steady quarters got a bridge of dotted sixteenths). 24 AABA
  arrangements of this bench's 4/4, 3/4, 6/8 and 2/4 tunes (seeds 1, 2): distance between A's and B's note lengths
  (total variation of their shares) 0.35 -> 0.17, B's notes a bar less A's -0.41 -> -0.12, B's bars equal to a bar
  of A 1.0% -> 2.6%, B's mean pitch above A's +1.5 -> +0.8 semitones; the table above, same command before ->
  after: strong-beat chord tones 0.911 -> 0.910, median time 59 -> 75 ms (a longer prompt). A seed holds 64 notes:
  a busier A gives the model its last whole phrases that fit.
- Files: the first corpus tune (8 bars: sections cap at 8, so 36 bars and a lead sheet) and the 7/4 scale tune
  (4-bar sections, 20 bars, the full three-staff score) in every style. The mix is normalised to -16 LUFS with
  peaks at most -1.5 dBFS in data/audio.py; the measured peak is of the decoded OGG (Vorbis overshoots a little),
  never 0 dBFS or above.
"""


def melodies(per_meter: int) -> list[tuple[str, Melody]]:
    """(name, melody) per meter: corpus tunes, or a stepwise tune where the corpus has none."""
    index = load_index()
    out = []
    for meter in METERS:
        tunes = [t for t in index if t.meter == meter]
        picked = tunes[:: max(1, len(tunes) // per_meter)][:per_meter]
        for t in picked:
            out.append((f"{t.title} ({meter})", Melody(tuple(t.notes), Key.parse(t.key), Meter.parse(meter), t.tempo)))
        if not picked:
            m = Meter.parse(meter)
            unit = m.unit_ticks
            steps = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62]
            notes = (*(Note(steps[i % len(steps)], unit) for i in range(4 * m.numerator - 1)), Note(60, unit))
            out.append((f"scale tune ({meter})", Melody(notes, Key(0), m, 100)))
    return out


# ---- the naive baseline ------------------------------------------------------------------------------
def naive(ours: Arrangement) -> Arrangement:
    """Our layout with the naive parts (see the module docstring)."""
    key, meter, bar = ours.key, ours.meter, ours.bar_ticks
    a_melody = next(s.melody for s in ours.sections if s.letter == "A")
    triads = [diatonic(key, d) for d in range(7)]
    sections, melody, chords, bass, drums = [], [], [], [], []
    for section in ours.sections:
        notes = a_melody if section.letter in "AB" else ()
        spans = []
        for b in range(section.bars):
            start = section.start + b * bar
            weight = [0] * 7
            now = section.start
            for n in notes:
                if n.pitch is not None and start <= now < start + bar:
                    for d, (root, iv) in enumerate(triads):
                        weight[d] += n.ticks * ((n.pitch - key.tonic - root) % 12 in iv)
                now += n.ticks
            d = max(range(7), key=lambda i: (weight[i], -[0, 4, 3].index(i) if i in (0, 4, 3) else -9))
            root, iv = triads[d]
            pc = (key.tonic + root) % 12
            spans.append(ChordSpan(start, bar, symbol(key, root, iv), pc, iv))
            chords += [TrackNote(start, bar, 60 + pc + i, 70) for i in iv]
            bass.append(TrackNote(start, bar, 36 + pc, 90))
            unit = meter.unit_ticks
            drums += [TrackNote(start + u * unit, unit, KICK, 80) for u in range(meter.numerator)]
            drums += [TrackNote(start + u * unit, unit, CLOSED_HAT, 60) for u in range(meter.numerator)]
        now = section.start
        for n in notes:
            if n.pitch is not None:
                melody.append(TrackNote(now, n.ticks, n.pitch, 100))
            now += n.ticks
        sections.append(replace(section, chords=tuple(spans), melody=notes))
    tracks = (Track("Melody", ours.tracks[0].program, False, tuple(melody)), Track("Chords", 0, False, tuple(chords)),
              Track("Bass", 33, False, tuple(bass)), Track("Drums", 0, True, tuple(drums)))
    return replace(ours, sections=tuple(sections), tracks=tracks, given=frozenset(range(len(melody))))


# ---- measures --------------------------------------------------------------------------------------------
def measures(a: Arrangement) -> dict[str, float]:
    bar, chords = a.bar_ticks, a.chords
    pitched = [n for t in a.tracks if not t.is_drum for n in t.notes]
    in_key = sum(n.pitch % 12 in a.key.scale or n.pitch % 12 in next(
        (c.pitch_classes for c in chords if c.start <= n.start < c.end), frozenset()) for n in pitched)
    band = [n for t in a.tracks[1:] for n in t.notes]
    inside = sum(n.start // bar == (n.start + n.ticks - 1) // bar for n in band)
    past_end = sum(n.start + n.ticks > a.total_ticks for t in a.tracks for n in t.notes)
    p = pulse(a.meter)
    strong = {s for s, k in zip(p.group_starts(), p.strong(), strict=True) if k}
    on_strong = [n for n in a.tracks[0].notes if n.start % bar in strong]
    fit = sum(n.pitch % 12 in next(c.pitch_classes for c in chords if c.start <= n.start < c.end) for n in on_strong)
    voicings = [(c.symbol, {n.pitch for n in a.tracks[1].notes if c.start <= n.start < c.end}) for c in chords]
    moves = [statistics.mean(min(abs(x - y) for y in before) for x in after)
             for (s1, before), (s2, after) in itertools.pairwise(voicings) if s1 != s2 and before and after]
    a_melody = next((s.melody for s in a.sections if s.letter == "A"), ())
    b_sections = [s for s in a.sections if s.letter == "B"]
    ends = [s for s in a.sections if s.letter != "outro"]
    drums = next((t for t in a.tracks if t.is_drum), None)
    fills = sum(any(n.pitch in (HIGH_TOM, MID_TOM, LOW_TOM) and n.start // bar == (s.start // bar + s.bars - 1)
                    for n in drums.notes) for s in ends) if drums else 0
    body = [s for s in a.sections if s.letter in "AB"]
    returning = [s for s, following in itertools.pairwise(body) if s.letter == "B" and following.letter == "A"]
    dominant = (a.key.tonic + 7) % 12
    b_bars = [next(c for c in s.chords if c.start <= s.start + k * bar < c.end) for s in b_sections
              for k in range(s.bars)]
    return {"b_home": statistics.mean(c.root == a.key.tonic for c in b_bars) if b_bars else float("nan"),
            "in_key": in_key / max(len(pitched), 1), "foreign": len(outside_key(a)),
            "half": (statistics.mean(s.chords[-1].root == dominant for s in returning) if returning
                     else float("nan")),
            "close": float(body[-1].chords[-1].root == a.key.tonic),
            "inside": inside / max(len(band), 1), "past_end": past_end,
            "fit": fit / max(len(on_strong), 1), "move": statistics.mean(moves) if moves else 0.0,
            "b_new": sum(s.melody != a_melody for s in b_sections) / len(b_sections) if b_sections else float("nan"),
            "fills": fills / len(ends) if drums else float("nan")}


def mean(rows: list[dict[str, float]], name: str, digits: int = 3) -> str:
    values = [r[name] for r in rows if r[name] == r[name]]  # NaN (not applicable: no B, no drums) left out
    return f"{statistics.mean(values):.{digits}f}" if values else "—"


async def bad_inputs(composer: Composer) -> list[str]:
    """Time and outcome for the inputs the issue names."""
    cases = {
        "no notes (only rests)": Melody((Note(None, 48),), Key(0), Meter(), 100),
        "1,000 bars": Melody(tuple(Note(60 + 2 * (i % 4), 48) for i in range(1000)), Key(0), Meter(), 100),
        "chromatic run": Melody(parse_seed("C4:e C# D D# E F F# G G# A A# B C5 B4 Bb A Ab G Gb F E Eb D Db C:h"
                                           ).notes, Key(0), Meter(), 100),
        "5/4": Melody(parse_seed("C D E F G | A G F E D | C:w").notes, Key(0), Meter(5, 4), 100),
        "7/8": Melody(parse_seed("C:e D E F G A B | C5:q. B4:q A:q.").notes, Key(0), Meter(7, 8), 100),
        "7/4 (not in the model's vocabulary)": Melody(parse_seed("C D E F G A B | C5:w.").notes, Key(0), Meter(7, 4),
                                                      100),
    }
    lines = ["| input | outcome | time (ms) |", "|---|---|---|"]
    for name, melody in cases.items():
        started = time.perf_counter()
        try:
            a = await arrange(composer, ArrangeRequest(form="AABA", style="rock", seed=1), melody)
            b = next(s.how for s in a.sections if s.letter == "B")
            outcome = (f"{a.total_bars} bars; B: {b}; notes I added outside the key: {len(outside_key(a))}; the "
                       f"user's: {len(outside_key(a, include_given=True)) - len(outside_key(a))}"
                       + ("; trimmed" if any("first" in r for r in a.remarks) else ""))
        except MusicError as exc:
            outcome = f"message: {exc}"
        lines.append(f"| {name} | {outcome} | {1000 * (time.perf_counter() - started):.0f} |")
    return lines


async def run(per_meter: int, render: int) -> str:
    composer = Composer.load()
    try:
        tunes = melodies(per_meter)
        ours_rows: dict[str, list] = defaultdict(list)
        base_rows: dict[str, list] = defaultdict(list)
        times, base_times, rendered = [], [], []
        for name, melody in tunes:
            for style in STYLES:
                for form in FORMS:
                    started = time.perf_counter()
                    a = await arrange(composer, ArrangeRequest(form=form, style=style, seed=7), melody)
                    times.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    b = naive(a)
                    base_times.append(time.perf_counter() - started)
                    for key in (style, str(melody.meter), form, "all"):
                        ours_rows[key].append(measures(a))
                        base_rows[key].append(measures(b))
                    if form == "AABA" and len(rendered) < render and name in (tunes[0][0], tunes[-1][0]):
                        rendered.append((name, style, a, b))
        audio = []
        for name, style, a, b in rendered:
            started = time.perf_counter()
            files = arrangement_files(a)
            seconds = time.perf_counter() - started
            ours_peak = audio_stats(next(f.data for f in files if f.filename.endswith(".ogg")))[1]
            base_peak = audio_stats(midi_to_ogg(arrangement_to_midi(b.tracks, b.tempo, b.meter, b.key)))[1]
            audio.append((name, style, a.total_bars, seconds, ours_peak, base_peak))
        lines = [f"{len(tunes)} melodies x {len(STYLES)} styles x {len(FORMS)} forms = {len(times)} arrangements "
                 f"(seed 7), CPU, 2 cores shared.", "",
                 f"Time per arrangement (model + chords + parts, no files): median "
                 f"{1000 * statistics.median(times):.0f} ms, max {1000 * max(times):.0f} ms; naive baseline median "
                 f"{1000 * statistics.median(base_times):.2f} ms.", "",
                 "| group | arrangements | pitched notes in key (scale or chord) ours / naive | notes added outside "
                 "the key | band notes inside "
                 "their bar ours / naive | notes past the last bar | strong-beat melody notes that are chord tones "
                 "ours / naive | chord-track movement per change, semitones ours / naive | B sections with a new "
                 "melody | section ends with a drum fill | B sections before an A ending on V ours / naive | "
                 "last section ending on I ours / naive | B bars on I ours / naive |",
                 "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for group in ("all", *STYLES, *FORMS, *METERS):
            o, n = ours_rows[group], base_rows[group]
            if not o:
                continue
            lines.append(f"| {group} | {len(o)} | {mean(o, 'in_key')} / {mean(n, 'in_key')} | "
                         f"{sum(r['foreign'] for r in o):.0f} / {sum(r['foreign'] for r in n):.0f} | "
                         f"{mean(o, 'inside')} / {mean(n, 'inside')} | "
                         f"{sum(r['past_end'] for r in o):.0f} / {sum(r['past_end'] for r in n):.0f} | "
                         f"{mean(o, 'fit')} / {mean(n, 'fit')} | {mean(o, 'move', 2)} / {mean(n, 'move', 2)} "
                         f"| {mean(o, 'b_new', 2)} / {mean(n, 'b_new', 2)} | "
                         f"{mean(o, 'fills', 2)} / {mean(n, 'fills', 2)} | {mean(o, 'half', 2)} / "
                         f"{mean(n, 'half', 2)} | {mean(o, 'close', 2)} / {mean(n, 'close', 2)} | "
                         f"{mean(o, 'b_home', 2)} / {mean(n, 'b_home', 2)} |")
        lines += ["", "Files (score or lead sheet, overview, MIDI, OGG, MusicXML) and the mix's peak level:", "",
                  "| melody | style | bars | files (s) | peak dBFS ours | peak dBFS naive |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {n} | {s} | {bars} | {sec:.2f} | {op:.2f} | {bp:.2f} |" for n, s, bars, sec, op, bp in audio]
        lines += ["", "Bad input (form AABA, rock):", "", *await bad_inputs(composer)]
        return "\n".join([*lines, NOTES])
    finally:
        composer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tunes", type=int, default=3, help="corpus tunes per meter")
    parser.add_argument("--render", type=int, default=8, help="arrangements whose files are rendered and timed")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    args = parser.parse_args()
    started = time.time()
    text = asyncio.run(run(args.tunes, args.render))
    text += f"\n\nWhole benchmark: {time.time() - started:.0f} s."
    print(text)
    if not args.report.exists():
        args.report.write_text("# Arrangement (/arrange) benchmark\n\n" + (__doc__ or "") + "\n")
    write_section(args.report, "arrange", text)


if __name__ == "__main__":
    main()
