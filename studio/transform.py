"""`/transform` and `musicgenius transform`: the same tune another way.

Targets, any of them together (``Targets``), applied in this order:

- ``rhythm`` (``studio.retime.change_rhythm``): a new meter and feel — reel 4/4, hornpipe 4/4 (dotted pairs), march
  2/4, jig 6/8, slip jig 9/8, waltz 3/4: the notes in order, re-timed pulse by pulse onto the new grid, bars whole and
  the last note on a strong position filling its bar.
- ``mode`` (``change_mode``): each note's scale degree moves to the same degree of the new mode on the same tonic
  (chromatic notes the new mode has stay, like a melodic minor's raised 6th and 7th in major; others keep their place
  between the degrees around them, a leading tone a semitone under its resolution), so the contour and the tonic's
  role stay.
- ``transpose`` (``transpose``): the same tune in the key on another tonic, its mode kept (or ``mode``'s), moved
  the shorter way there.
- ``register`` (``change_register``): up or down an octave, or moved by octaves into a low, middle or high range.
- ``style``: the model writes the melody again as a variation in that style (``model.variation.VariationGrammar``:
  the same rhythm, each pitch near the original's, the contour kept, the style token in the prompt; a take that changes
  no note is written again with a looser lean, ``studio.vary.vary``).
- ``tempo``: the new speed, in felt beats per minute.

A request is a ``MelodyRequest`` whose ``transform`` holds a ``Spec`` (the given melody's key, meter and tempo, and
the targets) and whose ``notes`` are the given melody; its key, meter, tempo and style are the result's, so the
result is stored, restored and reused like any melody. ``bench/transform.py`` measures it.
"""

from __future__ import annotations

import asyncio
import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from data.abc_write import melody_abc
from data.chord_kinds import SUFFIXES
from data.errors import MusicError, cmd, opt
from data.events import (
    PIANO_HIGH,
    PIANO_LOW,
    Key,
    Melody,
    Meter,
    Note,
    pitch_name,
)
from data.jianpu import melody_jianpu
from data.midi_chords import chord_name
from data.notation import ParsedSeed, format_notes, parse_seed, solfege_text, stored_notes
from studio.analysis.words import join
from studio.arrange.chord_symbols import ChordSymbol, respelled, transposed
from studio.chord_melody import check_fits
from studio.melody import MelodyResult
from studio.options import MELODY, SEED_MAX, TRANSFORM
from studio.requests import MelodyRequest
from studio.retime import RHYTHMS, Rhythm, change_rhythm
from studio.transform_targets import Targets, no_targets, shorter_way
from studio.vary import style_intervals, vary

if TYPE_CHECKING:
    from studio.melody import Composer

MAX_BARS = int(MELODY["bars"].high)  # the longest result (a reel of 32 bars is a jig of 64)
NO_SEED = ParsedSeed((), ())
F = Fraction


# ---- targets (studio.transform_targets) -------------------------------------------------------------------------
REGISTER_CENTRES = {"low": 54, "middle": 66, "high": 78}  # the middle of the range each register moves to (F#3..5)
SAMPLED = ("count", "seed", "temperature")  # options that matter only when the model writes (a style)
SPARE_SEEDS = 6  # seeds tried after a style's variation that changed nothing or repeats one already written


# ---- mode -------------------------------------------------------------------------------------------------------
def degrees(key: Key) -> list[int]:
    """Semitones above the tonic of the mode's seven degrees: major [0, 2, 4, 5, 7, 9, 11]."""
    return sorted((pc - key.tonic) % 12 for pc in key.scale)


def move_degree(rel: int, source: Sequence[int], target: Sequence[int], passing: bool = False) -> int:
    """Semitones above the tonic (0-11) in the ``source`` mode -> the same place in the ``target`` mode: a scale
    degree to the same degree; a chromatic note the target mode has as the degree below or above it stays (a minor
    key's raised 6th and 7th are a major key's 6th and 7th; a major key's flat 7th and 6th are a minor key's own),
    unless it is ``passing`` (a leading tone, or inside a falling chromatic line) and not the degree below; any other
    chromatic note keeps its distance above its degree below, under the degree above (so a leading tone still leads
    a semitone up)."""
    i = bisect_right(source, rel) - 1
    offset = rel - source[i]
    above = target[i + 1] if i + 1 < len(target) else 12
    if offset and (rel == target[i] or (rel == above and not passing)):
        return rel
    return min(target[i] + offset, max(above - 1, target[i]))


def change_mode(melody: Melody, mode: str) -> Melody:
    """The melody in ``mode`` on the same tonic, degree for degree (see ``move_degree``)."""
    key = Key(melody.key.tonic, mode, melody.key.name)
    source, target = degrees(melody.key), degrees(key)
    tonic = melody.key.tonic
    line = [n.pitch for n in melody.notes if n.pitch is not None]

    def move(index: int, pitch: int) -> int:
        rel = (pitch - tonic) % 12
        before, after = line[index - 1] if index else None, line[index + 1] if index + 1 < len(line) else None
        passing = after == pitch + 1 or (before == pitch + 1 and after == pitch - 1)
        return pitch + move_degree(rel, source, target, passing) - rel

    moved = iter([move(i, p) for i, p in enumerate(line)])
    return replace(melody, notes=tuple(Note(None if n.pitch is None else next(moved), n.ticks) for n in melody.notes),
                   key=key)


# ---- register ---------------------------------------------------------------------------------------------------
def register_shift(melody: Melody, register: str) -> int:
    """Semitones (a multiple of 12) that ``register`` moves the melody by."""
    if register in ("up", "down"):
        return 12 if register == "up" else -12
    pitches = [n.pitch for n in melody.notes if n.pitch is not None]
    middle = (min(pitches) + max(pitches)) / 2
    return 12 * round((REGISTER_CENTRES[register] - middle) / 12)


def change_register(melody: Melody, register: str) -> Melody:
    """The melody moved by octaves (MusicError if that takes a note off the piano)."""
    return _moved(melody, register_shift(melody, register), register)


def _moved(melody: Melody, shift: int, where: str) -> Melody:
    """The melody ``shift`` semitones up (down if negative); MusicError if that takes a note off the piano, saying
    moving it ``where`` ("up", "to D") does so."""
    pitches = [n.pitch for n in melody.notes if n.pitch is not None]
    low, high = min(pitches) + shift, max(pitches) + shift
    if low < PIANO_LOW or high > PIANO_HIGH:
        edge, note = (pitch_name(PIANO_LOW), min(pitches)) if low < PIANO_LOW else (pitch_name(PIANO_HIGH),
                                                                                    max(pitches))
        other = "down" if high > PIANO_HIGH else "up"
        raise MusicError(f"Moving it {where} takes {pitch_name(note)} past the end of the piano ({edge}). Try "
                         f"{opt('register', other)} or {opt('register', 'middle')}.", "register", "middle")
    return replace(melody, notes=tuple(Note(None if n.pitch is None else n.pitch + shift, n.ticks)
                                       for n in melody.notes))


def transpose(melody: Melody, tonic: str) -> Melody:
    """The melody in the key on ``tonic`` (a note name: "D", "Bb"), its mode kept, moved the shorter way there (at
    most a tritone, so it stays where it sings; ``register`` moves octaves). A key musicians spell otherwise is named
    as they do (G# major -> Ab major)."""
    key = Key.parse(f"{tonic} {melody.key.mode}")
    return replace(_moved(melody, shorter_way(key.tonic - melody.key.tonic), f"to {key.name}"), key=key)


def _octaves(shift: int) -> str:
    count = abs(shift) // 12
    return f"{'an' if count == 1 else count} octave{'s' if count > 1 else ''} {'up' if shift > 0 else 'down'}"


# ---- all of them ------------------------------------------------------------------------------------------------
def _meter_name(meter: Meter, rhythm: Rhythm | None = None) -> str:
    return f"{meter} {rhythm.name}" if rhythm else str(meter)


def apply(melody: Melody, targets: Targets) -> tuple[Melody, list[str]]:
    """The melody with every change but the style's (which needs the model), and each change in words, those that
    change nothing left out ("D major → D dorian", "4/4 → 6/8 jig (long-short pairs)", "110 → 90 bpm", ...); the
    style's is last ("re-written in the scottish style")."""
    said: list[str] = []
    if targets.rhythm is not None:
        rhythm = RHYTHMS[targets.rhythm]
        retimed = change_rhythm(melody, rhythm)
        same = len(retimed.notes) == len(melody.notes) and retimed.onsets() == melody.onsets()  # bar filled at most
        if retimed.meter != melody.meter or retimed.pickup != melody.pickup or not same:
            said.append(f"{melody.meter} → {_meter_name(rhythm.meter, rhythm)} ({rhythm.feel})")
            melody = retimed
    key = melody.key
    if targets.mode is not None and targets.mode != melody.key.mode:
        melody = change_mode(melody, targets.mode)
    if targets.transpose is not None:
        melody = transpose(melody, targets.transpose)
    if melody.key != key:
        said.append(f"{key} → {melody.key}")
    if targets.register is not None and (shift := register_shift(melody, targets.register)):
        melody = change_register(melody, targets.register)
        said.append(_octaves(shift) + ("" if targets.register in ("up", "down") else f" ({targets.register} register)"))
    if targets.tempo is not None and targets.tempo != melody.tempo:
        said.append(f"{melody.tempo} → {targets.tempo} bpm")
        melody = replace(melody, tempo=targets.tempo)
    if targets.style is not None:
        said.append(f"re-written in the {targets.style} style")
    return melody, said


def nothing_changes(melody: Melody) -> MusicError:
    mode = "minor" if melody.key.mode == "major" else "major"
    rhythm = "reel" if melody.meter.compound else "jig"
    return MusicError(f"Nothing would change: your melody is already in {melody.key}, in {melody.meter} at "
                      f"{melody.tempo} bpm. Choose something else, e.g. {opt('mode', mode)} or "
                      f"{opt('rhythm', rhythm)}.", "mode", mode)


# ---- chords -----------------------------------------------------------------------------------------------------
def carried_chords(chords: str | None, before: Melody, after: Melody) -> str | None:
    """The chords a melody was written over, moved with it: each tone to the same degree of a new mode, as the
    melody's notes move (``moded_chords``), then to a new tonic; kept through a new register, tempo or style; None
    when its meter changed (the old chords no longer fit its bars) or it had none."""
    if chords is None or (after.meter, after.pickup) != (before.meter, before.pickup):
        return None
    if after.key.mode != before.key.mode:
        chords = moded_chords(chords, before.key, after.key.mode)
    return _chords_in(chords, Key(before.key.tonic, after.key.mode), after.key)


def moded_chords(chords: str, key: Key, mode: str) -> str:
    """Chords in ``key`` moved into ``mode`` on the same tonic tone by tone, as ``change_mode`` moves a melody's
    notes (C F G Am in C minor: Cm Fm G Ab; in C dorian: Cm F Gm Adim), except that in minor a chord on the 5th or
    7th degree keeps its leading tone, as harmonic minor does (G stays G, not Gm: a melody's B before C is still
    B)."""
    target = Key(key.tonic, mode)
    source, moved_to = degrees(key), degrees(target)

    def move(chord: ChordSymbol) -> tuple[int, str, int | None]:
        leads = mode == "minor" and (chord.root - key.tonic) % 12 in (7, 11)

        def one(pc: int) -> int:
            rel = (pc - key.tonic) % 12
            return pc if leads and rel == 11 else key.tonic + move_degree(rel, source, moved_to)

        root = one(chord.root) % 12
        tones = frozenset((one(chord.root + i) - root) % 12 for i in chord.intervals)
        suffix = SUFFIXES.get(tuple(sorted(tones)))
        if suffix is None:  # no kind has those tones: name them as a file's chord is named
            root, suffix = chord_name(dict.fromkeys(((root + t) % 12 for t in tones), 1.0), root) or (root, "")
        return root, suffix, None if chord.bass is None else one(chord.bass)

    return respelled(chords, move, target)


def _chords_in(chords: str, source: Key, target: Key) -> str:
    """Chords in ``source``'s key moved to ``target``'s tonic (as typed when the tonic is the same)."""
    shift = (target.tonic - source.tonic) % 12
    return transposed(chords, shift, target) if shift else chords


def chords_note(chords: str | None, request: MelodyRequest) -> str:
    """What a reply says when the ``chords`` under the melody could not come along to ``request``'s result, a new
    rhythm's bars (else "")."""
    if chords is None or request.chords is not None:
        return ""
    return f"Your chords stay behind: they don't fit the new rhythm. {cmd('chords')} writes chords for the result."


# ---- requests ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """What a transform request changes, and the given melody's key, meter and tempo (its ``notes`` are in the
    request): stored as text, "from D major, 4/4, 110 bpm; mode dorian; rhythm jig"."""

    key: str
    meter: str
    tempo: int
    targets: Targets
    chords: str | None = None  # the chords the given melody was written over, as given ("; chords Am F C G")

    @property
    def text(self) -> str:
        return "; ".join([f"from {self.key}, {self.meter}, {self.tempo} bpm",
                          *(f"{name} {value}" for name, value in self.targets.given.items()),
                          *([f"chords {self.chords}"] if self.chords else [])])

    @classmethod
    def parse(cls, text: str) -> Spec:
        first, *rest = text.split("; ")
        key, meter, tempo = first.removeprefix("from ").split(", ")
        named = dict(part.partition(" ")[::2] for part in rest)
        if "tempo" in named:
            named["tempo"] = int(named["tempo"])
        chords = named.pop("chords", None)
        return cls(key, meter, int(tempo.removesuffix(" bpm")), Targets(**named), chords)


def melody_text(melody: Melody) -> str:
    """Note text with bar lines (after a pickup), which reads back as the same melody in its meter."""
    return format_notes(melody.notes, melody.meter.bar_ticks, start=melody.start, spelling=melody.key)


def shown_text(melody: Melody, notation: str | None) -> str:
    """The note text a reply shows: ``melody_text``, or in jianpu after its key line when ``notation`` is jianpu, in
    fixed-do solfège, or as an ABC tune."""
    if notation == "solfege":
        return solfege_text(melody_text(melody))
    if notation == "jianpu":
        return melody_jianpu(replace(melody, seed_len=0))
    if notation == "abc":
        return melody_abc(replace(melody, seed_len=0))
    return melody_text(melody)


def transform_request(melody: Melody, targets: Targets, chords: str | None = None, **options: Any
                      ) -> MelodyRequest:
    """`/transform`: a request for ``melody`` changed as ``targets`` say (MusicError when they change nothing), with
    the ``chords`` it was written over moved along when they still fit (``carried_chords``). ``options``: count,
    seed, temperature and top_p, for a style's variations (one result without a style), and ``notation``, how the
    replies write the notes (jianpu or letters)."""
    targets = targets.relative(melody.tempo, melody.key)
    if not targets.given:
        raise no_targets()
    if chords is not None:
        check_fits(chords, melody.bars)
    after, said = apply(melody, targets)
    if not said:
        raise nothing_changes(melody)
    if after.bars > MAX_BARS:
        raise MusicError(f"That makes {after.bars} bars of {after.meter}; I write at most {MAX_BARS}. Give me a "
                         f"shorter melody, e.g. its first half.", "notes")
    options = {k: v for k, v in options.items() if v is not None}
    if targets.style is None:
        options["count"] = 1  # the same notes each time: one is enough
    else:
        options.setdefault("count", TRANSFORM["count"].default)
    spec = Spec(str(melody.key), str(melody.meter), melody.tempo, targets, chords)
    return MelodyRequest(notes=melody_text(melody), bars=max(after.bars, 1), key=str(after.key),
                         meter=str(after.meter), tempo=after.tempo, style=targets.style or MELODY["style"].default,
                         chords=carried_chords(chords, melody, after), transform=spec.text, **options)


def given(request: MelodyRequest) -> Melody:
    """The melody a transform request starts from."""
    assert request.transform is not None
    spec = Spec.parse(request.transform)
    meter = Meter.parse(spec.meter)
    seed = parse_seed(request.notes, max_notes=100_000, meter=meter)
    return Melody(seed.notes, Key.parse(spec.key), meter, spec.tempo, len(seed.notes), seed.pickup)


# ---- results ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TransformResult(MelodyResult):
    """The melody after the change; ``before`` it, and the ``changes`` in words."""

    before: Melody | None = None
    changes: tuple[str, ...] = ()
    layout: ClassVar[str] = "after the change"

    @property
    def heading(self) -> str:  # type: ignore[override]
        return f"Transformed: {self.what}"[:256]

    @property
    def what(self) -> str:
        return ", ".join(self.changes)

    @property
    def text(self) -> str:
        return melody_text(self.melody)

    @property
    def continuation(self) -> tuple[Note, ...]:
        return self.melody.notes

    @property
    def before_text(self) -> str:
        return "" if self.before is None else melody_text(self.before)

    @property
    def notation(self) -> str:
        """Letters unless the request asks for jianpu, solfège or ABC (the request's notes are always stored as
        letters)."""
        return self.request.notation or "letters"

    @property
    def shown(self) -> str:
        return shown_text(self.melody, self.notation)

    @property
    def before_shown(self) -> str:
        """The notes before the change, written as ``shown`` writes the result."""
        return "" if self.before is None else shown_text(self.before, self.notation)

    @property
    def sampled(self) -> bool:
        """Whether the model wrote it (a style): only then do its temperature and RNG seed matter."""
        assert self.request.transform is not None
        return Spec.parse(self.request.transform).targets.style is not None

    @property
    def reproduce(self) -> str:
        r = self.request
        assert r.transform is not None
        spec = Spec.parse(r.transform)
        sampled = {"temperature": r.temperature, "seed": r.seed, "count": 1} if spec.targets.style else {}
        return cmd("transform", notes=r.notes, chords=spec.chords, key=spec.key, meter=spec.meter,
                   **spec.targets.given, **sampled, notation=r.notation)


async def transform_candidates(composer: Composer | None, request: MelodyRequest) -> list[TransformResult]:
    """The request's result: one, or with a style ``request.count`` variations (RNG seeds ``seed, seed+1, …``) by
    the ``composer``'s model (needed for a style only)."""
    assert request.transform is not None and request.seed is not None
    targets = Spec.parse(request.transform).targets
    before = given(request)
    after, said = apply(before, targets)
    if targets.style is None:
        return [TransformResult(request, after, NO_SEED, False, before=before, changes=tuple(said))]
    if composer is None:
        raise ValueError("a style needs the composer's model")
    composer.check_meter(after.meter)
    await asyncio.get_running_loop().run_in_executor(None, style_intervals, targets.style)  # reads the corpus once
    each = [replace(request, seed=(request.seed + i) % SEED_MAX) for i in range(request.count)]
    varied = list(await asyncio.gather(*(vary(composer, after, targets.style, r.seed or 0, r.temperature, r.top_p)
                                         for r in each)))
    # a variation that kept every note, or repeats another, is written again from the next unused seeds
    seen, spare = {after.notes}, request.count
    for i in range(len(each)):
        for _ in range(SPARE_SEEDS if varied[i].notes in seen else 0):
            retry = replace(request, seed=(request.seed + spare) % SEED_MAX)
            spare += 1
            again = await vary(composer, after, targets.style, retry.seed or 0, request.temperature, request.top_p)
            if again.notes not in seen:
                each[i], varied[i] = retry, again
                break
        seen.add(varied[i].notes)
    return [TransformResult(r, m, NO_SEED, False, before=before, changes=tuple(said))
            for r, m in zip(each, varied, strict=True)]


def unsampled_note(targets: Targets, options: dict[str, Any], name: Callable[[str], str]) -> str:
    """What a front end says of sampling options given for a change the model does not write (no style): they
    changed nothing. ``name`` writes an option as that front end's users type it (`count:`, --count)."""
    unused = [name(option) for option in SAMPLED if options.get(option) is not None]
    if not unused or targets.style is not None:
        return ""
    return (f"Without {name('style')} the change is worked out, not sampled: one result, always the same, so I left "
            f"{join(unused)} aside.")


def restore_transform(request: MelodyRequest, text: str) -> TransformResult:
    """A stored transform back from its request and note text (see ``studio.melody.Composer.restore``)."""
    assert request.transform is not None
    before = given(request)
    _, said = apply(before, Spec.parse(request.transform).targets)
    meter = request.parsed_meter
    pickup = parse_seed(text, max_notes=100_000, meter=meter).pickup
    key = request.parsed_key or before.key
    melody = Melody(stored_notes(text), key, meter, request.tempo, 0, pickup)
    return TransformResult(request, melody, NO_SEED, False, before=before, changes=tuple(said))


def variation_request(result: MelodyResult) -> MelodyRequest:
    """More like this, for a transform: variations of the result in its style, a little cooler."""
    r = result.request
    cooler = max(0.1, round(r.temperature * 0.85, 2))
    return transform_request(result.melody, Targets(style=r.style), r.chords, temperature=cooler, top_p=r.top_p)


# ---- measures ---------------------------------------------------------------------------------------------------
def pitch_line(melody: Melody) -> list[int]:
    return [n.pitch for n in melody.notes if n.pitch is not None]


def contour_correlation(before: Melody, after: Melody, windows: int = 16) -> float:
    """How well the melody's shape over time is kept: Pearson's correlation between the two melodies' mean pitch in
    ``windows`` equal stretches of each, from the first note to the start of the last (the tune's length is
    stretched to match; the last note's length, which an ending may change, does not count); 1.0 for a flat line
    kept flat."""
    def profile(melody: Melody) -> list[float]:
        sounding = [(at, at + n.ticks, n.pitch) for at, n in zip(melody.onsets(), melody.notes, strict=True)
                    if n.pitch is not None]
        begin, end = sounding[0][0], sounding[-1][0]
        if end <= begin:
            return [float(sounding[0][2])] * windows
        out = []
        for k in range(windows):
            low, high = begin + k * (end - begin) / windows, begin + (k + 1) * (end - begin) / windows
            held = [(min(b, high) - max(a, low), p) for a, b, p in sounding if a < high and b > low]
            total = sum(w for w, _ in held)
            out.append(sum(w * p for w, p in held) / total if total else out[-1] if out else float(sounding[0][2]))
        return out

    a, b = profile(before), profile(after)
    ma, mb = sum(a) / windows, sum(b) / windows
    da, db = [x - ma for x in a], [y - mb for y in b]
    norm = math.sqrt(sum(x * x for x in da) * sum(y * y for y in db))
    if norm == 0:
        return 1.0 if not any(da) and not any(db) else 0.0
    return sum(x * y for x, y in zip(da, db, strict=True)) / norm


def scale_adherence(melody: Melody, key: Key | None = None) -> float:
    """The share of sounding time on notes of ``key``'s scale (the melody's own key by default)."""
    scale = (key or melody.key).scale
    sounding = [n for n in melody.notes if n.pitch is not None]
    total = sum(n.ticks for n in sounding)
    return sum(n.ticks for n in sounding if n.pitch % 12 in scale) / total if total else 0.0
