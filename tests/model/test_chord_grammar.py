"""ChordGrammar: a melody over given chords leans toward the tones of the chord sounding, ends on one, and travels
to a worker and back."""

import json

import torch

from data.events import Meter
from model.chord_grammar import ChordGrammar, ChordInfill
from model.vocab import Vocab
from model.wire import decode_grammar, encode_grammar

VOCAB = Vocab.for_melodies()
METER = Meter(4, 4)
BAR = METER.bar_ticks
C, F, G = frozenset({0, 4, 7}), frozenset({5, 9, 0}), frozenset({7, 11, 2})
SCALE = frozenset({0, 2, 4, 5, 7, 9, 11})


def grammar(chords: tuple, bars: int = 4, **extra) -> ChordGrammar:
    return ChordGrammar(VOCAB, [1], 0, BAR, bars * BAR, C, 0.0, METER, 0, "closed", chords=chords, scale=SCALE,
                        strong_ticks=METER.strong_ticks, **extra)


def pitch_lean(g: ChordGrammar | ChordInfill) -> dict[int, float]:
    """The lean on each pitch class (the same for every octave) where the grammar is now."""
    bias = g.bias()
    assert bias is not None
    return {p % 12: float(bias[i]) for i, p in VOCAB.pitches.items()}


def test_strong_beats_lean_hardest_toward_the_chord_and_notes_outside_the_key_are_held_back():
    g = grammar(((0, BAR, F), (BAR, 4 * BAR, C)))
    lean = pitch_lean(g)  # the downbeat of an F bar
    assert lean[5] == lean[9] == lean[0] == 3.0 and lean[2] == 0.0 and lean[6] == -2.5  # F#: outside key and chord
    g.accept(VOCAB.stoi["p65"])
    g.accept(VOCAB.stoi["d6"])  # an eighth: the next note starts off the beat
    assert pitch_lean(g)[9] == 1.0


def test_a_progression_that_ends_away_from_the_tonic_ends_on_a_tone_of_its_last_chord():
    ends_on_g = grammar(((0, 2 * BAR, C), (2 * BAR, 4 * BAR, G)))
    assert ends_on_g._ends == frozenset({7})  # G's tones that the key holds stable: its root, the 5th
    ends_on_c = grammar(((0, 2 * BAR, G), (2 * BAR, 4 * BAR, C)))
    assert ends_on_c._ends == frozenset({0})  # the tonic, as /melody ends
    assert grammar(((0, 4 * BAR, F),))._ends == frozenset({0})  # F holds C: the tonic still


def test_it_goes_to_a_worker_and_back_with_its_chords():
    g = grammar(((0, BAR, F), (BAR, 4 * BAR, C)))
    back = decode_grammar(json.loads(json.dumps(encode_grammar(g))), VOCAB)
    assert isinstance(back, ChordGrammar) and back.chords == g.chords and back.scale == SCALE
    assert torch.equal(back.bias(), g.bias())


def test_bars_filled_in_over_chords_lean_the_same_way():
    g = ChordInfill(VOCAB, [1], BAR, 3 * BAR, BAR, chords=((BAR, 2 * BAR, G), (2 * BAR, 3 * BAR, C)), scale=SCALE,
                    strong_ticks=METER.strong_ticks)
    lean = pitch_lean(g)  # the downbeat of the G bar
    assert lean[7] == lean[11] == lean[2] == 3.0 and lean[0] == 0.0 and lean[1] == -2.5
