"""A MIDI file (or MusicXML score, or ABC tune) as a /melody request: its melody line as note text (so it reproduces
like typed notes), with its meter, tempo and pickup, and sentences saying which track it came from and what was left
out."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from data.errors import MusicError, cmd, opt
from data.events import Key, Melody, Meter, Note, signature_major
from data.midi import MidiSeed, seed_from_midi
from data.midi_chords import MidiChords, chords_from_midi, chords_under
from data.midi_words import midi_words
from data.notation import MAX_SEED_NOTES, format_notes, parse_seed
from studio.abc_input import MAX_BARS, abc_melody_options, abc_upload, continued
from studio.analysis.key import infer_key
from studio.arrange.chord_symbols import transposed
from studio.chord_melody import key_of_chords
from studio.options import MELODY
from studio.requests import MelodyRequest


def midi_request(data: bytes, track: int | None = None, max_notes: int = MAX_SEED_NOTES, name: str = "the file",
                 choose: bool = True, fixed: Collection[str] | None = None, over_chords: bool = False,
                 **options: Any) -> tuple[MelodyRequest, str, str]:
    """A request whose notes are a MIDI file's melody as text (so it reproduces like typed notes), a sentence saying
    which part of the file ``name`` it is (``midi_origin``), and one saying how much of it was left out past its
    first ``max_notes`` notes ("" when none).

    ``track`` counts from 1 (None: the melody track); the file's meter and tempo fill options left None (the file's
    speed counted in the beats of the meter used: dotted quarters in 6/8). ``fixed``: for /melody, the options the
    user typed or saved; a melody that fills the bars asked for is then continued ``MORE_BARS`` past its end, as
    a pasted ABC tune is, unless ``bars`` is one of them (the request's own check says the seed is too long).
    A file of block chords and no tune (``data.midi_chords``) is, with ``over_chords`` (/melody), a request to write
    over its chords (``chords_request``); other commands need a tune (``no_tune``).
    """
    if (text := abc_upload(data)) is not None:  # an ABC tune's file: read as if its text were typed in notes:
        typed = {k: v for k, v in options.items() if v is not None}
        notes, header, read = abc_melody_options(text, typed)
        return MelodyRequest(notes=notes or "", **{**options, **header}), f"I used {name}. {read}", ""
    if track is None and (found := chords_from_midi(data, int(MELODY["bars"].high))) is not None:
        if over_chords:
            return chords_request(found, name, fixed or (), options)
        raise no_tune(found, name, choose)
    seed = seed_from_midi(data, None if track is None else track - 1, max_notes)
    meter = options.pop("meter", None) or (str(seed.meter) if seed.meter else "4/4")
    tempo = options.pop("tempo", None) or seed.tempo_in(Meter.parse(meter))
    bar_ticks = Meter.parse(meter).bar_ticks
    notes, pickup = seed.opening(Meter.parse(meter), max_notes)  # a first note after the file's downbeat: a pickup
    used = midi_origin(seed, track, name, choose)
    written = not options.get("key") and seed.fifths is not None and in_signature(notes, seed.fifths)
    try:  # spelled as the reply will be (Bb in F major, not A#)
        key: Key | bool = (Key.parse(options["key"]) if options.get("key") else
                           infer_key(tuple(notes), fifths=seed.fifths if written else None))
        if written:  # the file's key signature names the key's notes: the tonic is read from the melody, and a
            if seed.minor and key.mode == "major":  # signature that says minor is not the relative major's
                key = Key((key.tonic + 9) % 12, "minor")
            options["key"] = str(key)
            used += f" Its key signature ({signature_name(seed.fifths)}) puts it in {key}."
    except MusicError:  # an unreadable key, or no pitched notes: their own checks say so later
        key = False
    filled, more = continued(sum(n.ticks for n in notes), pickup, bar_ticks)
    asked = options.get("bars") or MELODY["bars"].default
    if fixed is not None and "bars" not in fixed and asked <= filled < MAX_BARS:
        options["bars"] = more
        used += f" It fills {filled} bars, so I'll write {more - filled} more: set {opt('bars')} to choose."
    if over_chords and key and (under := chords_under(data, track, MAX_BARS)):  # a chords track beside the tune
        options["chords"], options["key"] = transposed(under.text, 0, key), str(key)
        whose = "It has chord symbols" if under.track == 0 else f"Track {under.track} plays chords under it"
        used += f" {whose}, so I continued it over them."
    text = format_notes(notes, bar_ticks, start=(bar_ticks - pickup) % bar_ticks, spelling=key)  # `G | C E G C`
    read = sum(not n.is_rest for n in notes)
    cut = (f"The file's melody has {read + seed.dropped} notes and I read the first {read}: to work on a later "
           f"part, upload just that part." if seed.dropped else "")
    return MelodyRequest(notes=text, meter=meter, tempo=tempo, **options), used, cut


def chords_request(found: MidiChords, name: str, fixed: Collection[str], options: dict[str, Any]
                   ) -> tuple[MelodyRequest, str, str]:
    """A request to write over a file's chords (``midi_request``'s three parts): their key unless one is
    ``fixed``, spelled in it, the file's meter and tempo unless given."""
    meter = options.pop("meter", None) or str(found.meter)
    tempo = options.pop("tempo", None) or found.tempo
    key, chords = _spelled(found, Key.parse(options["key"]) if "key" in fixed and options.get("key") else None)
    used = (f"{name} holds chords, not a tune, so I wrote a melody over them (to continue its top voice instead, "
            f"set {opt('track', found.track)}).")
    cut = (f"It has {found.bars + found.left_out} bars of chords and I read the first {found.bars}."
           if found.left_out else "")
    request = MelodyRequest(notes="", chords=chords, meter=meter, tempo=tempo, **{**options, "key": str(key)})
    return request, used, cut


def _spelled(found: MidiChords, key: Key | None = None) -> tuple[Key, str]:
    """The key of a file's chords (their own unless ``key``) and the chords spelled in it (`A#` as `Bb` in F)."""
    key = key or key_of_chords(found.text)
    return key, transposed(found.text, 0, key)


class HeldChords(MusicError):
    """A file of chords given where a tune is needed; ``chords`` are the chords read (`/chords` reads them back)."""

    def __init__(self, message: str, chords: str, name: str, track: int) -> None:
        super().__init__(message, "track", track)
        self.chords, self.name = chords, name


def no_tune(found: MidiChords, name: str, choose: bool) -> HeldChords:
    """The answer to a file of chords given where a tune is needed: the chords read, and the ways on."""
    _, chords = _spelled(found)
    shown = chords if len(chords) <= 80 else chords[:80].rsplit("|", 1)[0] + "| …"
    track = f", or set {opt('track', found.track)} to use its top voice as the tune" if choose else ""
    return HeldChords(f"{name} holds chords, not a tune: `{shown}`. Write a tune over them with {cmd('melody')} and "
                      f"the same file{track}.", chords, name, found.track)


SIGNATURE_FIT = 0.9  # the share of the melody's time a file's key signature must hold for its key to follow it


def in_signature(notes: tuple[Note, ...], fifths: int) -> bool:
    """Whether the notes keep to a key signature (a file's may be a program's default, or left from another part)."""
    scale = Key(signature_major(fifths), "major").scale
    pitched = [n for n in notes if n.pitch is not None]
    total = sum(n.ticks for n in pitched)
    return bool(total) and sum(n.ticks for n in pitched if n.pitch % 12 in scale) >= SIGNATURE_FIT * total


def signature_name(fifths: int) -> str:
    """'2 sharps', '1 flat', 'no sharps or flats'."""
    if not fifths:
        return "no sharps or flats"
    count = abs(fifths)
    return f"{count} {'sharp' if fifths > 0 else 'flat'}{'s' * (count != 1)}"


def midi_origin(seed: MidiSeed, track: int | None, name: str, choose: bool = True) -> str:
    """Which part of the file ``name`` the melody was read from, and (``choose``: where the command takes a track)
    how to take another."""
    number, unit = seed.track_index + 1, seed.unit
    if track is not None:
        return f"I used {unit} {number} of {name}, {seed.track_name}."
    if len(seed.tracks) == 1:
        return f"I used the top voice of {name}."
    used = (f"I used {unit} {number} of {name}, {seed.track_name}, as the melody (the highest of its "
            f"{len(seed.tracks)} {unit}s)")
    if not choose:
        return f"{used}."
    return f"{used}: to take another, set e.g. {opt('track', 2 if number == 1 else 1)}."


def seed_words(data: bytes, request: MelodyRequest) -> tuple[Melody, list[str | None]] | None:
    """The words a MIDI file sings on its tune (karaoke lyric events), with the tune as ``request`` continues it, so
    the reply shows them on those bars (``studio.lyrics.carry``); None when it has none."""
    if not request.notes:
        return None
    seed = parse_seed(request.notes, max_notes=100_000, meter=request.parsed_meter)
    words = midi_words(data, seed.notes)
    return None if words is None else (Melody(seed.notes, Key(0), request.parsed_meter, pickup=seed.pickup), words)
