"""Validated, frozen requests: every bad option becomes a MusicError with an example to type."""

from __future__ import annotations

import random
from dataclasses import dataclass

from data.events import STYLES, Key, Meter, MusicError

LIMITS = {
    "bars": (1, 64),
    "temperature": (0.1, 2.0),
    "top_p": (0.1, 1.0),
    "tempo": (30, 300),
    "seed": (0, 2**31 - 1),
    "count": (1, 3),
}
MAX_LYRICS = 1000  # characters of words that /melody lyrics: sets to music


def _check_range(name: str, value: float, example: str) -> None:
    low, high = LIMITS[name]
    if not low <= value <= high:
        raise MusicError(f"`{name}` must be between {low} and {high} (you gave {value}). Try `{name}:{example}`.")


@dataclass(frozen=True)
class MelodyRequest:
    """What `/melody` and `musicgenius melody` ask for."""

    notes: str
    bars: int = 8
    temperature: float = 1.0
    top_p: float = 0.95
    seed: int | None = None
    key: str | None = None
    meter: str = "4/4"
    tempo: int = 110
    style: str = "irish"
    count: int = 3  # candidates in one reply
    lyrics: str | None = None  # words to set: one note per syllable, rhythm from their stress (``bars`` is ignored)

    def __post_init__(self) -> None:
        _check_range("bars", self.bars, "8")
        _check_range("temperature", self.temperature, "1.0")
        _check_range("top_p", self.top_p, "0.95")
        _check_range("tempo", self.tempo, "110")
        _check_range("count", self.count, "3")
        if self.seed is not None:
            _check_range("seed", self.seed, "42")
        if self.style not in STYLES:
            raise MusicError(f"Unknown style '{self.style}'. Choose one of: {', '.join(STYLES)} — e.g. `style:irish`.")
        if self.key:
            Key.parse(self.key)
        Meter.parse(self.meter)
        if self.lyrics is not None and len(self.lyrics) > MAX_LYRICS:
            raise MusicError(f"Your words are {len(self.lyrics)} characters long; I set at most {MAX_LYRICS}. "
                             "Try a verse or two, e.g. `lyrics:Twinkle twinkle little star`.")

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
        return MelodyRequest(**{**self.__dict__, "seed": random.randrange(LIMITS["seed"][1])})
