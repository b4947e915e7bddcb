"""Lyrics: a theme, a rhyme scheme and syllable counts (or a melody's phrases) -> verse from the lyric LSTM.

The bot calls ``Lyricist`` methods in ``run_in_executor``: they are synchronous, bounded in time (see
``model.lyric_decode``) and thread-safe (one lock around the model). Bad input raises ``MusicError`` with a
message that says what to type instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from data.blocklist import clean, is_blocked
from data.emoji import emoji_words
from data.errors import MusicError, cmd, opt
from data.events import Melody
from data.images import load_images
from data.modern import lyric_lines
from data.pronounce import stresses, syllable_count
from data.verse import line_words
from model.config import LYRICS_CHECKPOINT
from model.lstm import load_checkpoint
from model.lyric_decode import STRONG, WEAK, DecodedLine, DecodeSettings, LineSpec, LyricDecoder
from model.lyric_theme import Theme
from studio.lyrics.setting import MAX_LINE_NOTES, phrases
from studio.options import LYRICS
from studio.requests import random_seed

DEFAULT_CHECKPOINT = LYRICS_CHECKPOINT
MAX_LINES = int(LYRICS["lines"].high)
MIN_SYLLABLES, MAX_SYLLABLES = 1, MAX_LINE_NOTES
MAX_THEME = 2000  # characters of a theme that are read (the rest is ignored)
MAX_OPENING = 200
DEFAULT_SYLLABLES = 8
DEFAULT_LINES = 4
FREE = ("", "free", "none", "-")
EXAMPLE = cmd("lyrics", theme="the sea at night", lines=4, scheme="ABAB", syllables=8)


SHORT_SCHEMES = {1: "A", 2: "AA", 3: "ABA"}  # the default for fewer lines than ABAB has


def default_scheme(lines: int | None) -> str:
    """The rhyme scheme when none is given: ABAB quatrains, and for lines over a multiple of four, a last line
    that rhymes with the B lines, a couplet or a triplet (6 lines: ABABCC), so every rhyme word has a partner;
    fewer than four: A, AA, ABA."""
    n = lines or DEFAULT_LINES
    if n in SHORT_SCHEMES:
        return SHORT_SCHEMES[n]
    quatrains, rest = divmod(n, 4)
    if rest == 0:
        return LYRICS["scheme"].default
    letters = [chr(ord("A") + 2 * q + j) for q in range(quatrains) for j in (0, 1, 0, 1)]  # ABAB CDCD
    tail = letters[-1:] if rest == 1 else [chr(ord(letters[-1]) + 1)] * rest
    return "".join(letters + tail)


def lines_and_scheme(lines: int | None, scheme: str | None,
                     counts: Sequence[int] | None) -> tuple[int | None, str]:
    """The lines and rhyme scheme asked for. Lines as typed, else one per syllable count when the counts are not a
    pattern that repeats over the default four lines (``syllables:"8 8 8"`` means three lines; ``"8 6"`` stays
    8 6 8 6); the scheme as typed, else the default for that many lines."""
    if lines is None and not (scheme or "").strip() and counts and DEFAULT_LINES % len(counts):
        lines = min(len(counts), MAX_LINES)
    return lines, scheme or default_scheme(lines)


def parse_scheme(text: str | None, lines: int) -> tuple[str | None, ...]:
    """``ABAB`` -> one letter per line: the pattern repeats with fresh letters (8 lines of ABAB: ABABCDCD);
    ``free`` -> no rhymes."""
    text = (text or "").strip()
    if text.lower() in FREE:
        return (None,) * lines
    pattern = text.upper().replace(" ", "")
    if not pattern.isascii() or not pattern.isalpha():
        raise MusicError(f"I can't read the rhyme scheme `{text[:40]}`. Use letters, one per line, like "
                         f"{opt('scheme', 'ABAB')}, `AABB` or `ABCB`, or `free` for no rhymes.", "scheme", "ABAB")
    if len(pattern) > lines:
        raise MusicError(f"The scheme `{pattern[:40]}` has {len(pattern)} lines but you asked for {lines}. "
                         f"Ask for {opt('lines', len(pattern))} or use a scheme of {lines} letters such as "
                         f"{opt('scheme', default_scheme(lines))}.", "scheme", default_scheme(lines))
    if len(pattern) == 1:  # `A`: every line on one rhyme (fresh letters each line would rhyme none)
        return ("A",) * lines
    letters = sorted(set(pattern))
    out: list[str] = []
    for i in range(lines):  # at most 16 lines, so at most 16 letters
        shift = (i // len(pattern)) * len(letters)
        out.append(chr(ord("A") + letters.index(pattern[i % len(pattern)]) + shift))
    rest = lines % len(pattern)
    if rest and any(out.count(letter) == 1 for letter in out[-rest:]):  # 6 lines of ABAB: ABABCD would leave two
        tail = out[-rest - 1:-rest] if rest == 1 else [out[-rest]] * rest  # lines unrhymed: ABABCC, as by default
        out[-rest:] = tail
    return tuple(out)


def _syllables(value: int | Sequence[int] | None, lines: int, stress: tuple[str, ...] | None) -> tuple[int, ...]:
    if value is None:
        return tuple(len(s) for s in stress) if stress else (DEFAULT_SYLLABLES,) * lines
    counts = [value] if isinstance(value, int) else list(value)
    if counts and lines % len(counts) == 0:  # `8 6` over four lines: 8 6 8 6
        counts *= lines // len(counts)
    if len(counts) != lines or not all(isinstance(n, int) and not isinstance(n, bool) for n in counts):
        raise MusicError(f"Give one syllable count for every line ({lines} numbers), one for all, or a pattern "
                         f"that repeats, e.g. {opt('syllables', 8)} or {opt('syllables', '8 6')}.", "syllables", "8")
    for n in counts:
        if not MIN_SYLLABLES <= n <= MAX_SYLLABLES:
            raise MusicError(f"A line can have {MIN_SYLLABLES} to {MAX_SYLLABLES} syllables, not {n}. "
                             f"Try {opt('syllables', 8)} (a hymn or ballad line) or {opt('syllables', 6)}.",
                             "syllables", "8")
    return tuple(counts)


def parse_syllables(text: str) -> list[int]:
    """``"8 6 8 6"`` or ``"8,6"`` -> [8, 6, 8, 6] (for the bot's text option)."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts or not all(p.isdigit() and len(p) <= 3 for p in parts):
        raise MusicError(f"I can't read the syllable counts `{text[:40]}`. Type numbers, e.g. "
                         f"{opt('syllables', 8)} or {opt('syllables', '8 6 8 6')}.", "syllables", "8 6 8 6")
    return [int(p) for p in parts]


def _stress(templates: Sequence[str] | None, lines: int) -> tuple[str, ...] | None:
    if templates is None:
        return None
    if len(templates) != lines:
        raise MusicError(f"Give one stress pattern per line ({lines}), e.g. `wSwSwSwS` for a line of 8 syllables.")
    out = []
    for t in templates:
        t = t.strip()
        if not t or any(c not in "SsWw" for c in t):
            raise MusicError(f"A stress pattern is S (strong beat) and w (weak beat) per syllable, e.g. `wSwSwSwS`, "
                             f"not `{t[:40]}`.")
        out.append("".join(STRONG if c in "Ss" else WEAK for c in t))
    return tuple(out)


@dataclass(frozen=True)
class LyricRequest:
    """A validated lyrics request; build it with ``LyricRequest.make``."""

    theme: str
    lines: int
    scheme: tuple[str | None, ...]  # a rhyme letter per line, None for no rhyme
    syllables: tuple[int, ...]
    stress: tuple[str, ...] | None
    seed: int

    @classmethod
    def make(cls, theme: str | None = "", lines: int | None = None, scheme: str | None = None,
             syllables: int | Sequence[int] | None = None, stress: Sequence[str] | None = None,
             seed: int | None = None) -> LyricRequest:
        if lines is None:
            lines = len(stress) if stress else max(1, min(len((scheme or "").strip()) or DEFAULT_LINES, MAX_LINES))
        if scheme is None:
            scheme = default_scheme(lines) if isinstance(lines, int) else LYRICS["scheme"].default
            if (scheme or "").strip().lower() in FREE and not stress:
                lines = 4
        if isinstance(lines, bool) or not isinstance(lines, int) or not 1 <= lines <= MAX_LINES:
            raise MusicError(f"Ask for 1 to {MAX_LINES} lines, e.g. {EXAMPLE}.", "lines", 4)
        templates = _stress(stress, lines)
        counts = _syllables(syllables, lines, templates)
        if templates and any(len(t) != n for t, n in zip(templates, counts, strict=True)):
            raise MusicError("Each stress pattern needs one letter per syllable of its line: "
                             f"with {opt('syllables', 6)}, a pattern like `wSwSwS`.")
        if seed is None:
            seed = random_seed()
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
            raise MusicError(f"The seed is a whole number from 0, e.g. {opt('seed', 42)}.", "seed", 42)
        return cls((theme or "")[:MAX_THEME], lines, parse_scheme(scheme, lines), counts, templates, seed)


@dataclass(frozen=True)
class LyricLine:
    text: str  # capitalised, no rhyme marks
    words: tuple[str, ...]
    syllables: int
    rhyme_word: str | None  # the last word, when the line rhymes with another
    rhyme_letter: str | None
    stress: str | None = None  # the template asked for, when set to a melody

    @property
    def marked(self) -> str:
        """The line with its rhyme word in bold (Discord markdown)."""
        if not self.rhyme_word or not self.text:
            return self.text
        head, _, last = self.text.rpartition(" ")
        return f"{head} **{last}**".strip()


@dataclass(frozen=True)
class Verse:
    lines: tuple[LyricLine, ...]
    theme: Theme | None
    seed: int
    note: str | None = None  # said to the user, e.g. that the theme could not be used
    seconds: float = 0.0

    @property
    def text(self) -> str:
        """Lines with rhyme words in bold and each line's syllable count and rhyme letter."""
        return "\n".join(f"{line.marked}  `{line.syllables}{' ' + line.rhyme_letter if line.rhyme_word else ''}`"
                         for line in self.lines)

    @property
    def plain(self) -> str:
        return "\n".join(line.text for line in self.lines)


MIN_IMAGES = 3  # fewer images than this among a topic's words: its other words fill in (and are not called images)


def pictured(words: Sequence[str]) -> tuple[str, ...]:
    """Words that belong with a topic, those a listener can see, hear or touch (``data.images``: "window",
    "rainfall", not "sensation", "administrative"), in their order; where fewer than ``MIN_IMAGES`` are, all the
    words, the images first ("a broken clock": mirror, tooth, not cracked, shows, split)."""
    images = load_images()
    seen = tuple(w for w in words if w in images)
    return seen if len(seen) >= MIN_IMAGES else tuple(sorted(words, key=lambda w: w not in images))


def all_images(words: Sequence[str]) -> bool:
    """Whether every one of ``words`` is an image (a reply calls them images, else words)."""
    images = load_images()
    return bool(words) and all(w in images for w in words)


@dataclass(frozen=True)
class Inspiration:
    topic: str
    openings: tuple[LyricLine, ...]  # different opening lines, each ending on a word with rhymes
    rhymes: tuple[tuple[str, ...], ...]  # per opening: words that rhyme with its last word
    images: tuple[str, ...]  # words that belong with the topic (WordNet associates, else embedding neighbours)
    seed: int
    note: str | None = None


def render_words(words: Sequence[str]) -> str:
    """Words -> a line of lyrics: first letter capital, 'i' as 'I'."""
    out = [("I" + w[1:] if w == "i" or w.startswith("i'") else w) for w in words]
    text = " ".join(out)
    return clean(text[:1].upper() + text[1:])


def phrase_templates(melody: Melody, max_lines: int = MAX_LINES) -> list[str]:
    """A melody's phrases (``setting.phrases``, the ones the words go under) as stress templates:
    one 'S'/'w' per sung note."""
    return [phrase.template for phrase in phrases(melody)][:max_lines]


class Lyricist:
    """The lyric model behind a lock, with its decoder tables.

    Decoding runs on ``threads`` intra-op threads (1), set for the calling thread only and restored after: with
    PyTorch's OpenMP backend the count is per thread, so the melody engine's threads are untouched. The decoder's
    matrices are small; on this 2-core machine, with another process busy, a 4-line verse took 0.22 s on one
    thread and 0.72 s on two.
    """

    def __init__(self, decoder: LyricDecoder, settings: DecodeSettings | None = None, info: dict | None = None,
                 threads: int = 1) -> None:
        self.decoder = decoder
        self.settings = settings or DecodeSettings()
        self.info = info or {}
        self.threads = threads
        self._lock = threading.Lock()

    @contextmanager
    def _model(self) -> Iterator[None]:
        """Exclusive use of the model, on ``threads`` threads for this call."""
        with self._lock:
            before = torch.get_num_threads()
            torch.set_num_threads(self.threads)
            try:
                yield
            finally:
                torch.set_num_threads(before)

    @classmethod
    def load(cls, path: Path = DEFAULT_CHECKPOINT, settings: DecodeSettings | None = None,
             device: str = "cpu") -> Lyricist:
        """The shipped lyric model on ``device`` (the bot passes ``MUSICGENIUS_DEVICE``); constraints run on the CPU."""
        model, vocab, info = load_checkpoint(path, device=device, kind="lyrics")
        corpus = [line_words(v.text) for v in lyric_lines()]
        return cls(LyricDecoder(model, vocab, corpus, is_blocked), settings, info)

    # ---- requests -------------------------------------------------------------------------------------------
    def theme(self, text: str) -> tuple[Theme | None, str | None]:
        """The usable theme, and a note for the user when there was a theme but no word of it could be used.
        Emoji read as the words of their names (a theme of 🌧️ is "cloud rain")."""
        given = clean((text or "")[:MAX_THEME], mask=" ")
        theme = self.decoder.theme(line_words(clean(emoji_words(given), mask=" ")))
        if theme.usable:
            return theme, None
        if given.strip():
            return None, ("I don't know any word of that theme well enough, so I wrote without one. "
                          'Try plain English words, e.g. "the sea at night".')
        return None, None

    @staticmethod
    def specs(scheme: Sequence[str | None], syllables: Sequence[int], stress: Sequence[str] | None) -> list[LineSpec]:
        first: dict[str, int] = {}
        counts = {letter: sum(1 for x in scheme if x == letter) for letter in scheme if letter}
        out = []
        for i, letter in enumerate(scheme):
            template = stress[i] if stress else None
            if letter is None or counts[letter] < 2:
                out.append(LineSpec(syllables[i], stress=template))
            elif letter not in first:
                first[letter] = i
                out.append(LineSpec(syllables[i], open_rhyme=True, stress=template))
            else:
                out.append(LineSpec(syllables[i], rhyme_line=first[letter], stress=template))
        return out

    def _lines(self, decoded: Sequence[DecodedLine | tuple[str, ...]], scheme: Sequence[str | None],
               stress: Sequence[str] | None) -> tuple[LyricLine, ...]:
        counts = {letter: sum(1 for x in scheme if x == letter) for letter in scheme if letter}
        out = []
        for i, line in enumerate(decoded):
            words = line.words if isinstance(line, DecodedLine) else line
            letter = scheme[i]
            rhymed = letter is not None and counts[letter] >= 2 and bool(words)
            out.append(LyricLine(render_words(words), tuple(words), sum(syllable_count(w) for w in words),
                                 words[-1] if rhymed else None, letter if rhymed else None,
                                 stress[i] if stress else None))
        return tuple(out)

    def _generator(self, seed: int) -> torch.Generator:
        return torch.Generator().manual_seed(seed)

    def write(self, request: LyricRequest) -> Verse:
        """A verse for a validated request."""
        t0 = time.perf_counter()
        theme, note = self.theme(request.theme)
        specs = self.specs(request.scheme, request.syllables, request.stress)
        with self._model():
            decoded = self.decoder.verse(specs, self._generator(request.seed), theme, self.settings)
        lines = self._lines(decoded, request.scheme, request.stress)
        return Verse(lines, theme, request.seed, note, time.perf_counter() - t0)

    def lyrics(self, theme: str = "", lines: int | None = None, scheme: str | None = "ABAB",
               syllables: int | Sequence[int] | None = None, stress: Sequence[str] | None = None,
               seed: int | None = None) -> Verse:
        """Validate and write: the `/lyrics` command."""
        return self.write(LyricRequest.make(theme, lines, scheme, syllables, stress, seed))

    def for_melody(self, melody: Melody, theme: str = "", scheme: str | None = None,
                   seed: int | None = None) -> Verse:
        """One line per phrase of the melody, a syllable per note, stressed syllables on strong beats where the
        model can manage it. The default scheme is ``default_scheme``'s for that many phrases."""
        templates = phrase_templates(melody)
        if not templates:
            raise MusicError("That melody has no notes to set words to. Give me a melody with notes, e.g. "
                             f"{cmd('melody', notes='C D E F G')}.")
        text = (scheme or default_scheme(len(templates))).strip()
        request = LyricRequest.make(theme, len(templates), text if text.lower() in FREE else text[: len(templates)],
                                    None, templates, seed)
        return self.write(request)

    def inspire(self, topic: str, count: int = 4, seed: int | None = None, syllables: int = DEFAULT_SYLLABLES,
                ) -> Inspiration:
        """A handful of different opening lines for a topic, rhymes for each line's last word and image words."""
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 8:
            raise MusicError(f"Ask for 1 to 8 ideas, e.g. {opt('count', 4)}.", "count", 4)
        request = LyricRequest.make(topic, 1, "free", syllables, None, seed)
        theme, note = self.theme(request.theme)
        openings: list[DecodedLine] = []
        settings = replace(self.settings, samples=max(self.settings.samples, 6 * count))
        with self._model():
            for attempt in range(3):  # bounded: usually the first batch holds enough different lines
                gen = self._generator((request.seed * 8 + attempt) % 2**63)
                for line in self.decoder.openings(LineSpec(syllables, open_rhyme=True), gen, theme, settings):
                    if len(openings) < count and all(line.words[-1] != o.words[-1] for o in openings):
                        openings.append(line)
                if len(openings) == count:
                    break
            rhymes = tuple(tuple(self.decoder.rhyme_words(o.words[-1], 6)) for o in openings)
        lines = tuple(LyricLine(render_words(o.words), o.words, sum(syllable_count(w) for w in o.words), o.words[-1],
                                "A") for o in openings)
        images = pictured(theme.associates or theme.neighbours)[:6] if theme else ()
        return Inspiration(request.theme, lines, rhymes, images, request.seed, note)

    def expand(self, opening: str, theme: str = "", lines: int = 4, scheme: str | None = "ABAB",
               syllables: int | Sequence[int] | None = None, seed: int | None = None) -> Verse:
        """A verse that starts with ``opening`` (kept as given) and rhymes with it as the scheme says."""
        t0 = time.perf_counter()
        first = line_words(clean((opening or "")[:MAX_OPENING], mask=" "))
        if not first:
            raise MusicError('Give me an opening line with some English words, e.g. `"The sea is calm tonight"`.')
        count = sum(syllable_count(w) for w in first)
        if count > MAX_SYLLABLES:
            raise MusicError(f"That opening line has {count} syllables; give me one of up to {MAX_SYLLABLES}, "
                             'e.g. `"The sea is calm tonight"`.')
        if isinstance(lines, int) and not isinstance(lines, bool) and 1 <= lines <= MAX_LINES:
            if syllables is None or (isinstance(syllables, int) and not isinstance(syllables, bool)):
                rest = max(4, min(count, 12)) if syllables is None else syllables
                syllables = [count] + [rest] * (lines - 1)
            else:
                syllables = [count, *list(syllables)[1:]]
        request = LyricRequest.make(theme or opening, lines, scheme, syllables, None, seed)
        theme_obj, note = self.theme(request.theme)
        specs = self.specs(request.scheme, request.syllables, None)
        with self._model():
            decoded = self.decoder.verse(specs[1:], self._generator(request.seed), theme_obj, self.settings,
                                         given=[first])
        verse_lines = self._lines([tuple(first), *decoded], request.scheme, None)
        return Verse(verse_lines, theme_obj, request.seed, note, time.perf_counter() - t0)


def stress_rate(words: Sequence[str], template: str) -> float | None:
    """Share of the template's strong beats that fall on a stressed syllable (None without strong beats)."""
    marks = "".join(stresses(w) for w in words)
    strong = [i for i, c in enumerate(template) if c == STRONG and i < len(marks)]
    return sum(marks[i] == "1" for i in strong) / len(strong) if strong else None
