"""Arrangements: a melody -> sections (intro, A/B or verse/chorus, outro) -> melody, chords, bass and drum tracks.

The A sections are the user's melody (at most ``MAX_SECTION_BARS`` bars); B sections continue it with the melody
model over a bridge's chords (``studio.arrange.chords.BRIDGES``), or vary it by rule when the model can't (a meter it
never learned, a busy queue). A's chords are the user's symbols or the Harmonizer's. All of it is CPU work except
``arrange``, the one coroutine, which asks the Composer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from data.errors import MusicError, opt
from data.events import Key, Melody, Meter, Note
from data.notation import MAX_SEED_NOTES, format_notes
from model.engine import EngineBusy, EngineStopped
from studio.arrange.arrangement import Arrangement, ArrangeRequest, Section, Track, form_letters
from studio.arrange.chord_symbols import parse_progression
from studio.arrange.chords import bridge_chords, degree_chord, numerals, section_chords, shifted, typed_chords
from studio.arrange.parts import ChordSpan, TrackNote, bass_span, comp_span, drum_bar, pulse, voice
from studio.arrange.sections import fit_bars, ornament, rule_variation, snap, window
from studio.arrange.words import sung_words
from studio.harmony.harmonizer import Harmonizer, default_harmonizer
from studio.melody import Composer
from studio.requests import MelodyRequest, random_seed

MAX_SECTION_BARS = 8
MIN_SECTION_BARS = 4  # a shorter tune is continued to this length by the melody model before it becomes A
INTRO_BARS = OUTRO_BARS = 2
MODEL_TIMEOUT = 30.0  # seconds the Composer may take for a B section before the rule takes over


@dataclass(frozen=True)
class Style:
    """How one style plays: melody instrument, default chord instrument, bass, kit, harmoniser and model styles."""

    melody: tuple[str, int]
    chords: str
    bass: tuple[str, int, str]
    kit: str | None
    harmony: str
    model_style: str
    pad: bool = False
    loud: int = 0  # added to every velocity


BANDS = {
    "folk band": Style(("Fiddle", 40), "guitar", ("Fingered bass", 33, "root-fifth"), "light", "pop", "irish"),
    "piano ballad": Style(("Flute", 73), "piano", ("Acoustic bass", 32, "held"), "soft", "pop", "european",
                          pad=True, loud=-12),
    "rock": Style(("Lead guitar", 30), "guitar", ("Picked bass", 34, "driving"), "rock", "pop", "american", loud=6),
    "chorale": Style(("Violin", 40), "strings", ("Cello", 42, "chorale"), None, "chorale", "chorale"),
}
# Chord instrument -> style (or "default") -> (track name, General MIDI program, comping pattern).
CHORD_PARTS = {
    "piano": {"default": ("Piano", 0, "block"), "piano ballad": ("Piano", 0, "arpeggio"),
              "rock": ("Piano", 0, "pulse"), "chorale": ("Piano", 0, "chorale")},
    "guitar": {"default": ("Acoustic guitar", 25, "strum"), "rock": ("Overdriven guitar", 29, "power"),
               "piano ballad": ("Nylon guitar", 24, "arpeggio"), "chorale": ("Nylon guitar", 24, "block")},
    "strings": {"default": ("Strings", 48, "hold"), "chorale": ("Strings", 48, "chorale")},
    "organ": {"default": ("Organ", 16, "hold"), "rock": ("Organ", 16, "pulse"), "chorale": ("Church organ", 19,
                                                                                           "chorale")},
}


def outside_key(arrangement: Arrangement, include_given: bool = False) -> list[tuple[str, TrackNote]]:
    """Pitched notes neither in the key's scale nor in the chord sounding at their onset (the user's own melody
    notes only with ``include_given``)."""
    chords = arrangement.chords
    found = []
    for track in arrangement.tracks:
        if track.is_drum:
            continue
        for i, note in enumerate(track.notes):
            if track is arrangement.tracks[0] and i in arrangement.given and not include_given:
                continue
            sounding = next((c for c in chords if c.start <= note.start < c.end), None)
            allowed = arrangement.key.scale | (sounding.pitch_classes if sounding else frozenset())
            if note.pitch % 12 not in allowed:
                found.append((track.name, note))
    return found


# ---- the B section ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Contrast:
    """A B section: its notes, how they were made, a remark for the user when the rule stood in, and the chords
    they were written over (None: harmonise them)."""

    notes: tuple[Note, ...]
    how: str
    remark: str = ""
    chords: list[ChordSpan] | None = None


async def continue_melody(composer: Composer, p: _Plan, half: bool = False) -> Contrast:
    """A contrasting section as long as A: the model continues A with notes over chords that leave A's home and come
    back (``studio.arrange.chords.bridge_chords``; a mode with none: without chords); when it can't, the rule varies
    A. The model reads all of A, not only its last bar, so B moves in A's rhythms: 24 AABA arrangements of corpus
    tunes, the distance between A's and B's note lengths (total variation) 0.35 -> 0.17, notes a bar B less A -0.41
    -> -0.12.

    ``half``: the section leads back into A, so it ends on the 5th (its chords then end on the dominant: a half
    cadence)."""
    key, meter, bar = p.key, p.meter, p.meter.bar_ticks
    bars = sum(n.ticks for n in p.a_notes) // bar
    onsets, now = [], 0
    for note in p.a_notes:
        if note.pitch is not None:
            onsets.append(now)
        now += note.ticks
    last = onsets[-1] // bar
    first = next((b for b in range(0, last + 1, 4)  # whole phrases of A, as many as a seed holds (a busy reel: the
                  if len(window(p.a_notes, b * bar, (last + 1) * bar)) <= MAX_SEED_NOTES), last)  # last four bars)
    seed_notes = window(p.a_notes, first * bar, (last + 1) * bar)
    chords = bridge_chords(key, meter, bars, half, p.seed, p.a_chords[-1].root if p.a_chords else None)
    try:
        request = MelodyRequest(notes=format_notes(seed_notes, bar, spelling=key), bars=last + 1 - first + bars,
                                key=str(key), meter=str(meter), tempo=p.tempo, style=p.style.model_style,
                                seed=p.seed, temperature=0.9, count=1, ending="half" if half else "closed",
                                chords=chords and _progression(p.a_chords, range(first, last + 1), bar, chords))
        result = await asyncio.wait_for(composer.melody(request), MODEL_TIMEOUT)
        how = f"new melody from the model over {numerals(chords, key)}" if chords else "new melody from the model"
        return Contrast(result.continuation, how, chords=chords)
    except MusicError:
        why = f"The melody model hasn't learned {meter}"
    except (EngineBusy, EngineStopped, TimeoutError):
        why = "The melody model was busy"
    return Contrast(rule_variation(p.a_notes, key, half), "A's sequence and inversion",
                    f"{why}, so B is A's melody moved up a third and turned upside down (in key).")


def _progression(a_chords: list[ChordSpan], seed_bars: range, bar: int, bridge: list[ChordSpan]) -> str:
    """The chords under the model's seed (A's ``seed_bars``) and then the bridge's, bar by bar: `| C | F | …`."""
    seed = [" ".join(c.symbol for c in a_chords if c.start < (b + 1) * bar and c.start + c.ticks > b * bar)
            for b in seed_bars]
    try:
        parse_progression(" | ".join(seed))
    except MusicError:  # a symbol the chord reader doesn't take (the seed's chords only lead into the bridge)
        seed = [bridge[-1].symbol] * len(seed)
    return "| " + " | ".join(seed + [c.symbol for c in bridge]) + " |"


def leads_back(form: str) -> bool:
    """Whether every B of the form is followed by an A (AABA, ABA: a bridge that leads home, so it ends on the
    dominant); not a verse/chorus form, whose chorus closes."""
    letters, named = form_letters(form)
    return "B" in letters and not named and all(
        following == "A" for letter, following in zip(letters, [*letters[1:], ""], strict=True) if letter == "B")


async def lengthen(composer: Composer, melody: Melody, request: ArrangeRequest) -> tuple[Melody, str]:
    """A tune shorter than ``MIN_SECTION_BARS`` bars, continued to that length by the model (so A is a phrase, not a
    motif); unchanged, with no remark, when the model can't (a meter it hasn't learned, busy, too many notes)."""
    bar = melody.meter.bar_ticks
    if melody.ticks > (MIN_SECTION_BARS - 1) * bar or all(n.pitch is None for n in melody.notes):
        return melody, ""
    try:
        asked = MelodyRequest(notes=format_notes(melody.notes, bar, spelling=melody.key),
                              bars=MIN_SECTION_BARS, key=str(melody.key), meter=str(melody.meter),
                              tempo=melody.tempo, style=BANDS[request.style].model_style, seed=request.seed,
                              temperature=0.9, count=1)
        result = await asyncio.wait_for(composer.melody(asked), MODEL_TIMEOUT)
    except (MusicError, EngineBusy, EngineStopped, TimeoutError):
        return melody, ""
    bars = -(-melody.ticks // bar)
    return result.melody, (f"🎼 Your tune was {bars} bar{'' if bars == 1 else 's'}: the melody model continued it to "
                           f"{MIN_SECTION_BARS} bars for A (your notes first).")


def lead_in_of(melody: Melody) -> tuple[tuple[Note, ...], Melody]:
    """A tune with a pickup whose last bar is short by as much (``A | dfa afd | … | d3 d2``), as most folk tunes
    are, or whose last note is longer than the pickup (``G | C E G C | … | D:w``: the D is held for three beats
    instead, as a player shortens it to lead in again): its pickup, and the tune from its first downbeat with the
    pickup moved to the end of its last bar, where it leads each section into the next (the intro's last bar
    plays it first). Other tunes: no pickup, unchanged."""
    bar = melody.meter.bar_ticks
    last = melody.notes[-1] if melody.notes else None
    if melody.pickup and last is not None and (melody.ticks - melody.pickup) % bar == 0 and last.ticks > melody.pickup:
        melody = replace(melody, notes=(*melody.notes[:-1], Note(last.pitch, last.ticks - melody.pickup)))
    if not melody.pickup or melody.ticks % bar or melody.ticks < MIN_SECTION_BARS * bar:
        return (), melody
    now, cut = 0, 0
    while now < melody.pickup:
        now, cut = now + melody.notes[cut].ticks, cut + 1
    if now != melody.pickup:
        return (), melody
    pickup = melody.notes[:cut]
    return pickup, replace(melody, notes=(*melody.notes[cut:], *pickup), pickup=0, seed_len=0)


# ---- putting it together ------------------------------------------------------------------------
@dataclass
class _Plan:
    """What is known before the model runs: the A melody and its chords, and what to tell the user."""

    request: ArrangeRequest
    style: Style
    key: Key
    meter: Meter
    tempo: int
    seed: int
    a_notes: tuple[Note, ...]
    a_chords: list[ChordSpan]
    remarks: list[str]
    lead_in: tuple[Note, ...] = ()  # a pickup moved to the end of A (``lead_in``): played at the end of the intro


def plan(request: ArrangeRequest, melody: Melody, harmonizer: Harmonizer | None = None) -> _Plan:
    """Trim the melody to whole bars (at most ``MAX_SECTION_BARS``) and choose its chords (CPU work)."""
    if all(n.pitch is None for n in melody.notes):
        raise MusicError("That melody has no notes, only rests. Give me a tune, e.g. "
                         f"{opt('notes', 'E D C D E E E:h')}.", "notes")
    style, key, meter = BANDS[request.style], melody.key, melody.meter
    a_notes, cut = fit_bars(melody.notes, min(melody.bars, MAX_SECTION_BARS), meter.bar_ticks)
    bars = sum(n.ticks for n in a_notes) // meter.bar_ticks
    remarks = []
    if cut:
        remarks.append(f"✂️ I used the first {bars} bars of your {melody.bars}-bar melody for A (sections are at "
                       f"most {MAX_SECTION_BARS} bars); type a shorter tune to choose which part.")
    leading = {(key.tonic - 1) % 12} if key.mode == "minor" else set()  # G# in A minor is the key's own
    foreign = sum(n.pitch is not None and n.pitch % 12 not in key.scale | leading for n in a_notes)
    if foreign:
        remarks.append(f"🎯 {foreign} of your notes {'is' if foreign == 1 else 'are'} outside {key}: I kept "
                       f"{'it' if foreign == 1 else 'them'} as written; everything I added stays in {key}.")
    progression = request.progression
    if progression:
        a_chords = typed_chords(progression, bars, meter)
        if len(progression) > bars:
            remarks.append(f"🎹 Your chords cover {len(progression)} bars and A has {bars}: I used the first {bars}.")
    else:
        a_chords = section_chords(harmonizer or default_harmonizer(), a_notes, key, meter, style.harmony)
    seed = request.seed if request.seed is not None else random_seed()
    return _Plan(request, style, key, meter, request.tempo or melody.tempo, seed, a_notes, a_chords, remarks)


def _labels(letters: list[str], named: bool) -> list[tuple[str, str, int]]:
    """(label, letter, occurrence) per section: A, A2, B ... or Verse 1, Chorus 1 ..."""
    seen: dict[str, int] = {}
    out = []
    for letter in letters:
        occurrence = seen.get(letter, 0)
        seen[letter] = occurrence + 1
        if named:
            label = f"{'Verse' if letter == 'A' else 'Chorus'} {occurrence + 1}"
        else:
            label = letter if occurrence == 0 else f"{letter}{occurrence + 1}"
        out.append((label, letter, occurrence))
    return out


def build(p: _Plan, contrast: Contrast | None, harmonizer: Harmonizer | None = None) -> Arrangement:
    """Lay out the sections and write every track (CPU work)."""
    bar, key = p.meter.bar_ticks, p.key
    letters, named = form_letters(p.request.form)
    b_chords: list[ChordSpan] = []
    b_notes, b_how = (None, "") if contrast is None else (contrast.notes, contrast.how)
    if contrast is not None:
        ending = "half" if leads_back(p.request.form) else "closed"
        b_chords = contrast.chords or section_chords(harmonizer or default_harmonizer(), contrast.notes, key,
                                                     p.meter, p.style.harmony, ending)
        b_notes = _in_key(contrast.notes, b_chords, key)
        if p.request.chords:
            a, b = ("The verses play", "the choruses get") if named else ("A plays", "B's new melody gets")
            p.remarks.append(f"🎹 {a} your chords; {b} chords of my own.")
    a_bars = sum(n.ticks for n in p.a_notes) // bar
    lead = sum(n.ticks for n in p.lead_in)
    sections = [Section("Intro", "intro", 0, INTRO_BARS, 0, "",
                        (replace(p.a_chords[0], start=0, ticks=bar), degree_chord(key, 4, bar, bar)),
                        (Note(None, INTRO_BARS * bar - lead), *p.lead_in) if lead else (),
                        frozenset(range(1, 1 + len(p.lead_in))))]
    now = INTRO_BARS * bar
    labels = _labels(letters, named)
    for label, letter, occurrence in labels:
        notes, chords = (p.a_notes, p.a_chords) if letter == "A" else (b_notes or (), b_chords)
        how = "your melody" if letter == "A" else b_how
        added: frozenset[int] = frozenset()
        if occurrence == 1:
            notes, added = ornament(notes, key)
            how += ", ornamented" if added else ", an octave away"
        given = frozenset(i for i in range(len(notes)) if i not in added) if letter == "A" else frozenset()
        if lead and label == labels[-1][0] and notes[len(notes) - len(p.lead_in):] == p.lead_in:
            notes = (*notes[:len(notes) - len(p.lead_in)], Note(None, lead))  # the last A leads into nothing
        variant = occurrence + (letter == "B")
        sections.append(Section(label, letter, now, a_bars, variant, how, shifted(chords, now), notes, given))
        now += a_bars * bar
    sections.append(Section("Outro", "outro", now, OUTRO_BARS, 0, "",
                            (degree_chord(key, 3, now, bar), degree_chord(key, 0, now + bar, bar))))
    given = _given_indexes(sections)
    tracks = _tracks(p, sections)
    return Arrangement(p.request, key, p.meter, p.tempo, tuple(sections), tracks, tuple(p.remarks), p.seed, given)


def _in_key(notes: tuple[Note, ...], chords: list[ChordSpan], key: Key) -> tuple[Note, ...]:
    """Model notes outside the scale and outside their chord move a semitone into the scale; a scale note a semitone
    below a tone its chord brings from outside the key (G under E major in A minor) rises to it, as a singer would."""
    out, now = [], 0
    for note in notes:
        chord = next((c for c in chords if c.start <= now < c.end), None)
        allowed = chord.pitch_classes if chord else frozenset()
        if note.pitch is not None:
            pitch = snap(note.pitch, key, allowed)
            note = Note(pitch + ((pitch + 1) % 12 in allowed - key.scale), note.ticks)
        out.append(note)
        now += note.ticks
    return tuple(out)


def _given_indexes(sections: list[Section]) -> frozenset[int]:
    """Indexes (in the melody track) of the notes the user wrote."""
    given, index = set(), 0
    for section in sections:
        for i, note in enumerate(section.melody):
            if note.pitch is not None:
                if i in section.given:
                    given.add(index)
                index += 1
    return frozenset(given)


def _tracks(p: _Plan, sections: list[Section]) -> tuple[Track, ...]:
    style, bar, key = p.style, p.meter.bar_ticks, p.key
    beat = pulse(p.meter)
    instrument = p.request.instruments or style.chords
    part = CHORD_PARTS[instrument]
    name, program, comp = part.get(p.request.style, part["default"])
    melody: list[TrackNote] = []
    for section in sections:
        now = section.start
        for note in section.melody:
            if note.pitch is not None:
                melody.append(TrackNote(now, note.ticks, note.pitch, 96 + style.loud + (6 if now % bar == 0 else 0)))
            now += note.ticks
    spans = [(section, c) for section in sections for c in section.chords]
    last = len(spans) - 1
    chords, pad, bass = [], [], []
    voicing = pad_voicing = None
    bass_pitch = None
    for i, (section, span) in enumerate(spans):
        bar_start = span.start - span.start % bar
        final = i == last
        lift = 5 if section.variant % 2 == 1 and comp not in ("power", "chorale") else 0
        voicing = voice(span, comp, voicing, lift)
        chords += comp_span(span, bar_start, beat, comp, voicing, section.variant, 70 + style.loud, final)
        if style.pad and instrument != "strings":
            pad_voicing = voice(span, "hold", pad_voicing)
            pad += comp_span(span, bar_start, beat, "hold", pad_voicing, 0, 52 + style.loud, final)
        nxt = spans[i + 1][1] if i < last else None
        played, bass_pitch = bass_span(span, nxt, bar_start, beat, style.bass[2], key, bass_pitch,
                                       90 + style.loud, final)
        bass += played
    tracks = [Track(f"{style.melody[0]} (melody)", style.melody[1], False, tuple(melody)),
              Track(f"{name} (chords)", program, False, tuple(chords))]
    if pad:
        tracks.append(Track("Strings (pad)", 49, False, tuple(pad)))
    tracks.append(Track(style.bass[0], style.bass[1], False, tuple(bass)))
    if style.kit:
        drums: list[TrackNote] = []
        for section in sections:
            for b in range(section.bars):
                start = section.start + b * bar
                drums += drum_bar(start, bar, beat, style.kit, section.variant,
                                  crash=b == 0 and section.letter != "intro",
                                  fill=b == section.bars - 1 and section.letter != "outro",
                                  ending=section.letter == "outro" and b == section.bars - 1)
        tracks.append(Track("Drums", 0, True, tuple(drums)))
    return tuple(tracks)


async def arrange(composer: Composer, request: ArrangeRequest, melody: Melody,
                  harmonizer: Harmonizer | None = None, lyrics: Sequence[str | None] | None = None) -> Arrangement:
    """The whole arrangement: CPU work in the default executor, the B melody from the Composer; ``lyrics`` (a
    syllable or None per note of ``melody``) are sung in the first A."""
    loop = asyncio.get_running_loop()
    given = melody
    lead_in, melody = lead_in_of(melody)
    melody, extended = await lengthen(composer, melody.on_downbeat(), request)  # sections start on a downbeat
    p = await loop.run_in_executor(None, plan, request, melody, harmonizer)
    p.lead_in = lead_in
    if extended:
        p.remarks.insert(0, extended)
    contrast = None
    if "B" in form_letters(request.form)[0]:
        contrast = await continue_melody(composer, p, leads_back(request.form))
        if contrast.remark:
            p.remarks.append(f"🔁 {contrast.remark}")
    arrangement = await loop.run_in_executor(None, build, p, contrast, harmonizer)
    if not (words := sung_words(given, lyrics, arrangement)):
        return arrangement
    where = "the first verse" if form_letters(request.form)[1] else "the first A"
    remarks = (*arrangement.remarks, f"🎤 Your words are sung in {where}: the other sections are yours to write words "
                                     f"for.")
    return replace(arrangement, words=words, remarks=remarks)
