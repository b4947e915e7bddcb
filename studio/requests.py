"""Validated, frozen requests: every bad option becomes a MusicError that names it and shows a good value."""

from __future__ import annotations

import random
from dataclasses import dataclass, fields

from data.errors import MusicError, opt
from data.events import Key, Meter
from data.jianpu import pin
from studio.options import MAX_LYRICS, MELODY, SEED_MAX


def random_seed() -> int:
    """A fresh RNG seed, in the range users may type."""
    return random.randrange(SEED_MAX)


@dataclass(frozen=True)
class MelodyRequest:
    """What `/melody` and `musicgenius melody` ask for; defaults come from the option table."""

    notes: str
    bars: int = MELODY["bars"].default
    temperature: float = MELODY["temperature"].default
    top_p: float = MELODY["top_p"].default
    seed: int | None = None
    key: str | None = None
    meter: str = MELODY["meter"].default
    tempo: int = None  # type: ignore[assignment]  # None: the meter's own (Meter.default_bpm), set on creation
    style: str = MELODY["style"].default
    density: str = MELODY["density"].default  # leans the rhythm (``studio.melody.DENSITY_LEAN``)
    ending: str = MELODY["ending"].default  # the last note: tonic (closed) or 3rd/5th (open), see model.sample
    count: int = MELODY["count"].default  # candidates in one reply
    lyrics: str | None = None  # words to set: one note per syllable, rhythm from their stress (``bars`` is ignored)
    rewrite: str | None = None  # bars of ``notes`` to write again ("3-4,7"); any past its end up to ``bars`` are added
    mood: str | None = None  # studio.mood's controls: filled options are concrete here; register, contour, articulation
    notation: str | None = None  # how replies write the notes: letters or jianpu (None: as the seed was typed)
    transform: str | None = None  # /transform: ``notes`` in another mode, rhythm, style… (``studio.transform.Spec``)
    chords: str | None = None  # a progression to write over (``studio.chord_melody``): it sets the key when none is
    sung: tuple[str | None, ...] | None = None  # the words a melody made from another kept (``studio.lyrics.carry``),
    # a syllable or None per note: stored with it, as its request holds no ``lyrics``

    def __post_init__(self) -> None:
        for field in fields(self):
            if field.name in MELODY and field.name != "notes":
                MELODY[field.name].check(getattr(self, field.name))
        if self.chords:  # given, ``bars`` grows to hold every bar of it (words set their own length), and each bar's
            from studio.chord_melody import chord_bars, chord_spans, key_of_chords  # chords must fit the meter

            if self.lyrics is None:
                object.__setattr__(self, "bars", max(self.bars, chord_bars(self.chords)))
            object.__setattr__(self, "key", self.key or str(key_of_chords(self.chords)))
            chord_spans(self.chords, Meter.parse(self.meter), self.bars)
        if self.key:  # written as the reply names it ("D mixo" -> "D mixolydian"), for Reproduce and what is stored
            object.__setattr__(self, "key", str(Key.parse(self.key)))
        object.__setattr__(self, "notes", pin(self.notes, self.parsed_key))  # jianpu reads in this key from now on
        meter = Meter.parse(self.meter)
        object.__setattr__(self, "meter", str(meter))  # "cut time" -> "2/2"
        if self.tempo is None:
            object.__setattr__(self, "tempo", meter.default_bpm)
        if self.sung is not None:  # a list when read back from the store
            object.__setattr__(self, "sung", tuple(self.sung))
        if self.lyrics is not None and len(self.lyrics) > MAX_LYRICS:
            raise MusicError(f"Your words are {len(self.lyrics)} characters long; I set at most {MAX_LYRICS}. "
                             f"Try a verse or two, e.g. {opt('lyrics', 'Twinkle twinkle little star')}.", "lyrics")

    @property
    def parsed_key(self) -> Key | None:
        return Key.parse(self.key) if self.key else None

    @property
    def parsed_meter(self) -> Meter:
        return Meter.parse(self.meter)

    def with_seed(self) -> MelodyRequest:
        """The same request with a concrete RNG seed, so the reply can say how to reproduce it."""
        if self.seed is not None:
            return self
        return MelodyRequest(**{**self.__dict__, "seed": random_seed()})
