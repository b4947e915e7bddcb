"""`/melody chords:` — a melody written over the user's chords."""

import io
from dataclasses import replace

import pretty_midi
import pytest

from data.errors import MusicError, render
from data.events import Key, Melody, Meter, Note
from data.midi import melody_with_chords_to_midi
from data.notation import stored_notes
from studio.arrange.chord_symbols import transposed
from studio.chord_melody import bar_symbols, chord_spans, key_against, key_of_chords
from studio.cli.main import cli_syntax
from studio.melody import Composer
from studio.render import melody_files
from studio.requests import MelodyRequest
from studio.transform import chords_note, restore_transform, transform_request
from studio.transform_targets import Targets


@pytest.mark.parametrize(("chords", "key"), [
    ("Am F C G", "A minor"), ("C G Am F", "C major"), ("Dm7 G7 Cmaj7", "C major"), ("| E | A B7 | E |", "E major"),
    ("Em C G D", "E minor"), ("F Bb C7 F", "F major"), ("C E7 Am A7 Dm Fm C", "C major"),
])
def test_the_key_comes_from_the_chords(chords, key):
    assert str(key_of_chords(chords)) == key
    assert MelodyRequest("", chords=chords).key == key  # unless one is typed
    assert MelodyRequest("", chords=chords, key="C major").key == "C major"


@pytest.mark.parametrize(("chords", "key", "outside"), [
    ("C G Am F", "C minor", "(E, A): they sit in C major"), ("D A Bm G", "C major", "(C#, F#): they sit in D major"),
    ("C G Am F", "A minor", ""), ("Am E7 Am", "A minor", ""), ("C E7 Am A7 Dm", "C major", ""),
    ("G F C G", "G major", ""), ("Dm G", "D dorian", ""),
])
def test_a_key_typed_against_the_chords_is_said(chords, key, outside):
    """`key:"C minor"` over `C G Am F` sang Eb over C's E and nothing said why: the key keeps the melody, and the
    reply names the chords' notes outside it. Borrowed chords (E7 and A7 in C, rock's F in G) and the relative minor
    say nothing."""
    said = render(key_against(chords, Key.parse(key)), cli_syntax("melody"))
    assert (outside in said and f"outside {key}" in said and "leave out `--key`" in said) if outside else said == ""


def chord_tone_shares(result) -> tuple[float, float]:
    """(share of strong-beat notes that are tones of their chord, of all notes)."""
    m, r = result.melody, result.request
    spans = chord_spans(r.chords, m.meter, r.bars)
    strong, every = [], []
    for onset, note in zip(m.onsets(), m.notes, strict=True):
        span = next((s for s in spans if s.start <= onset - m.pickup < s.start + s.ticks), None)  # from bar 1
        if note.pitch is None or span is None:
            continue
        hit = note.pitch % 12 in span.pitch_classes
        every.append(hit)
        if (m.start + onset) % m.meter.bar_ticks in m.meter.strong_ticks:
            strong.append(hit)
    return sum(strong) / len(strong), sum(every) / len(every)


async def test_a_melody_from_the_chords_alone_sits_on_them(composer):
    """Over `Am F C G` with no notes: 8 bars in A minor, chord tones on the strong beats, the last note a tone of the
    last chord (G: a loop's open end), in a singable register; bars come back only over the same chords."""
    strong, every = [], []
    for seed in range(4):
        result = await composer.melody(MelodyRequest("", chords="Am F C G", seed=seed, count=1))
        m = result.melody
        assert str(m.key) == "A minor" and m.bars == 8 and m.seed_len == 0
        assert m.notes[-1].pitch % 12 in {7, 11, 2}  # G B D
        pitches = sorted(n.pitch for n in m.notes if n.pitch is not None)
        assert 60 <= pitches[len(pitches) // 2] <= 76
        s, e = chord_tone_shares(result)
        strong.append(s)
        every.append(e)
        assert result.chord_line == "| Am | F | C | G | Am | F | C | G |"
        assert '--chords "Am F C G"' in render(result.reproduce, cli_syntax("melody"))
    assert sum(strong) / 4 >= 0.85 and sum(every) / 4 >= 0.6, (strong, every)


async def test_typed_notes_open_it_and_longer_progressions_lengthen_it(composer):
    result = await composer.melody(MelodyRequest("E D C", chords="C G Am F C G F C C G Am F G G C C", seed=2))
    assert result.text.startswith("E D C ➜") and result.melody.bars == 16  # the chords' 16 bars, not 8
    assert result.melody.notes[-1].pitch % 12 == 0  # C: the progression ends home
    assert bar_symbols(result.request.chords, result.melody.meter, 16)[12] == ("G",)


async def test_the_files_play_and_show_the_chords(composer, tmp_path):
    result = await composer.melody(MelodyRequest("", chords="| C | F G | C |", seed=5, count=1))
    files = {a.filename: a.data for a in melody_files(result.melody, "m", chords=result.backing)}
    midi = pretty_midi.PrettyMIDI(io.BytesIO(files["m.mid"]))
    melody, chords = midi.instruments
    assert chords.name == "Chords" and len(chords.notes) >= 4 * 3  # C, F, G, C (and the repeat), each a triad
    assert {n.pitch % 12 for n in chords.notes if n.start < 0.01} == {0, 4, 7}
    low = min(n.pitch for n in melody.notes)  # voiced below the melody, down to G3 at most (lower is mud)
    assert max(n.pitch for n in chords.notes) <= max(55, low - 1)
    assert b"<harmony" in files["m.musicxml"]  # chord symbols above the staff


async def test_more_like_this_keeps_the_first_half_of_a_melody_written_from_the_chords(composer):
    """A stored candidate written from the chords alone has no seed: restored, all of it is the continuation, so
    More like keeps its first half (it kept nothing and wrote a new melody)."""
    result = await composer.melody(MelodyRequest("", chords="Am F C G", seed=3, count=1))
    params = {**result.request.__dict__}
    restored = Composer.restore(params, result.text)
    assert restored.melody.notes == result.melody.notes and restored.melody.seed_len == 0
    again = Composer.variation_request(restored)
    assert again.chords == "Am F C G" and again.notes and result.text.startswith(again.notes.split(" |")[0])


def test_an_unreadable_progression_is_explained():
    with pytest.raises(MusicError, match="I can't read the chord `H7`"):
        MelodyRequest("", chords="C H7 F")
    assert Key.parse(MelodyRequest("", chords="Am F C G x2").key).mode == "minor"


@pytest.mark.parametrize("full_first_bar", [True, False])
def test_the_chords_start_with_the_first_full_bar_after_a_pickup(full_first_bar):
    """The audio preview drops the rest before a pickup (``full_first_bar=False``): the chords move with it (they
    came a quarter late, under the pickup's silence)."""
    melody = Melody((Note(67, 12), Note(72, 48)), Key(0), Meter(4, 4), 120, 0, 12)
    data = melody_with_chords_to_midi(melody, [(12, 48, (48, 52, 55))], full_first_bar=full_first_bar)
    tune, chords = pretty_midi.PrettyMIDI(io.BytesIO(data)).instruments
    assert chords.notes[0].start == pytest.approx(tune.notes[1].start) and tune.notes[0].start < tune.notes[1].start


async def test_rewritten_bars_of_a_melody_over_chords_keep_to_them(composer):
    """Rewrite bars… on a melody written over chords: the new middle bars (filled in, not written to an end) lean
    on the chords too."""
    first = await composer.melody(MelodyRequest("", chords="Am F C G", seed=4, count=1))
    hits = total = 0
    for seed in range(3):
        again = await composer.candidates(MelodyRequest(first.text, chords="Am F C G", rewrite="2-3", seed=seed,
                                                        count=1, key="A minor"))
        m = again[0].melody
        under = [{9, 0, 4}, {5, 9, 0}, {0, 4, 7}, {7, 11, 2}]
        for onset, note in zip(m.onsets(), m.notes, strict=True):
            bar = (onset - m.start) // m.meter.bar_ticks
            if note.pitch is not None and bar in (1, 2) and onset % m.meter.bar_ticks in m.meter.strong_ticks:
                hits += note.pitch % 12 in under[bar % 4]
                total += 1
    assert hits >= 0.8 * total, (hits, total)


@pytest.mark.parametrize(("typed", "shift", "key", "moved"), [
    ("Am F C G", 5, "D minor", "Dm Bb F C"),
    ("| C | F G7 / / | % | Bb/D x2 |", 2, "D major", "| D | G A7 / / | % | C/E x2 |"),
    ("C/G, Dm7b5, Gsus4", 1, "Db major", "Db/Ab, Ebm7b5, Absus4"),
    ("Cmaj7 A#maj7 F#m7b5 D#/G", 0, "C major", "Cmaj7 Bbmaj7 F#m7b5 Eb/G"),  # a file's chords, named in sharps
    ("Am Dm E7 G#dim", 0, "A minor", "Am Dm E7 G#dim"),
])
def test_typed_chords_transpose_as_typed_spelled_in_their_key(typed, shift, key, moved):
    assert transposed(typed, shift, Key.parse(key)) == moved


def test_a_transposed_melody_takes_its_chords_along():
    """`/transform` of a melody over chords: a new key moves them (and its reproduce command gives the typed ones),
    a new register keeps them, a new mode moves them tone by tone as it moves the melody, a new rhythm leaves them
    behind and says so; chords longer than the melody are refused."""
    melody = Melody(stored_notes("A4:h C5:h | F4:w | E4:h G4:h | G4:w"), Key.parse("A minor"), Meter.parse("4/4"), 100)
    request = transform_request(melody, Targets(transpose="D"), "Am F C G")
    assert request.key == "D minor" and request.chords == "Dm Bb F C"
    result = restore_transform(request, "D5:h F5:h | Bb4:w | A4:h C5:h | C5:w")
    assert [symbol for _, _, symbol, _ in result.backing] == ["Dm", "Bb", "F", "C"]
    reproduce = render(result.reproduce, cli_syntax("transform"))
    assert '--chords "Am F C G"' in reproduce and "--transpose D" in reproduce
    assert transform_request(melody, Targets(register="up"), "Am F C G").chords == "Am F C G"
    assert transform_request(melody, Targets(mode="dorian"), "Am F C G").chords == "Am F#dim C G"  # F# as the tune's
    assert transform_request(melody, Targets(mode="major", transpose="G"), "| Am | F |").chords == "| G | Em |"
    left = transform_request(melody, Targets(rhythm="jig"), "Am F C G")
    assert left.chords is None
    assert chords_note("Am F C G", left).startswith("Your chords stay behind: they don't fit the new rhythm.")
    with pytest.raises(MusicError, match="Your chords fill 8 bars and your melody 4"):
        transform_request(melody, Targets(transpose="D"), "Am F C G x2")


async def test_words_set_over_chords_sit_on_them(composer):
    """`/melody lyrics: chords:`: a note a syllable, the pitches on the chords' tones far more often than the same
    words set without them, the last note a tone of the chord under it; the chords (symbols and sound) last as long
    as the words, the progression repeated or cut."""
    words = "I walked along the river in the rain, and thought of you again"
    over, plain = [], []
    for seed in range(4):
        result = await composer.melody(MelodyRequest("", lyrics=words, chords="Am F C G", seed=seed, count=1))
        m = result.melody
        assert str(m.key) == "A minor" and result.request.bars == m.bars == 5 and m.pickup
        assert [s for s in result.lyrics if s is not None][:3] == ["I", "walked", "a-"]
        backing = result.backing
        assert [symbol for _, _, symbol, _ in backing] == ["Am", "F", "C", "G", "Am"]
        assert backing[-1][0] + backing[-1][1] == m.ticks  # from the first note to the end of the last bar
        last = backing[-1][3]
        assert m.notes[-1].pitch % 12 in {p % 12 for p in last}
        over.append(chord_tone_shares(result)[0])
        without = await composer.melody(MelodyRequest("", lyrics=words, key="A minor", seed=seed, count=1))
        plain.append(chord_tone_shares(replace(without, request=replace(without.request, chords="Am F C G",
                                                                          bars=5)))[0])
    assert sum(over) / 4 >= 0.8 and sum(over) > sum(plain) + 0.4, (over, plain)
    short = await composer.melody(MelodyRequest("", lyrics="Hello there my friend", chords="C G Am F C", seed=1))
    assert [symbol for _, _, symbol, _ in short.backing] == ["C", "G", "Am", "F", "C"][:short.melody.bars]


@pytest.mark.parametrize(("notes", "chords", "read"), [
    ("Am F C G", None, (None, "Am F C G")),
    ("| C | F Dm7 |", None, (None, "| C | F Dm7 |")),
    ("C F G7 C", None, (None, "C F G7 C")),  # G7 beside octave-less notes: I IV V7 I, not G three octaves up
    ("C Am7 Dm7 G9", None, (None, "C Am7 Dm7 G9")),
    ("C4 F4 G7 C5", None, ("C4 F4 G7 C5", None)),  # every note has its octave: a tune
    ("C E G C5", None, ("C E G C5", None)),  # 5 is an octave here (C5 as a power chord is rarer than as a note)
    ("C F G7:q", None, ("C F G7:q", None)),  # a length: notes
    ("C G F C", None, ("C G F C", None)),  # notes too: a tune
    ("1 2 3 5", None, ("1 2 3 5", None)),  # jianpu
    ("Am Fx", None, ("Am Fx", None)),  # neither: the notes' own error says what to type
    ("C9 D9", None, ("C9 D9", None)),  # notes off the piano (their error says so), not ninth chords
    ("E D C", "Am F", ("E D C", "Am F")),
])
def test_chord_symbols_typed_as_notes_are_the_chords(notes, chords, read):
    from studio.chord_melody import chords_in_notes

    assert chords_in_notes(notes, chords)[:2] == read
    assert chords_in_notes(notes, chords, midi=b"MThd")[:2] == (notes, chords)  # with a file, the file is the music


def test_extended_chords_are_read_and_shown():
    """The chords songwriters type beyond triads and sevenths: maj9, m9, 6/9 (a slash that is not a bass), 11, 13,
    7b9, 7#9 — their tones, and a score that names them."""
    from data.theory import melody_to_musicxml_with_chords
    from studio.arrange.chord_symbols import parse_chord_symbol

    tones = {"Cmaj9": {0, 4, 7, 11, 2}, "Am9": {9, 0, 4, 7, 11}, "F6/9": {5, 9, 0, 2, 7}, "G13": {7, 11, 2, 5, 9, 4},
             "G7b9": {7, 11, 2, 5, 8}, "E7#9": {4, 8, 11, 2, 7}, "D11": {2, 9, 0, 4, 7}, "C6/9/E": {0, 4, 7, 9, 2}}
    for symbol, pcs in tones.items():
        assert parse_chord_symbol(symbol).pitch_classes == pcs, symbol
    assert parse_chord_symbol("C6/9/E").bass == 4 and parse_chord_symbol("F6/9").bass is None
    melody = Melody(stored_notes("C5:w | E5:w"), Key(0), Meter.parse("4/4"), 100)
    xml = melody_to_musicxml_with_chords(melody, [(0, "F6/9"), (48, "G7b9")])
    assert b'text="6/9">major-sixth' in xml and b'text="7b9">dominant' in xml


@pytest.mark.parametrize(("typed", "read"), [
    ("C - F - G", ["C", "F", "G"]), ("C-F-G-C", ["C", "F", "G", "C"]), ("Am–F–C–G", ["Am", "F", "C", "G"]),
    ("| C-7 F7 | Bb-G |", ["Cm7 F7", "Bb G"]),  # a hyphen in a chord (C-7, jazz's Cm7) stays in it
])
def test_chords_typed_with_dashes_between_them(typed, read):
    from studio.arrange.chord_symbols import parse_progression

    assert [" ".join(c.text for c in bar) for bar in parse_progression(typed)] == read
    assert transposed(typed, 2, Key.parse("D major"))  # moves with a melody too


def test_no_chord_says_what_to_type_instead():
    from studio.arrange.chord_symbols import parse_progression

    with pytest.raises(MusicError, match=r"`N\.C\.` \(no chord\).*`%`"):
        parse_progression("C N.C. F G")
