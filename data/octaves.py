"""How letters typed without octaves get theirs: each the nearest pitch to the one before, or, for a phrase or a
tune that would drift, octaves chosen for the whole tune at once (``octaves_for``). ``python -m bench.letters``
measures the readings on held-out tunes."""

from __future__ import annotations

import math

# Letters typed without octaves: what a step of each size costs (-log of its share among the 63k note-to-note moves
# of the bench.analyze fitting tunes: a step down 1.6, a fourth up 3.2, a seventh down 8.5), and the register: the
# semitones either side of the tune's centre that cost nothing, and the cost of each semitone past them.
STEP_COST = {-11: 8.5, -10: 6.8, -9: 5.6, -8: 5.3, -7: 4.5, -6: 7.2, -5: 3.7, -4: 2.9, -3: 2.4, -2: 1.6, -1: 2.4,
             0: 2.3, 1: 2.4, 2: 1.8, 3: 2.9, 4: 3.1, 5: 3.2, 6: 6.9, 7: 4.3, 8: 5.1, 9: 4.9, 10: 5.7, 11: 8.1}
REGISTER_WINDOW, REGISTER_COST = 5, 0.3  # chosen on those tunes: window 5-9 and cost 0.3-1 tried
MIN_TURN = 3  # a step (a second or less) is always taken the near way: a scale typed as letters never breaks
BEAM = 8.0  # octave choices costing this much more than the best so far are dropped
DRIFT = 17  # letters whose nearest pitches span more (an octave and a fourth) get ``octaves_for``'s: short seeds,
# `G | C E G C`, read as they always have (and old Reproduce lines give the same melody)
TUNE = 12  # so do this many letters or more: a tune's phrase (Twinkle's `C C G G A A G:h F F E E D D C:h` rises a 5th)


def nearest_pitch(pitch: int, previous: int) -> int:
    """``pitch``'s letter in the octave nearest ``previous`` (a tritone goes down), as LilyPond's relative mode."""
    return previous + (pitch - previous + 6) % 12 - 6


def letter_octaves(nearest: list[int], pickup: int = 0) -> list[int]:
    """The octaves letters typed without any get, from each one's nearest pitch to the one before: those, or
    ``octaves_for``'s where they drift more than ``DRIFT`` or make a phrase (``TUNE`` letters or more). The first
    ``pickup`` letters (a pickup, typed before the first bar line) then lead into the first downbeat the near way,
    as the nearest reading has them: a jig's `D | G B d` rises a fourth into its first bar."""
    if len(nearest) < TUNE and max(nearest) - min(nearest) <= DRIFT:
        return nearest
    pitches = octaves_for(nearest)
    for i in range(min(pickup, len(pitches) - 1) - 1, -1, -1):
        pitches[i] = nearest_pitch(nearest[i], pitches[i + 1])
    return pitches


def octaves_for(pitches: list[int]) -> list[int]:
    """Octaves for letters typed without them: each note moves to the letter's pitch up or down from the one before,
    chosen for the whole tune at once (a Viterbi pass per centre near the first note) by how common such moves are and
    how far the tune strays from its centre. The nearest pitch alone let a long tune drift: Twinkle typed `C C G G A A
    G | F F E E D D C | G G F F E E D | ...` fell a fourth a phrase, from C6 to C3; now it reads as sung, C4 C4 G4
    G4 A4. A step (``MIN_TURN``) is always the near way, so a scale of any length stays one. ``python -m
    bench.letters``: the first 32 notes of 1,209 held-out corpus tunes typed as letters, every interval right 38.8% ->
    53.3% of tunes, the range more than 5 semitones wider than the tune's 37.8% -> 0.5%; as shipped (past ``DRIFT``
    or from ``TUNE`` letters on) the same, 53.3% and 0.6% (16 notes: 56.2% -> 66.3%; 8 notes, nearest mostly: 75.4% ->
    76.0%). 256 notes take 10 ms."""
    first = pitches[0]
    best: tuple[float, list[int]] = (math.inf, pitches)
    for centre in range(first - 12, first + 13, 2):
        costs, back = {first: _register(first, centre)}, []
        for pitch in pitches[1:]:
            step: dict[int, tuple[float, int]] = {}
            for q, cq in costs.items():
                for p in _ways(q, pitch):
                    c = cq + STEP_COST[p - q] + _register(p, centre)
                    if p not in step or c < step[p][0]:
                        step[p] = (c, q)
            floor = min(c for c, _ in step.values()) + BEAM
            costs = {p: c for p, (c, _) in step.items() if c <= floor}
            back.append({p: q for p, (_, q) in step.items()})
        end = min(costs, key=costs.__getitem__)
        if costs[end] < best[0]:
            path = [end]
            for links in reversed(back):
                path.append(links[path[-1]])
            best = (costs[end], path[::-1])
    return best[1]


def _ways(previous: int, pitch: int) -> tuple[int, ...]:
    """The pitches of ``pitch``'s letter a note after ``previous`` may take: up or down, or only the near way for a
    step or a repeat."""
    up = (pitch - previous) % 12
    if MIN_TURN <= up <= 12 - MIN_TURN:
        return previous + up, previous + up - 12
    return (nearest_pitch(pitch, previous),)


def _register(pitch: int, centre: int) -> float:
    return REGISTER_COST * max(0, abs(pitch - centre) - REGISTER_WINDOW)
