"""A teacher's reading of a melody: every part of the analysis, and the same reading in plain sentences.

``analyze`` does the work (CPU: front ends call it in an executor); ``sections`` words it, one titled paragraph per
topic, for the CLI's printout and the bot's embeds alike.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from data.errors import MusicError, opt
from data.events import Key, Melody
from studio.analysis.cadences import Cadence, cadences
from studio.analysis.key import KeyReading, describe_mode, read_key
from studio.analysis.melodic import Contour, Intervals, Range, contour, intervals, pitch_range
from studio.analysis.phrases import Phrase, find_phrases, form
from studio.analysis.rhythm import Rhythm, rhythm
from studio.analysis.words import article, interval_name, join, note_name, percent, plural, value_name
from studio.harmony.harmonizer import HarmonyResult, harmonize_melody, phrase_rest
from studio.mood import mood_section

MAX_NOTES = 256
SHAPES = {
    "arch": "an arch: it climbs to a high point and comes back down",
    "inverted arch": "an inverted arch: it dips to a low point and climbs back",
    "rising": "rising: it ends higher than it starts",
    "falling": "falling: it ends lower than it starts",
    "wave": "a wave: it rises and falls several times",
    "level": "level: it stays around a few notes",
}
def runs(items: list[str]) -> list[tuple[int, int, str]]:
    """(first, last, item) of each run of equal items, 1-based: ["a", "a", "b"] -> [(1, 2, "a"), (3, 3, "b")]."""
    out: list[tuple[int, int, str]] = []
    for n, item in enumerate(items, 1):
        if out and out[-1][2] == item:
            out[-1] = (out[-1][0], n, item)
        else:
            out.append((n, n, item))
    return out


def numbers(values: list[int]) -> str:
    """'4', '4 and 8', '4, 8 and 12'."""
    return join([str(v) for v in values])


@dataclass(frozen=True)
class Section:
    title: str
    text: str


@dataclass(frozen=True)
class Analysis:
    """Everything the analysis found; ``melody`` is in the key used for the roman numerals (given or found)."""

    melody: Melody
    reading: KeyReading
    given_key: Key | None
    range: Range
    intervals: Intervals
    contour: Contour
    phrase_shapes: tuple[str, ...]
    phrases: tuple[Phrase, ...]
    sections: tuple[Phrase, ...]  # 8-bar sections' letters in long tunes (16 bars or more), else empty
    rhythm: Rhythm
    harmony: HarmonyResult
    cadences: tuple[Cadence, ...]
    key_written: bool = False  # ``given_key`` is a MIDI file's key signature's, not one the user typed

    @property
    def key(self) -> Key:
        return self.melody.key

    @property
    def form(self) -> str:
        return form(list(self.phrases))


def analyze(melody: Melody, key: Key | None = None, ending: str = "closed", written: bool = False) -> Analysis:
    """Read the melody: its key (from the notes; ``key`` when the user gave one, or ``written``: a MIDI file's key
    signature gave it, for the harmony), scale, range, intervals, contour, phrases, cadences, rhythm and a
    harmonisation (``ending="half"``: a melody of the bot's asked to end on a half cadence, whose harmony ends on
    the dominant)."""
    if not any(n.pitch is not None for n in melody.notes):
        raise MusicError(f"There are no notes to analyse. Give me a melody, e.g. {opt('notes', 'G A B C D E F# G')}.",
                         "notes")
    if len(melody.notes) > MAX_NOTES:
        raise MusicError(f"That melody has {len(melody.notes)} notes; I analyse up to {MAX_NOTES}. Give me a part of "
                         f"it, e.g. its first eight bars.", "notes")
    reading = read_key(melody)
    used = Melody(melody.notes, key or reading.key, melody.meter, melody.tempo, pickup=melody.pickup)
    phrases = find_phrases(used)
    sections = find_phrases(used, 8) if used.bars >= 16 and len(phrases) >= 4 and phrases[0].last_bar == 4 else []
    shapes = tuple(contour(used, p.start, p.end).shape for p in phrases if p.letter != "–")
    harmony = harmonize_melody(used, "beat", "chorale", ending)  # per beat the learned moves make the cadences
    ends = [(p.index, p.start, p.end if p is phrases[-1] else phrase_rest(used, p.end, used.pickup)) for p in phrases]
    return Analysis(used, reading, key, pitch_range(used), intervals(used), contour(used), shapes, tuple(phrases),
                    tuple(sections), rhythm(used), harmony, tuple(cadences(harmony, used, ends)), written)


# ---- words ---------------------------------------------------------------------------------------------------
def key_text(a: Analysis) -> str:
    r = a.reading
    found = f"**{r.key}** (confidence {percent(r.confidence)}; next: {r.runner_up}, {percent(r.runner_up_confidence)})."
    text = f"{found} {r.why}"
    if a.given_key is not None and (a.given_key.tonic, a.given_key.mode) != (r.key.tonic, r.key.mode):
        setter = "The file's key signature writes" if a.key_written else "You set"
        text = (f"{setter} {a.given_key}, so the harmony and the roman numerals below are in {a.given_key}. From the "
                f"notes alone I'd say {text}")
    return text


def scale_text(a: Analysis) -> str:
    key, melody = a.key, a.melody
    used = Counter(n.pitch % 12 for n in melody.notes if n.pitch is not None)
    inside = [pc for pc in key.degrees if used[pc]]
    missing = [pc for pc in key.degrees if not used[pc]]
    outside = sorted((pc for pc in used if pc not in key.scale), key=lambda pc: (pc - key.tonic) % 12)
    parts = [f"{describe_mode(key)}."]
    relative = {(pc - key.tonic) % 12 for pc in inside}
    pentatonic = {frozenset({0, 2, 4, 7, 9}): "major", frozenset({0, 3, 5, 7, 10}): "minor"}.get(frozenset(relative))
    if pentatonic and not outside:
        gap = join([note_name(60 + pc, key, octave=False) for pc in missing])
        parts.append(f"The melody uses 5 of its 7 notes, without {gap}: the {pentatonic} pentatonic scale, "
                     "the five-note scale of much folk music.")
    elif missing:
        gap = join([note_name(60 + pc, key, False) for pc in missing], "or")
        parts.append(f"The melody uses {len(inside)} of its 7 notes (not {gap}).")
    else:
        parts.append("The melody uses all seven notes of the scale.")
    if outside:
        named = []
        for pc in outside:
            role = " (the leading tone)" if (pc - key.tonic) % 12 == 11 else ""
            named.append(f"{note_name(60 + pc, key, False)}{role} {_times(used[pc])}")
        parts.append(f"Outside the scale: {join(named)} — chromatic colour.")
    return " ".join(parts)


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


def range_text(a: Analysis) -> str:
    r, key = a.range, a.key
    low, high = note_name(r.low, key), note_name(r.high, key)
    span = "one note" if r.span == 0 else f"a range of {article(interval_name(r.span))}"
    text = f"From {low} to {high}: {span} ({plural(r.span, 'semitone')})."
    if r.span:
        text += (f" The tessitura — where it spends most of its time ({percent(r.tess_share)}) — is "
                 f"{note_name(r.tess_low, key)} to {note_name(r.tess_high, key)}.")
    voices = join(list(r.voices), "or")
    if not voices:
        return text + " Wider or higher than one choir voice sings easily."
    return text + f" Comfortable for {article(voices)} voice."


def interval_text(a: Analysis) -> str:
    i, key = a.intervals, a.key
    if i.count == 0:
        return "Only one note: no intervals yet."
    parts = [f"{plural(i.count, 'move')} from note to note: {percent(i.steps / i.count)} steps (seconds), "
             f"{percent(i.repeats / i.count)} repeated notes, {percent(i.skips / i.count)} skips (thirds) and "
             f"{percent(i.leaps / i.count)} leaps (a fourth or more)."]
    parts.append("Mostly stepwise: a conjunct line, easy to sing." if i.conjunct else
                 "Many leaps: a disjunct line, lively but harder to sing.")
    if i.largest:
        bar, a_pitch, b_pitch = i.largest_at
        parts.append(f"The widest move is {article(interval_name(i.largest))} {'up' if i.largest > 0 else 'down'}, "
                     f"{note_name(a_pitch, key)} → {note_name(b_pitch, key)} in bar {bar}.")
    parts.append(f"It moves up {_times(i.rising)} and down {_times(i.falling)}.")
    return " ".join(parts)


def contour_text(a: Analysis) -> str:
    c, key = a.contour, a.key
    text = f"The whole melody is {SHAPES[c.shape]}."
    climax = note_name(c.climax, key)
    text += (f" Its highest note, {climax}, comes in bar {c.climax_bar}"
             f"{' and only once: a single climax' if c.climax_times == 1 else f' ({_times(c.climax_times)})'}.")
    if len(a.phrase_shapes) > 1:
        shapes = [f"phrase {first} {shape}" if first == last else f"phrases {first}-{last} {shape}"
                  for first, last, shape in runs(list(a.phrase_shapes))]
        text += f" Phrase by phrase: {join(shapes)}."
    return text


def _relation(p: Phrase, phrases: tuple[Phrase, ...], key: Key) -> str:
    other = phrases[p.like] if p.like is not None else None
    if other is None:
        return ""
    alike = percent(p.similarity)
    if p.shift % 12 and p.similarity >= 0.9:
        direction = "higher" if p.shift > 0 else "lower"
        step = article(interval_name(p.shift, short=True))
        return f"repeats phrase {other.index + 1} {step} {direction} (a sequence)"
    if p.shift and p.shift % 12 == 0 and p.similarity >= 0.9:
        return f"repeats phrase {other.index + 1} an octave {'higher' if p.shift > 0 else 'lower'}"
    if p.similarity >= 0.999:
        return f"repeats phrase {other.index + 1} exactly"
    if p.letter == other.letter:
        return f"repeats phrase {other.index + 1} ({alike} alike)"
    return f"varies phrase {other.index + 1} ({alike} alike)"


def phrase_text(a: Analysis) -> str:
    phrases = a.phrases
    if len(phrases) == 1:
        return f"One phrase ({phrases[0].bars}): too short to compare phrases. Give me 4 bars or more to see its form."
    size = phrases[0].last_bar - phrases[0].first_bar + 1
    parts = [f"{plural(len(phrases), 'phrase')} of {plural(size, 'bar')}: **{' '.join(p.letter for p in phrases)}** "
             "(a letter for each phrase: the same letter for a repeat, A' for a variation of A)."]
    told: dict[str, list[Phrase]] = {}  # the same relation for several phrases is said once
    for p in phrases[1:]:
        relation = _relation(p, phrases, a.key)
        if relation:
            told.setdefault(relation, []).append(p)
    for relation, which in told.items():
        if len(which) == 1:
            parts.append(f"Phrase {which[0].index + 1} ({which[0].bars}) {relation}.")
        else:
            plural_verb = relation.replace("repeats", "repeat", 1).replace("varies", "vary", 1)
            parts.append(f"Phrases {numbers([p.index + 1 for p in which])} {plural_verb}.")
    new = [p for p in phrases if p.like is None and p.letter != "–"]
    if len(new) > 1:
        parts.append(f"New material starts at {join([f'phrase {p.index + 1} ({p.letter})' for p in new[1:]])}.")
    if a.sections:
        dance = " — the AABB of a dance tune: each part played twice" if form(list(a.sections)) == "AABB" else ""
        parts.append(f"In 8-bar sections the form is **{' '.join(s.letter for s in a.sections)}**{dance}.")
    elif form(list(phrases)) in ("AABA", "AA'BA"):
        parts.append("AABA is the song form of countless tunes: a statement, its repeat, a contrast (the bridge), "
                     "and the return.")
    return " ".join(parts)


def cadence_text(a: Analysis) -> str:
    """A sentence per phrase end, in bar order; each kind of cadence is explained the first time it comes, and later
    ones of a kind already explained share one short sentence, where the first of them comes."""
    if not a.cadences:
        return "No phrase ends with a chord I could read."
    said: set[str] = set()
    again: dict[tuple[str, tuple[str, str]], list[int]] = {}  # later cadences of a kind already explained
    out: list[str | tuple[str, tuple[str, str]]] = []
    for c in a.cadences:
        if c.kind not in said:
            out.append(c.sentence)
            said.add(c.kind)
        elif (c.kind, c.chords) in again:
            again[c.kind, c.chords].append(c.bar)
        else:
            again[c.kind, c.chords] = [c.bar]
            out.append((c.kind, c.chords))
    return " ".join(part if isinstance(part, str) else _again(*part, again[part]) for part in out)


def _again(kind: str, chords: tuple[str, str], bars: list[int]) -> str:
    moves = f"{chords[0]} → {chords[1]}" if chords[0] else chords[1]
    name = {"none": "an open ending", "tonic": "the tonic"}.get(kind, f"{article(kind)} cadence")
    return f"Bar{'s' * (len(bars) > 1)} {numbers(bars)}: {moves}, {name} again."


def rhythm_text(a: Analysis) -> str:
    r = a.rhythm
    values = join([f"{count} {value_name(ticks, count != 1)}" for ticks, count in r.values[:6]])
    rests = f", with {plural(r.rests, 'rest')}" if r.rests else ""
    parts = [f"Note values: {values}{' and others' if len(r.values) > 6 else ''}{rests}; about "
             f"{r.notes_per_bar:.1f} notes a bar in {a.melody.meter}."]
    if r.dotted:
        parts.append(f"{plural(r.dotted, 'dotted note')}: long-short figures that lilt.")
    if r.triplets:
        parts.append(f"{plural(r.triplets, 'triplet note')}: three in the time of two.")
    if r.syncopations:
        bars = join([str(b) for b in r.syncopations[:8]])
        parts.append(f"Syncopation in bar{'s' * (len(r.syncopations) > 1)} {bars}: a note starts off the beat and "
                     f"holds through a stronger beat, pushing against the meter.")
    else:
        parts.append("No syncopation: every long note starts on a beat.")
    return " ".join(parts)


def harmony_text(a: Analysis) -> str:
    h = a.harmony
    per = {"bar": "bar", "half-bar": "half bar", "beat": "beat"}[h.rhythm]
    return (f"Up to one chord per {per} (learned from Bach's chorales), in roman numerals of {a.key} — I is the "
            f"tonic chord, IV the subdominant, V the dominant; small letters are minor chords:\n"
            f"{by_bar(a, [c.roman for c in h.chords])}\nAs chord symbols: {by_bar(a, [c.symbol for c in h.chords])}")


def by_bar(a: Analysis, names: list[str]) -> str:
    """``| I | IV V | I |``: a cell per bar, a chord written again only when it changes."""
    bar_ticks = a.melody.meter.bar_ticks
    bars: dict[int, list[str]] = {}
    for chord, name in zip(a.harmony.chords, names, strict=True):
        cell = bars.setdefault(chord.start // bar_ticks, [])
        if not cell or cell[-1] != name:
            cell.append(name)
    return "| " + " | ".join(" ".join(bars[b]) for b in sorted(bars)) + " |"


def sections(a: Analysis) -> list[Section]:
    """The reading, one titled paragraph per topic (``**`` marks the answers a reader looks for)."""
    return [Section("Key", key_text(a)), Section("Scale and mode", scale_text(a)),
            Section("Range and tessitura", range_text(a)), Section("Intervals", interval_text(a)),
            Section("Contour", contour_text(a)), Section("Phrases and form", phrase_text(a)),
            Section("Cadences", cadence_text(a)), Section("Rhythm", rhythm_text(a)),
            Section("Harmonisation", harmony_text(a)), Section("Mood", mood_section(a.melody))]


def summary(a: Analysis) -> str:
    """One line: key, meter, bars, form."""
    letters = " ".join(p.letter for p in a.phrases)
    return f"{a.key} · {a.melody.meter} · {plural(a.melody.bars, 'bar')} · form {letters}"


def plain_text(a: Analysis, width: int = 100) -> str:
    """The whole reading for a terminal or a text file (no Markdown)."""
    import textwrap

    out = [f"Analysis: {summary(a)}", ""]
    for s in sections(a):
        out.append(s.title)
        for paragraph in s.text.replace("**", "").split("\n"):
            out += textwrap.wrap(paragraph, width, initial_indent="  ", subsequent_indent="  ",
                                 break_on_hyphens=False) or [""]
        out.append("")
    return "\n".join(out)
