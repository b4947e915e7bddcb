"""A new melody for the user's words (`/melody lyrics:`), one note per syllable: the words give the rhythm
(``studio.lyrics.setting``), the model the pitches (``model.sample.RhythmGrammar``), over the user's chords when
given (``model.chord_grammar.ChordRhythm``)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from typing import TYPE_CHECKING

from data.events import Key, Melody, Note, control_tokens
from data.form import load_form, steps_home
from data.notation import ParsedSeed, format_notes, parse_seed
from data.prepare import HIGHEST, LOWEST
from model.chord_grammar import ChordRhythm
from model.sample import RhythmGrammar, end_degrees
from studio.analysis.key import infer_key
from studio.chord_melody import grammar_fields
from studio.lyrics.setting import rhythm_for_words, words_pickup
from studio.melody import SINGING_RANGE, MelodyResult, _fold
from studio.requests import MelodyRequest
from studio.restate import JOIN_TAKES, generate_takes, register_octaves
from studio.restate import clamp as _clamp

if TYPE_CHECKING:
    from studio.melody import Composer


async def set_words(composer: Composer, request: MelodyRequest, text: str) -> MelodyResult:
    """See ``Composer.set_words``; over ``request.chords`` the pitches lean on them (``ChordRhythm``) and the
    request's ``bars`` become the words' (the chords' symbols and sound follow the words' length)."""
    meter = request.parsed_meter
    composer.check_meter(meter)
    rhythm = rhythm_for_words(text, meter, request.density)
    typed = parse_seed(request.notes) if (request.notes or "").strip() else ParsedSeed((), ())
    given = [n.pitch for n in typed.notes if n.pitch is not None]
    request = request.with_seed()
    key = request.parsed_key
    inferred = key is None
    if key is None:
        loop = asyncio.get_running_loop()
        key = await loop.run_in_executor(None, infer_key, typed.notes, typed.do, typed.typed) if given else Key(0)
        request = replace(request, key=str(key))
    octaves = register_octaves(typed.notes, key)  # `C2 E2 G2 C3`: sung on in that register, not two octaves up
    shift = key.transpose_to_c + octaves
    sung = sum(syllable is not None for syllable, _ in rhythm)
    forced = [p for p in (_fold(p + shift) for p in given[:sung]) if p is not None]
    low = min([SINGING_RANGE[0] - octaves, *given])
    high = max([SINGING_RANGE[1] - octaves, *given])
    lead, pickup = words_pickup(rhythm, meter.bar_ticks)  # the rests before the first syllable become a pickup
    first = meter.bar_ticks if lead else 0  # where the first full bar starts on the grammar's clock
    bars = -(-(sum(ticks for _, ticks in rhythm) - first) // meter.bar_ticks)
    over = grammar_fields(request.chords, meter, bars, first, key, shift) if request.chords else {}

    def grammars() -> list[RhythmGrammar]:
        return [(ChordRhythm if over else RhythmGrammar)(
            composer.vocab, composer.vocab.encode(control_tokens(request.style, key.mode, meter)), meter.bar_ticks,
            end_degrees(frozenset((pc + shift) % 12 for pc in key.stable), (key.tonic + shift) % 12, request.ending),
            [(ticks, s is not None) for s, ticks in rhythm],
            forced, (max(low + shift, LOWEST), min(high + shift, HIGHEST)), **over,
        ) for _ in range(JOIN_TAKES)]

    takes = grammars()
    await generate_takes(composer, request, takes)  # one kept, drawn by how usual its step into the last note is
    if not any(steps_home(take.notes) for take in takes):  # none steps into it by a 2nd: three more
        more = grammars()
        await generate_takes(composer, request, more, stretch=1, admitted=True)
        takes += more
    weights = [load_form().end_weight(take.notes) for take in takes]
    grammar = random.Random(request.seed).choices(takes, weights)[0] if sum(weights) else takes[0]
    notes = tuple(Note(None if n.pitch is None else _clamp(n.pitch - shift), n.ticks) for n in grammar.notes[lead:])
    rhythm = rhythm[lead:]
    seed_len = heard = 0
    for note in notes:  # the seed part ends with the last seed pitch
        if heard == len(forced):
            break
        heard += note.pitch is not None
        seed_len += 1
    melody = Melody(notes, key, meter, request.tempo, seed_len, pickup)
    if request.chords:
        request = replace(request, bars=melody.bars)
    seed_text = format_notes(notes[:seed_len], meter.bar_ticks, start=melody.start, spelling=key).split()
    seed = ParsedSeed(notes[:seed_len], tuple(seed_text), pickup)
    return MelodyResult(request, melody, seed, inferred, tuple(s for s, _ in rhythm), text)
