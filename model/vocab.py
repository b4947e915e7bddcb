"""Token vocabulary; saved inside every checkpoint so sampling never rebuilds it."""

from __future__ import annotations

from collections.abc import Iterable

from data.events import BAR, DURATIONS, END, MODE_OFFSET, REST, STYLES

PAD = "<pad>"
COMMON_METERS = ("2/4", "3/4", "4/4", "6/8", "9/8", "12/8", "3/8", "2/2", "3/2", "5/4", "7/8")


class Vocab:
    """Bidirectional token <-> id map."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self.itos: list[str] = list(tokens)
        self.stoi: dict[str, int] = {tok: i for i, tok in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("duplicate tokens in vocabulary")
        #: token id -> MIDI pitch, for every pitch token (``p60``); read only, shared by every grammar
        self.pitches: dict[int, int] = {i: int(t[1:]) for i, t in enumerate(self.itos)
                                        if t.startswith("p") and t[1:].isdigit()}

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(self, tokens: Iterable[str]) -> list[int]:
        return [self.stoi[t] for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.itos[i] for i in ids]

    @property
    def pad_id(self) -> int:
        return self.stoi[PAD]

    @classmethod
    def for_melodies(cls, meters: Iterable[str] = (), low: int = 36, high: int = 96) -> Vocab:
        """The melody vocabulary: padding, controls, pitches low..high, rest, durations, bar, end."""
        all_meters = list(dict.fromkeys([*COMMON_METERS, *sorted(meters)]))
        tokens = [PAD, END, BAR, REST]
        tokens += [f"style:{s}" for s in STYLES]
        tokens += [f"mode:{m}" for m in MODE_OFFSET]
        tokens += [f"meter:{m}" for m in all_meters]
        tokens += [f"p{p}" for p in range(low, high + 1)]
        tokens += [f"d{d}" for d in DURATIONS]
        return cls(tokens)
