"""Words and notes: a melody's phrases and strong beats, lyrics laid under notes, and a rhythm for given words.

Stress comes from ``data.pronounce`` ('1' stressed, '0' unstressed per syllable); a note is strong ('S')
when it starts on a strong beat of its bar (``Meter.strong_ticks``: beats 1 and 3 of 4/4, 1 of 3/4, 1 and 4 of 6/8 ...).
Blocked words (``data.blocklist``) are sung and printed as "la".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from data.blocklist import is_blocked
from data.errors import MusicError, cmd, opt
from data.events import DURATIONS, TPQ, Melody, Meter
from data.pronounce import hyphenate, stresses, tokens

MAX_SYLLABLES = 200
GRID = TPQ // 2  # words are set on an eighth-note grid
_PHRASE_END = re.compile(r"[\n\r.,;:!?…—–]+")
_EXAMPLE = opt("lyrics", "Twinkle twinkle little star, how I wonder what you are")


@dataclass(frozen=True)
class Syllable:
    """One sung syllable: its text, whether it is stressed, whether it ends its word."""

    text: str  # '' continues the syllable before it: the glide of "fire" (``data.pronounce.hyphenate``)
    stressed: bool
    word_end: bool


def _suffix(syls: list[Syllable], j: int) -> str:
    """'-' when syllable ``j`` joins a printed syllable after it in the same word."""
    return "" if syls[j].word_end or not syls[j + 1].text else "-"


@dataclass(frozen=True)
class Phrase:
    """A run of sounding notes sung as one line: their indices in the melody and a stress template."""

    notes: tuple[int, ...]
    template: str  # per note: 'S' starts on a strong beat, 'w' otherwise
    start: int  # ticks
    end: int

    @property
    def syllables(self) -> int:
        return len(self.notes)


@dataclass(frozen=True)
class Underlay:
    """Lyrics laid under a melody, in the forms each output wants."""

    syllables: tuple[str | None, ...]  # per melody note, for the score: a trailing '-' joins the next syllable
    midi_text: tuple[str | None, ...]  # per melody note, for MIDI lyric events: ''.join(...) gives the lines
    lines: tuple[str, ...]  # hyphenated text, one line per phrase: 'Twin-kle twin-kle lit-tle star'
    stress_rate: float  # share of stressed syllables that start on a strong beat
    folded: int  # syllables sung on a note that already has one
    melisma: int  # notes that continue the previous syllable

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# ---- phrases of a melody ----------------------------------------------------------------------
MAX_LINE_NOTES = 20  # sung notes in one line at most (the lyric model writes lines of up to 20 syllables)


def phrases(melody: Melody) -> list[Phrase]:
    """The melody's sounding notes split into lines: at rests, after long phrase-ending notes, else every two bars
    (four when two hold under five notes, one when a bar holds twelve): a line never ends in a phrase's middle."""
    bar = melody.meter.bar_ticks
    strong = melody.meter.strong_ticks
    found: list[Phrase] = []
    current: list[int] = []
    onsets = [melody.start + onset for onset in melody.onsets()]  # from the first downbeat: a pickup is not on one

    def close() -> None:
        if current:
            start = onsets[current[0]]
            end = onsets[current[-1]] + melody.notes[current[-1]].ticks
            template = "".join("S" if onsets[i] % bar in strong else "w" for i in current)
            found.append(Phrase(tuple(current), template, start, end))
            current.clear()

    for i, note in enumerate(melody.notes):
        if note.pitch is None:
            close()
            continue
        long = (note.ticks >= bar // 2 and note.ticks >= 2 * (melody.notes[i - 1].ticks if i else 0)
                and (onsets[i] + note.ticks) % bar == 0)  # a held note that closes its bar
        if current and onsets[i] % bar == 0 and not long:  # a long note on the bar line ends this line instead
            bars_in = onsets[i] // bar - -(-onsets[current[0]] // bar)  # a pickup belongs to the next bar
            if bars_in >= 4 or (bars_in == 2 and len(current) >= 5) or (bars_in >= 1 and len(current) >= 12):
                split = len(current) - lead_in(melody, current)
                tail = current[split:]
                del current[split:]
                close()
                current += tail
        if len(current) >= MAX_LINE_NOTES:  # a line a singer (and the lyric model) can manage
            close()
        current.append(i)
        if long and len(current) >= 4:
            close()
    close()
    merged: list[Phrase] = []
    for phrase in found:  # a phrase of one or two notes is sung with the line before it
        last = merged[-1] if merged else None
        if last is not None and phrase.syllables <= 2 and last.syllables + phrase.syllables <= MAX_LINE_NOTES:
            merged[-1] = Phrase(last.notes + phrase.notes, last.template + phrase.template, last.start, phrase.end)
        else:
            merged.append(phrase)
    return merged


def lead_in(melody: Melody, line: list[int]) -> int:
    """How many notes at the end of ``line`` (indices of sounding notes, the next bar about to start) lead into that
    bar after a held note, as Happy Birthday's `B:h G:e. G:s | A` does: those are the next line's pickup, sung with
    it ("hap-py | birth-day"); 0 when none do. The line keeps four notes at least."""
    beat = melody.meter.beat_ticks
    for n in range(1, 4):
        if len(line) < n + 4:
            return 0
        held, tail = melody.notes[line[-n - 1]], [melody.notes[i] for i in line[-n:]]
        if sum(t.ticks for t in tail) <= beat and held.ticks >= max(beat, 2 * max(t.ticks for t in tail)):
            return n
    return 0


# ---- words to syllables -----------------------------------------------------------------------
def word_syllables(word: str) -> list[Syllable]:
    """A word as syllables with stress; a blocked word becomes one 'la'."""
    if is_blocked(word):
        return [Syllable("la", False, True)]
    pieces, marks = hyphenate(word), stresses(word)
    if len(pieces) != len(marks):  # never expected: hyphenate follows syllable_count
        pieces, marks = [word], "1"
    return [Syllable(p, m == "1", i == len(pieces) - 1) for i, (p, m) in enumerate(zip(pieces, marks, strict=True))]


def line_words(line: str) -> list[list[Syllable]]:
    """The words of a line, each as its syllables (words without letters, like emoji, are skipped)."""
    return [syls for syls in (word_syllables(w) for w in tokens(line)) if syls]


def line_syllables(words: list[list[Syllable]]) -> list[Syllable]:
    """A line's syllables in order; a one-syllable word ending the line takes the line's final stress."""
    syls = [s for word in words for s in word]
    if words and len(words[-1]) == 1 and not syls[-1].stressed:
        syls[-1] = Syllable(syls[-1].text, True, True)
    return syls


def _hyphenated(words: list[list[Syllable]]) -> str:
    return " ".join("-".join(s.text for s in word if s.text) for word in words)


# ---- lyrics under a melody --------------------------------------------------------------------
def _match(syllable: Syllable, mark: str) -> float:
    return 1.0 if syllable.stressed == (mark == "S") else 0.0


def _align(syls: list[Syllable], template: str) -> list[list[int]]:
    """Per note, the syllables that start on it: [] continues the previous syllable (melisma), 2+ are folded."""
    m, n = len(syls), len(template)
    if m == 0:
        return [[] for _ in range(n)]
    if m <= n:
        # best[j][p]: syllable j starts on note p; a melisma costs 0.3 per note except on the line's last syllable
        neg = float("-inf")
        best = [[neg] * n for _ in range(m)]
        back = [[0] * n for _ in range(m)]
        best[0][0] = _match(syls[0], template[0])
        for j in range(1, m):
            for p in range(j, n - (m - 1 - j)):
                for q in range(j - 1, p):
                    score = best[j - 1][q] - 0.3 * (p - q - 1) + _match(syls[j], template[p])
                    if score > best[j][p]:
                        best[j][p], back[j][p] = score, q
        p = max(range(m - 1, n), key=lambda k: best[m - 1][k])
        starts = [p]
        for j in range(m - 1, 0, -1):
            p = back[j][p]
            starts.append(p)
        starts.reverse()
        groups: list[list[int]] = [[] for _ in range(n)]
        for j, p in enumerate(starts):
            groups[p].append(j)
        return groups
    # more syllables than notes: note k sings syllables [a_k, a_k+1); folding within a word is cheaper
    # folding syllable i onto the note of i-1 costs more across a word boundary and for a stressed syllable
    folds = [0.0, 0.0]
    for i in range(1, m):
        folds.append(folds[-1] + (0.6 if syls[i - 1].word_end else 0.3) + 0.3 * syls[i].stressed)

    def fold_cost(a: int, b: int) -> float:  # syllables a+1 .. b-1 join syllable a
        return folds[b] - folds[a + 1]

    neg = float("-inf")
    best2 = [[neg] * (m + 1) for _ in range(n + 1)]
    back2 = [[0] * (m + 1) for _ in range(n + 1)]
    best2[0][0] = 0.0
    for k in range(1, n + 1):
        for a in range(k, m - (n - k) + 1):  # syllables used after k notes
            for b in range(k - 1, a):  # note k-1 sings syllables b..a-1
                if best2[k - 1][b] == neg:
                    continue
                score = best2[k - 1][b] + _match(syls[b], template[k - 1]) - fold_cost(b, a)
                if score > best2[k][a]:
                    best2[k][a], back2[k][a] = score, b
    groups, a = [], m
    for k in range(n, 0, -1):
        b = back2[k][a]
        groups.append(list(range(b, a)))
        a = b
    groups.reverse()
    return groups


def _flow(words: list[list[Syllable]], capacities: list[int]) -> list[list[list[Syllable]]]:
    """Words poured into phrases in order, whole words only; the last phrase takes whatever is left."""
    groups: list[list[list[Syllable]]] = [[] for _ in capacities]
    i = 0
    for k, capacity in enumerate(capacities):
        used = 0
        while i < len(words):
            if k < len(capacities) - 1 and groups[k] and used + len(words[i]) > capacity:
                break
            groups[k].append(words[i])
            used += len(words[i])
            i += 1
    return groups


def underlay(melody: Melody, lines: list[str]) -> Underlay:
    """Lay lyric lines under the melody, one line per phrase, or word by word across phrases when lines don't fit.

    Short lines hold their last syllable over the phrase's remaining notes; long ones fold syllables onto
    shared notes, so no word is ever dropped. Phrases left without words stay instrumental.
    """
    found = phrases(melody)
    if not found:
        raise MusicError(f"That melody has no notes to put words under. Make one with {cmd('melody', notes='C E G')} "
                         "first.")
    per_line = [words for words in (line_words(line) for line in lines) if words]
    if not per_line:
        raise MusicError(f"I found no words to sing in those lyrics. Type words, e.g. {_EXAMPLE}.")
    total = sum(len(word) for words in per_line for word in words)
    limit = max(MAX_SYLLABLES, 4 * sum(p.syllables for p in found))
    if total > limit:
        raise MusicError(f"Those lyrics have {total} syllables, too many for this melody's notes (at most {limit}). "
                         "Send a verse or two, e.g. `Twinkle twinkle little star`.")
    sizes = [sum(len(word) for word in words) for words in per_line]
    fits = all(n <= 1.25 * p.syllables + 1 for n, p in zip(sizes, found, strict=False))
    if len(per_line) == len(found) or (len(per_line) < len(found) and fits):
        groups = per_line + [[] for _ in range(len(found) - len(per_line))]  # a line per phrase; the rest is tune
    else:
        groups = _flow([w for line in per_line for w in line], [p.syllables for p in found])
    score_text: list[str | None] = [None] * len(melody.notes)
    midi_text: list[str | None] = [None] * len(melody.notes)
    text_lines: list[str] = []
    stressed = on_strong = folded = melisma = 0
    for phrase, words in zip(found, groups, strict=True):
        if not words:
            continue
        syls = line_syllables(words)
        text_lines.append(_hyphenated(words))
        for k, group in enumerate(_align(syls, phrase.template)):
            note = phrase.notes[k]
            if not group:
                melisma += 1
                continue
            folded += len(group) - 1
            stressed += sum(syls[j].stressed for j in group)
            on_strong += syls[group[0]].stressed and phrase.template[k] == "S"
            sung = "".join(syls[j].text + (" " if syls[j].word_end and j != group[-1] else "") for j in group)
            last = syls[group[-1]]
            score_text[note] = sung.lstrip() + _suffix(syls, group[-1])  # a held glide may open the group
            line_end = group[-1] == len(syls) - 1
            midi_text[note] = sung + ("\n" if line_end else " " if last.word_end else "")
    rate = on_strong / stressed if stressed else 1.0
    return Underlay(tuple(score_text), tuple(midi_text), tuple(text_lines), rate, folded, melisma)


# ---- a rhythm for words -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Slot:
    syllable: Syllable
    head: bool  # the first stressed syllable of its phrase: wants a downbeat
    phrase_end: bool


def _slots(text: str) -> list[_Slot]:
    slots: list[_Slot] = []
    for chunk in _PHRASE_END.split(text or ""):
        syls = line_syllables(line_words(chunk))
        if not syls:
            continue
        head = next((i for i, s in enumerate(syls) if s.stressed), 0)
        slots += [_Slot(s, i == head, i == len(syls) - 1) for i, s in enumerate(syls)]
        if len(slots) > MAX_SYLLABLES:
            break
    return slots


def _level(pos: int, meter: Meter) -> int:
    """Metrical weight of a position in the bar: 3 downbeat, 2 other strong beat, 1 beat, 0 off the beat."""
    if pos == 0:
        return 3
    if pos in meter.strong_ticks:
        return 2
    return 1 if pos % meter.beat_ticks == 0 else 0


_STRESSED_COST = {3: 0.0, 2: 0.3, 1: 1.0, 0: 2.0}
_BUSY_STRESSED_COST = {3: 0.0, 2: 0.0, 1: 0.2, 0: 2.0}  # a syllable an eighth: a stress on any beat sings well
LAST_SHORT = 1.0  # the words' last syllable on a note shorter than two beats ("an-y-more" on beat 4)
SYNCOPATION = 0.5  # a syllable off the beat held across the next one: a choice a song makes, not the default
_UNSTRESSED_COST = {3: 1.0, 2: 0.6, 1: 0.1, 0: 0.0}


def split_rest(start: int, ticks: int, bar: int, beat: int = TPQ) -> list[int]:
    """A silence as rests that never cross a bar line, each a model duration, ending on beats where they can."""
    rests, now = [], start
    while ticks > 0:
        room = min(ticks, bar - now % bar)
        fits = [d for d in DURATIONS if d <= room]
        on_beat = [d for d in fits if (now + d) % bar % beat == 0 or d == ticks]
        piece = max(on_beat or fits)
        rests.append(piece)
        now += piece
        ticks -= piece
    return rests


def rhythm_for_words(text: str, meter: Meter, density: str = "natural") -> list[tuple[str | None, int]]:
    """Syllables with durations (ticks) so stressed syllables fall on strong beats; ``None`` is a rest.

    Line breaks and punctuation end a phrase with a longer note or a rest; each phrase's first stressed
    syllable is aimed at a downbeat (unstressed ones before it become a pickup); the last bar is complete.
    Syllable texts carry a trailing '-' when they join the next syllable (as the score wants them).
    ``density`` (/melody's option): natural sings a syllable a beat, as hymns and nursery songs do; busy a
    syllable an eighth in simple meters, stresses on the beats, as pop verses do; sparse holds stressed
    syllables for two beats.
    """
    slots = _slots(text)
    if not slots:
        raise MusicError(f"I found no words to sing there. Type some words, e.g. {_EXAMPLE}.")
    if len(slots) > MAX_SYLLABLES:
        raise MusicError(
            f"Those words have more than {MAX_SYLLABLES} syllables; I can set up to {MAX_SYLLABLES} "
            f"(about 20 lines). Send a verse or two, e.g. {_EXAMPLE}."
        )
    bar, beat, compound = meter.bar_ticks, meter.beat_ticks, meter.compound
    if bar % GRID:
        raise MusicError(f"I can't set words in {meter}. Try {opt('meter', '4/4')}, {opt('meter', '3/4')} or "
                         f"{opt('meter', '6/8')}.", "meter", "4/4")
    busy = density == "busy" and not compound
    held_base = min(meter.unit_ticks, TPQ)  # a line's last syllable lasts this at least, twice this with its rest
    base = GRID if busy else held_base  # the usual length of one syllable
    stress_cost = _BUSY_STRESSED_COST if busy else _STRESSED_COST
    positions = range(0, bar, GRID)
    levels = {p: _level(p, meter) for p in positions}
    notes = [d for d in DURATIONS if d % GRID == 0]
    inf = float("inf")
    cost = {p: 0.02 * p / GRID for p in positions}  # starting later means a pickup rest first
    steps: list[dict[int, tuple[int, int, int]]] = []  # per syllable: new position -> (old position, note, rest)
    for i, slot in enumerate(slots):
        last = i == len(slots) - 1
        new_cost: dict[int, float] = {}
        back: dict[int, tuple[int, int, int]] = {}
        for pos, so_far in cost.items():
            if so_far == inf:
                continue
            level = levels[pos]
            place = (stress_cost if slot.syllable.stressed else _UNSTRESSED_COST)[level]
            if slot.head and level != 3:
                place += 1.5
            for d in notes:
                if pos + d > bar:
                    continue
                if slot.phrase_end:
                    if d < held_base:
                        continue
                    rests = [(bar - (pos + d)) % bar] if last else list(range(0, bar + GRID, GRID))
                    for r in rests:
                        held = d + r >= 2 * held_base or pos + d == bar  # a line ends on a long note or a rest
                        c = so_far + place + (0.0 if held else 0.8) + 0.05 * r / GRID
                        c += LAST_SHORT * (last and d < 2 * held_base)  # the song's last note is held
                        c += 0.5 * (compound and d % beat != 0)
                        new = (pos + d + r) % bar
                        if c < new_cost.get(new, inf):
                            new_cost[new], back[new] = c, (pos, d, r)
                    continue
                c = so_far + place + _duration_cost(d, base, slot.syllable.stressed, compound, density == "sparse")
                c += SYNCOPATION * (pos % beat != 0 and pos % beat + d > beat)
                new = (pos + d) % bar
                if c < new_cost.get(new, inf):
                    new_cost[new], back[new] = c, (pos, d, 0)
        cost = new_cost
        steps.append(back)
    # walk back from the end of the last bar
    pos = 0
    chosen: list[tuple[int, int, int]] = []
    for back in reversed(steps):
        chosen.append(back[pos])
        pos = back[pos][0]
    chosen.reverse()
    events: list[tuple[str | None, int]] = [(None, r) for r in split_rest(0, chosen[0][0], bar, beat)]
    now = chosen[0][0]
    syls = [slot.syllable for slot in slots]
    for j, (_, d, r) in enumerate(chosen):
        events.append((syls[j].text + _suffix(syls, j), d))
        now += d
        events += [(None, piece) for piece in split_rest(now, r, bar, beat)]
        now += r
    return events


def _duration_cost(d: int, base: int, stressed: bool, compound: bool, sparse: bool = False) -> float:
    if compound and d % (3 * base) and d > 2 * base:
        return 1.5  # 6/8 holds notes for beats (dotted quarters), not half notes
    if sparse and stressed and d in (base, 2 * base):
        return 0.3 if d == base else 0.0  # stressed syllables held for two beats
    if d == base:
        return 0.0
    if d == 2 * base:  # a half note on an unstressed syllable ("in", "-ness") sounds held for no reason
        return 0.2 if compound or stressed else 0.9
    if d * 2 == base:
        return 0.6
    if d == 3 * base:
        return 0.5 if stressed else 0.8
    return 1.0


def words_pickup(rhythm: list[tuple[str | None, int]], bar_ticks: int) -> tuple[int, int]:
    """The rests the words' rhythm starts with when they put the first syllable inside the first bar (``A-`` of
    "A-maz-ing grace" on beat 4), and the pickup they leave: (how many rests, pickup ticks). They are shown as a
    pickup, not as rests; (0, 0) when there are none or they fill a bar."""
    lead = next((i for i, (syllable, _) in enumerate(rhythm) if syllable is not None), 0)
    rest = sum(ticks for _, ticks in rhythm[:lead])
    return (lead, bar_ticks - rest) if 0 < rest < bar_ticks else (0, 0)
