"""Melody continuation: typed seed -> model prompt -> engine -> Melody in the requested key."""

from __future__ import annotations

import asyncio
import atexit
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from data.abc_write import melody_abc
from data.bar_lines import read_bars
from data.errors import MusicError, cmd, opt
from data.events import Key, Melody, Meter, Note, control_tokens, encode_notes
from data.form import first_tick, restated_seed
from data.jianpu import melody_jianpu
from data.notation import (
    MAX_SEED_NOTES,
    ParsedSeed,
    barred_seed,
    continue_text,
    format_notes,
    join_stored,
    parse_seed,
    solfege_text,
    split_stored,
    stored_notes,
)
from data.prepare import HIGHEST, LOWEST
from model.chord_grammar import ChordGrammar
from model.config import MELODY_CHECKPOINT
from model.engine import Engine, EngineBusy
from model.lstm import load_checkpoint
from model.sample import MelodyGrammar
from model.vocab import Vocab
from studio.analysis.key import infer_key
from studio.chord_melody import Backing, backing, chord_line, grammar_fields, sung_register
from studio.lyrics.carry import carried_words
from studio.lyrics.setting import rhythm_for_words, words_pickup
from studio.mood import articulated, density_take, mood_take
from studio.options import SEED_MAX
from studio.originality import COPY_NOTES, Shared, longest_shared, phrase_index
from studio.requests import MelodyRequest
from studio.restate import JOIN_TAKES, continue_seed

if TYPE_CHECKING:
    from model.queue import RemoteEngine

DEFAULT_CHECKPOINT = MELODY_CHECKPOINT
DENSITY_LEAN = {"sparse": -1.2, "natural": 0.0, "busy": 1.0}  # model.sample.MelodyGrammar's ``density``:
# about 3, 4.5 and 7 notes a bar in 4/4 (2.5, 3.1 and 5 in 3/4), measured over 36 seeds each
SINGING_RANGE = (57, 79)  # A3..G5: where words set to music are sung (a seed may reach beyond)
RETAKES, RETAKE_STRIDE = 3, 1_000_003  # a take that copies a corpus tune is written again with seed + k * stride


@dataclass(frozen=True)
class MelodyResult:
    """A finished melody: the request (with its concrete seed and key), the notes, the typed seed."""

    request: MelodyRequest
    melody: Melody
    seed: ParsedSeed
    key_inferred: bool
    lyrics: tuple[str | None, ...] | None = None  # per note: a syllable ('-' joins the next) or None
    words: str | None = None  # the words that were set, when the melody was made for them
    tries: str = ""  # what this candidate tries that the others don't ("tries D dorian"), see studio.taste.explore
    shared: Shared | None = None  # the longest passage it shares with a corpus tune (see Composer.checked)
    first_take: Shared | None = None  # what the first take copied, when it was written again (see Composer.melody)
    heading: ClassVar[str] = "Melody continuation"  # a reply's title for one candidate
    layout: ClassVar[str] = "seed ➜ continuation"  # how its note text reads (studio.rewrite marks bars instead)

    def __post_init__(self) -> None:
        """A melody written for a mood plays with its articulation, however it was made (taken, restored, rewritten)."""
        object.__setattr__(self, "melody", articulated(self.melody, self.request.mood))

    @property
    def originality(self) -> str:
        """One line: the longest passage it shares with a corpus tune, and whether a copying take was re-written."""
        if self.shared is None:
            return ""
        if self.first_take is None:
            return self.shared.line
        if self.shared.copied:
            return f"{self.shared.line} (each of {RETAKES + 1} takes copied {COPY_NOTES}+ notes: this is the first)"
        return (f"{self.shared.line} · re-written: the first take copied {self.first_take.notes} notes of "
                f"{self.first_take.named}")

    def keeping(self, before: Melody, lyrics: Sequence[str | None] | None) -> MelodyResult:
        """This melody, made from ``before``, singing the words of ``before`` (a syllable per note) on the bars that
        kept their rhythm (``studio.lyrics.carry``); stored with it, as its request asks for no words."""
        sung = carried_words(before, lyrics, self.melody)
        return replace(self, lyrics=sung, request=replace(self.request, sung=sung))

    @property
    def backing(self) -> Backing | None:
        """The chords it was written over, as its files play and show them (None: no chords were given)."""
        return backing(self.request.chords, self.request.bars, self.melody) if self.request.chords else None

    @property
    def continuation(self) -> tuple[Note, ...]:
        return self.melody.notes[self.melody.seed_len :]

    @property
    def continuation_text(self) -> str:
        """The continuation with its bar lines, which fall after the seed's pickup; after a seed typed with bar lines,
        one first where the seed's last bar is full (``G | C E G C ➜ | D5:h …``)."""
        seed_ticks = sum(n.ticks for n in self.seed.notes)
        bar_ticks, key = self.melody.meter.bar_ticks, self.melody.key
        if self.seed.barred:
            return continue_text(self.seed, self.continuation, bar_ticks, spelling=key)
        return format_notes(self.continuation, bar_ticks, start=self.melody.start + seed_ticks, spelling=key)

    @property
    def text(self) -> str:
        """Seed exactly as typed, then the continuation: ``C E G ➜ A4:e B4:e C5:q | ...``."""
        if not self.seed.typed:
            return self.continuation_text
        return join_stored(self.seed.text, self.continuation_text)

    @property
    def notation(self) -> str:
        """How replies write the notes: the request's ``notation``, else as the seed was typed (letters, jianpu or
        solfège)."""
        return self.request.notation or self.seed.written_in or "letters"

    @property
    def sampled(self) -> bool:
        """Whether the model wrote it, so its temperature, top_p and RNG seed matter (a transform without a style:
        not)."""
        return True

    @property
    def shown(self) -> str:
        """The note text a reply shows: ``text`` (stored as it is, in fixed-do solfège when asked for or typed so),
        or in jianpu after its key line (``1=D 1 2 3 5 ➜ 6 5_ 3_ 2 | …``, ``data.jianpu``), or as an ABC tune
        (``data.abc``); a reply that marks bars (``layout``) keeps ``text``."""
        if self.notation == "jianpu" and self.layout == MelodyResult.layout:
            return melody_jianpu(self.melody)
        if self.notation == "abc" and self.layout == MelodyResult.layout:
            return melody_abc(self.melody, lyrics=self.lyrics)
        shown = self.text
        if not self.continuation and self.seed.typed and self.layout == MelodyResult.layout:
            shown = self.seed.text  # words that fit the typed notes exactly: nothing follows, so no arrow
        return solfege_text(shown) if self.notation == "solfege" else shown

    @property
    def reproduce(self) -> str:
        """The command that writes this result again (a ``data.errors.cmd`` mark: each front end renders it)."""
        r = self.request
        words = {"lyrics": self.words} if self.words else {}
        density = {} if r.density == "natural" else {"density": r.density}
        ending = {} if r.ending == "closed" else {"ending": r.ending}
        mood = {} if r.mood is None else {"mood": r.mood}
        chords = {} if r.chords is None else {"chords": r.chords}
        # words decide the length (``set_words``), and set without notes they have none
        return cmd("melody", notes=r.notes or None, **chords, bars=None if self.words else r.bars, key=r.key,
                   meter=r.meter, tempo=r.tempo, style=r.style, **density, **ending, **mood,
                   temperature=r.temperature, top_p=r.top_p, seed=r.seed, count=1, **words, notation=r.notation)

    @property
    def from_chords(self) -> bool:
        """Written from the chords alone: no seed to show before an arrow (not a rewrite, which marks its bars)."""
        return bool(self.request.chords) and not self.seed.typed and self.layout == MelodyResult.layout

    @property
    def chord_line(self) -> str:
        """`| Am | F | C | G |`, bar by bar, when it was written over chords (else "")."""
        return chord_line(self.request.chords, self.melody.meter, self.request.bars) if self.request.chords else ""


def _fold(pitch: int | None) -> int | None:
    """Move a pitch by octaves into the model's range (the seed itself is kept as typed)."""
    if pitch is None:
        return None
    while pitch < LOWEST:
        pitch += 12
    while pitch > HIGHEST:
        pitch -= 12
    return pitch


class Composer:
    """The melody service shared by the Discord bot and the CLI."""

    def __init__(self, engine: Engine | RemoteEngine, vocab: Vocab, info: dict | None = None) -> None:
        self.engine = engine
        self.vocab = vocab
        self.info = info or {}
        self.avoid_copies = True  # write a take that copies a corpus tune again (see ``melody``)
        self._indexing: threading.Thread | None = None  # building the corpus index (``load``)

    @classmethod
    def load(
        cls, checkpoint: Path = DEFAULT_CHECKPOINT, device: str = "cpu", max_batch: int = 64, max_queue: int = 256,
        queue: str | None = None, queue_prefix: str | None = None,
    ) -> Composer:
        """Load the checkpoint and start its engine thread (and build the corpus index for the originality check in
        the background: ~2 s, done before the first melody needs it). With a ``queue`` (redis://host:port/db) the
        melodies are written by ``model.worker`` processes instead (``model.queue.RemoteEngine``; this process keeps
        a CPU copy of the model for look-ahead scoring); raises EngineStopped when Redis can't be reached."""
        indexing = threading.Thread(target=phrase_index, name="corpus-index", daemon=True)
        indexing.start()
        atexit.register(indexing.join)  # a process that exits without ``close`` (a failed load) waits too
        if queue:
            from model.queue import DEFAULT_PREFIX, RemoteEngine  # imported here: only the queued set-up needs redis

            model, vocab, info = load_checkpoint(checkpoint, "cpu", kind="melody")
            remote = RemoteEngine(queue, vocab, model, prefix=queue_prefix or DEFAULT_PREFIX, max_queue=max_queue)
            composer = cls(remote.start(), vocab, info)
        else:
            model, vocab, info = load_checkpoint(checkpoint, device, kind="melody")
            composer = cls(Engine(model, device, max_batch, max_queue).start(), vocab, info)
        composer._indexing = indexing
        return composer

    def close(self) -> None:
        """Stop the engine, and wait for the corpus index still being built (a process that exits while it is
        half-built can abort: "terminate called without an active exception")."""
        self.engine.stop()
        if self._indexing is not None:
            self._indexing.join()

    def check_not_busy(self) -> None:
        """EngineBusy or EngineStopped (messages for the user) when a new request would be refused; call it before
        deferring."""
        self.engine.check_accepting()

    @property
    def meters(self) -> tuple[str, ...]:
        """The meters the model has learned ('4/4', '6/8', ...)."""
        return tuple(t.split(":", 1)[1] for t in self.vocab.itos if t.startswith("meter:"))

    def check_meter(self, meter: Meter) -> None:
        """MusicError unless the model can write in ``meter``."""
        if str(meter) not in self.meters:
            raise MusicError(f"I can't write in {meter} yet. Try one of: {', '.join(self.meters)} — e.g. "
                             f"{opt('meter', '6/8')}.", "meter", "6/8")

    def validate(self, request: MelodyRequest) -> ParsedSeed:
        """Every check that needs no model (fast: call it before deferring); raises MusicError."""
        if request.lyrics is not None:
            return self._validate_words(request)
        if request.chords and not request.notes.strip():  # the chords alone: the model writes from the first bar
            self.check_meter(request.parsed_meter)
            return ParsedSeed((), ())
        seed = parse_seed(request.notes)
        if all(n.pitch is None for n in seed.notes):
            raise MusicError(f"Your seed has only rests. Add at least one note, e.g. {opt('notes', 'C E G')}.", "notes")
        meter = request.parsed_meter
        self.check_meter(meter)
        seed = read_bars(seed, meter)  # typed bar lines: a short first bar is a pickup
        after_pickup = seed.ticks - seed.pickup  # ``bars`` counts the full bars after a pickup
        if after_pickup >= request.bars * meter.bar_ticks:
            need = -(-after_pickup // meter.bar_ticks) + 4
            raise MusicError(
                f"Your seed already fills {after_pickup / meter.bar_ticks:.3g} bars of {meter}, so there's nothing "
                f"left to continue with {opt('bars', request.bars)}. Ask for more bars, e.g. {opt('bars', need)}.",
                "bars", need)
        return seed

    def _validate_words(self, request: MelodyRequest) -> ParsedSeed:
        """Checks for words set to music: a meter the model knows, words it can scan, an optional seed."""
        meter = request.parsed_meter
        self.check_meter(meter)
        rhythm_for_words(request.lyrics or "", meter)
        return parse_seed(request.notes) if request.notes.strip() else ParsedSeed((), ())

    def grammar(self, request: MelodyRequest, seed: ParsedSeed, key: Key, octaves: int = 0) -> MelodyGrammar:
        """The decoding state for a validated request in ``key``, in the model's C-based space, the seed moved by
        ``octaves`` semitones (``studio.restate.register_octaves``)."""
        meter = request.parsed_meter
        shift = key.transpose_to_c
        model_notes = [Note(None if n.pitch is None else _fold(n.pitch + shift + octaves), n.ticks)
                       for n in seed.notes]
        start = (meter.bar_ticks - seed.pickup) % meter.bar_ticks  # the first note's place in its bar (a pickup's)
        prompt = self.vocab.encode(  # bar tokens after the pickup, as the corpus tunes were encoded (data.prepare)
            control_tokens(request.style, key.mode, meter) + encode_notes(model_notes, meter.bar_ticks, start=start)
        )
        stable = frozenset((pc + shift) % 12 for pc in key.stable)
        target = start + seed.pickup + request.bars * meter.bar_ticks  # ``bars`` full bars after the pickup
        args = (self.vocab, prompt, start + seed.ticks, meter.bar_ticks, target, stable, DENSITY_LEAN[request.density],
                meter, (key.tonic + shift) % 12, request.ending)
        if request.chords:
            return ChordGrammar(*args, pickup=seed.pickup, **grammar_fields(request.chords, meter, request.bars,
                                                                            start + seed.pickup, key, shift))
        return MelodyGrammar(*args, pickup=seed.pickup)

    async def candidates(self, request: MelodyRequest) -> list[MelodyResult]:
        """``request.count`` continuations, RNG seeds ``seed, seed+1, …``, generated concurrently (or, for a request
        that rewrites or adds bars, ``studio.rewrite``'s candidates)."""
        request = request.with_seed()
        assert request.seed is not None
        if request.transform is not None:
            from studio.transform import transform_candidates  # imported here: studio.transform builds on this module

            return list(await transform_candidates(self, request))
        if request.rewrite is not None:
            from studio.rewrite import rewrite_candidates  # imported here: studio.rewrite builds on this module

            return list(await rewrite_candidates(self, request))
        return await self.write([replace(request, seed=(request.seed + i) % SEED_MAX) for i in range(request.count)])

    async def write(self, requests: Sequence[MelodyRequest]) -> list[MelodyResult]:
        """One melody per request, generated concurrently (the engine batches them). Should one fail, the others
        still finish before its error is raised: nothing is left running behind the caller's back."""
        results = await asyncio.gather(*[self.melody(r) for r in requests], return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return list(results)

    async def seed_key(self, request: MelodyRequest) -> Key:
        """The request's key, or the one its seed suggests (guessed off the event loop); MusicError if invalid."""
        key = request.parsed_key
        if key is not None:
            return key
        seed = self.validate(request)
        if not seed.notes:
            return Key(0)
        return await asyncio.get_running_loop().run_in_executor(None, infer_key, seed.notes, seed.do, seed.typed)

    @staticmethod
    def restore(params: dict, text: str) -> MelodyResult:
        """A stored result back from its request parameters and note text (no model needed), with the words it
        was written for or kept."""
        request = MelodyRequest(**params)
        result = Composer._restored(request, text)
        if request.sung is not None and len(request.sung) == len(result.melody.notes):
            return replace(result, lyrics=request.sung)
        return result

    @staticmethod
    def _restored(request: MelodyRequest, text: str) -> MelodyResult:
        if request.transform is not None:
            from studio.transform import restore_transform

            return restore_transform(request, text)
        if request.rewrite is not None:
            from studio.rewrite import restore_rewrite

            return restore_rewrite(request, text)
        seed_text, continuation = split_stored(text)
        if continuation is None and (request.lyrics is not None or not request.notes):  # words or chords alone: all new
            seed_text = ""
        seed = _stored_seed(seed_text, request.parsed_meter if request.lyrics is None else None)
        everything = stored_notes(text)
        key = request.parsed_key
        assert key is not None
        meter = request.parsed_meter
        if request.lyrics is None:
            melody = Melody(everything, key, meter, request.tempo, len(seed.notes), seed.pickup)
            return MelodyResult(request, melody, seed, key_inferred=False)
        rhythm = rhythm_for_words(request.lyrics, meter, request.density)
        lead, pickup = words_pickup(rhythm, meter.bar_ticks)
        if everything and everything[0].pitch is None:  # stored before the leading rests became a pickup
            pickup = 0
        melody = Melody(everything, key, meter, request.tempo, len(seed.notes), pickup)
        lyrics = tuple(s for s, _ in rhythm[lead:])
        return MelodyResult(request, melody, seed, False, lyrics if len(lyrics) == len(everything) else None,
                            request.lyrics)

    @staticmethod
    def variation_request(result: MelodyResult) -> MelodyRequest:
        """ "More like this": keep the seed and the first half of the chosen continuation, a little cooler (for a
        rewrite: the first half of the bars it wrote, see ``studio.rewrite.variation_request``)."""
        if result.request.transform is not None:  # variations of it in its style (studio.transform)
            from studio.transform import variation_request as variations

            return variations(result)
        if result.request.rewrite is not None:
            from studio.rewrite import variation_request

            return variation_request(result)
        melody, r = result.melody, result.request
        keep = result.continuation[: min(len(result.continuation) // 2, MAX_SEED_NOTES - len(result.seed.notes))]
        seed, typed = result.seed, r.notes or ""
        barred = barred_seed(seed, melody.meter) if typed.split() == list(seed.typed) else None
        if barred is not None:  # `do mi sol la | sol Mi4:q …`, not one long unbarred run
            seed, typed = barred, barred.text
        kept = continue_text(seed, keep, melody.meter.bar_ticks, spelling=melody.key)  # its bars
        return replace(
            r, notes=f"{typed} {kept}".strip(), seed=None, temperature=max(0.1, round(r.temperature * 0.85, 2))
        )

    async def set_words(self, request: MelodyRequest, text: str) -> MelodyResult:
        """A new melody for the user's words: one note per syllable, stressed syllables on strong beats.

        The rhythm comes from the words (``studio.lyrics.setting.rhythm_for_words``); the model chooses the pitches,
        starting with the pitches of ``request.notes`` when given (their rhythm is replaced by the words').
        ``request.bars`` is ignored: the words decide the length. The result carries ``lyrics`` per note.
        """
        from studio.words_melody import set_words  # it builds MelodyResults: imported when first used

        return await set_words(self, request, text)

    async def melody(self, request: MelodyRequest) -> MelodyResult:
        """Continue the request's seed (or set its words); raises MusicError (for the user) or EngineBusy.

        A take that shares ``COPY_NOTES`` notes or more with a corpus tune (its seed aside) is written again with the
        RNG seed ``seed + k * RETAKE_STRIDE`` (k = 1 … ``RETAKES``); the result's ``request.seed`` is the seed of the
        notes it shows, so its reproduce command gives them again. When every take copies, or the composer is too
        busy to write another, the first is kept."""
        request = request.with_seed()
        assert request.seed is not None
        first = result = await self.checked(await self._take(request))
        for k in range(1, RETAKES + 1 if self.avoid_copies else 1):
            if result.shared is None or not result.shared.copied:
                break
            try:
                result = await self.checked(await self._take(replace(request, seed=(request.seed + k * RETAKE_STRIDE)
                                                                     % SEED_MAX)))
            except EngineBusy:
                result = first
                break
        if result is first or result.shared is None or first.shared is None:
            return result
        return replace(first if result.shared.copied else result, first_take=first.shared)

    async def checked(self, result: MelodyResult) -> MelodyResult:
        """``result`` with the longest passage its notes after the seed share with a corpus tune (in a thread: the
        corpus index loads there the first time)."""
        melody = result.melody
        bar = melody.meter.bar_ticks
        own = restated_seed(melody.notes, melody.seed_len, first_tick(melody.pickup, bar), bar)
        shared = await asyncio.get_running_loop().run_in_executor(None, partial(
            longest_shared, melody.notes, melody.seed_len, own=own))
        return replace(result, shared=shared)

    async def _take(self, request: MelodyRequest) -> MelodyResult:
        """One take of ``melody``, unchecked (for a mood or a density other than natural: the best fitting of a
        few, see ``studio.mood``)."""
        if request.mood is not None:  # the mood's fit includes its density; restated bars would flatten its contour
            return await mood_take(partial(self._write, join_takes=1, restate=False), request.with_seed())
        if request.density != "natural" and request.lyrics is None:  # best of takes: one take of each stretch
            return await density_take(partial(self._write, join_takes=1), request.with_seed())
        return await self._write(request)

    async def _write(self, request: MelodyRequest, join_takes: int = JOIN_TAKES, restate: bool = True) -> MelodyResult:
        """One melody for the request as it stands: its words set to music, or the model's continuation (see
        ``studio.restate.continue_seed`` for ``join_takes`` and ``restate``)."""
        if request.lyrics is not None:
            return await self.set_words(request, request.lyrics)
        seed = self.validate(request)
        request = request.with_seed()
        key = request.parsed_key
        inferred = key is None
        if key is None:
            key = await asyncio.get_running_loop().run_in_executor(None, infer_key, seed.notes, seed.do, seed.typed)
            request = replace(request, key=str(key))
        continuation = await continue_seed(self, request, seed, key, join_takes, restate)
        if request.chords and not seed.notes:
            continuation = sung_register(continuation)
        melody = Melody(seed.notes + tuple(continuation), key, request.parsed_meter, request.tempo, len(seed.notes),
                        seed.pickup)
        return MelodyResult(request, melody, seed, inferred)


def _stored_seed(text: str, meter: Meter | None) -> ParsedSeed:
    """A stored seed with its pickup (from its typed bar lines, in ``meter``); bars that no longer pass the check
    (stored before bar lines counted) read as they did then, from a downbeat."""
    if not text.strip():
        return ParsedSeed((), ())
    try:
        return parse_seed(text, meter=meter)
    except MusicError:
        return parse_seed(text)
