import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from data.engraving import musicxml_to_pngs
from data.errors import MusicError, render
from data.events import Key, Meter
from data.midi import midi_lyrics, midi_notes
from data.pronounce import stresses, syllable_count, words
from data.theory import melody_to_musicxml
from studio.cli.main import cli_syntax
from studio.melody import SINGING_RANGE
from studio.render import melody_files
from studio.requests import MelodyRequest

TWINKLE = "Twinkle twinkle little star, how I wonder what you are"


def stressed_flags(text: str) -> list[bool]:
    """Per syllable: stressed in the dictionary, or a one-syllable word ending a line (sung with weight)."""
    flags: list[bool] = []
    for line in text.split(","):
        found = words(line)
        for k, word in enumerate(found):
            marks = stresses(word)
            flags += [m == "1" or (k == len(found) - 1 and len(marks) == 1) for m in marks]
    return flags


@pytest.mark.parametrize("meter", ["4/4", "3/4", "6/8"])
async def test_one_note_per_syllable_with_stresses_on_strong_beats(composer, meter):
    request = MelodyRequest("C C G G", seed=7, key="C major", meter=meter)
    result = await composer.set_words(request, TWINKLE)
    melody = result.melody
    sounding = [i for i, n in enumerate(melody.notes) if n.pitch is not None]
    assert len(sounding) == sum(syllable_count(w) for w in words(TWINKLE)) == 14
    assert [i for i, s in enumerate(result.lyrics) if s] == sounding  # a syllable on every note, none on rests
    assert "".join(result.lyrics[i] for i in sounding).replace("-", "") == "".join(TWINKLE.replace(",", "").split())
    bar = melody.meter.bar_ticks
    assert melody.ticks % bar == 0
    onsets = melody.onsets()
    strong = Meter.parse(meter).strong_ticks
    hits = [onsets[i] % bar in strong for i, stressed in zip(sounding, stressed_flags(TWINKLE), strict=True)
            if stressed]
    assert sum(hits) / len(hits) >= 0.85
    assert [melody.notes[i].pitch for i in sounding[:4]] == [60, 60, 55, 55]  # the seed's pitches lead
    assert melody.notes[sounding[-1]].pitch % 12 in Key.parse("C major").stable
    low, high = min(SINGING_RANGE[0], 55), SINGING_RANGE[1]  # a singable range, widened to hold the seed's G3
    assert all(low <= melody.notes[i].pitch <= high for i in sounding)


async def test_words_sung_after_a_low_seed_stay_in_its_register(composer):
    """`C2 E2 G2 C3` with words went on at C4 (`C3:q | ➜ C4:q C4:q C4:h`): the singing range was the same for every
    seed. It now moves by the octaves that bring the seed to the model's register, as for /melody without words."""
    request = MelodyRequest("C2 E2 G2 C3", seed=3, key="C major")
    result = await composer.set_words(request, "Deep below the river runs, and the night is long")
    sung = [n.pitch for n in result.melody.notes if n.pitch is not None]
    assert sung[:4] == [36, 40, 43, 48]  # the seed as typed
    assert max(sung[4:]) <= 48 + 7 and min(sung[4:]) >= 36 - 5  # near it, not two octaves up


async def test_same_seed_same_song_and_the_words_travel_into_the_reply(composer):
    request = MelodyRequest("", seed=21, style="american")
    a = await composer.set_words(request, "Amazing grace, how sweet the sound")
    b = await composer.set_words(request, "Amazing grace, how sweet the sound")
    c = await composer.set_words(MelodyRequest("", seed=22, style="american"), "Amazing grace, how sweet the sound")
    assert a.melody == b.melody
    assert [n.ticks for n in a.melody.notes] == [n.ticks for n in c.melody.notes]  # the words fix the rhythm
    assert a.melody.notes != c.melody.notes  # the seed picks the pitches
    assert a.melody.key == Key.parse("C major") and a.key_inferred
    again = render(a.reproduce, cli_syntax("melody"))
    assert '--lyrics "Amazing grace, how sweet the sound"' in again
    assert again.startswith("`musicgenius melody --key") and "--bars" not in again  # no empty notes, no unused bars
    assert a.melody.seed_len == 0 and " ➜ " not in a.text


async def test_the_files_carry_the_words(composer):
    result = await composer.set_words(MelodyRequest("E G", seed=3, key="G major", tempo=120), TWINKLE)
    files = {f.filename: f.data for f in melody_files(result.melody, "w", "Twinkle", lyrics=list(result.lyrics))}
    events = midi_lyrics(files["w.mid"])
    assert "".join(text for _, text in events) == "Twinkle twinkle little star how I wonder what you are "
    assert [t for t, _ in events] == pytest.approx([start for _, start, _ in midi_notes(files["w.mid"])])
    root = ET.fromstring(files["w.musicxml"])
    sung = [(lyric.findtext("syllabic"), lyric.findtext("text")) for lyric in root.iter("lyric")]
    assert sung[:4] == [("begin", "Twin"), ("end", "kle"), ("begin", "twin"), ("end", "kle")]
    assert len(sung) == 14
    assert Image.open(io.BytesIO(files["w-score.png"])).format == "PNG"


async def test_the_score_shows_the_words_under_the_staff(composer):
    result = await composer.set_words(MelodyRequest("C", seed=5, key="C major"), TWINKLE)
    plain = Image.open(io.BytesIO(musicxml_to_pngs(melody_to_musicxml(result.melody))[0])).convert("L")
    sung = melody_to_musicxml(result.melody, lyrics=list(result.lyrics))
    with_words = Image.open(io.BytesIO(musicxml_to_pngs(sung)[0])).convert("L")
    ink = [image.histogram()[:128] for image in (plain, with_words)]  # dark pixels
    ink = [sum(counts) for counts in ink]
    assert ink[1] > ink[0] * 1.05  # the syllables add visible text


@pytest.mark.parametrize(("words_text", "options", "needle"), [
    ("😀🎵 !!", {}, "no words"),
    ("la " * 300, {}, "syllables"),
    (TWINKLE, {"meter": "11/8"}, "can't write in 11/8"),
    (TWINKLE, {"notes": "C H G"}, "`H`"),
])
async def test_bad_requests_get_friendly_errors(composer, words_text, options, needle):
    request = MelodyRequest(**{"notes": "C E G", "seed": 1, **options})
    with pytest.raises(MusicError, match=needle):
        await composer.set_words(request, words_text)


async def test_words_that_start_before_the_downbeat_start_with_a_pickup_not_rests(composer):
    """"A-maz-ing grace": "A-" comes before the first downbeat. The melody starts with it as a pickup (score, text
    and MIDI bar lines follow), not with three beats of rest, and a stored reply reads back with it."""
    from studio.melody import Composer

    words = "Amazing grace how sweet the sound that saved a wretch like me"
    result = await composer.set_words(MelodyRequest("", seed=5, key="C major", lyrics=words), words)
    melody = result.melody
    assert melody.notes[0].pitch is not None and result.lyrics[0] == "A-"
    assert melody.pickup == 12 and (melody.ticks - melody.pickup) % melody.meter.bar_ticks == 0
    assert not result.text.startswith("R") and result.text.split()[1] == "|"  # `G5:q | G5:q D5:q G5:h | …`
    again = Composer.restore(result.request.__dict__, result.text)
    assert again.melody.notes == melody.notes and again.melody.pickup == melody.pickup
    assert again.lyrics == result.lyrics


async def test_a_long_verse_set_to_music_reads_back_from_its_stored_text(composer):
    """Pick, More like and Again read a reply back from its stored text; a verse of more notes than a typed seed may
    hold (64) reads back too, with its pickup and syllables."""
    from studio.melody import Composer

    words = ("Amazing grace how sweet the sound that saved a wretch like me. I once was lost but now am found, was "
             "blind but now I see. Twas grace that taught my heart to fear, and grace my fears relieved. How precious "
             "did that grace appear the hour I first believed. Through many dangers, toils and snares I have "
             "already come.")
    result = await composer.set_words(MelodyRequest("", seed=5, key="C major", lyrics=words), words)
    assert len(result.melody.notes) > 64 and result.melody.pickup == 12
    again = Composer.restore(result.request.__dict__, result.text)
    assert again.melody == result.melody and again.lyrics == result.lyrics


@pytest.mark.parametrize("text", ["Walking home in the rain tonight", "The answer is blowing in the wind",
                                  "Hello darkness my old friend", "You are my sunshine, my only sunshine"])
def test_words_get_a_rhythm_a_singer_would_sing(text):
    """`Walk-ing home in the rain to-night` held "in" for a half note on beat 2, and a syllable could start off the
    beat and hold across the next one. In 4/4 a half note now goes to a stressed syllable or a line's last, and no
    syllable is syncopated: over 400 held-out lines, unstressed syllables held two beats 17.3% -> 0%, syncopated
    2.7% -> 0.3%, stressed syllables on strong beats 99.8% -> 98.6%."""
    from studio.lyrics.setting import _slots, rhythm_for_words

    meter = Meter.parse("4/4")
    slots = iter(_slots(text))
    now = 0
    for syllable, ticks in rhythm_for_words(text, meter):
        if syllable is not None:
            slot = next(slots)
            if ticks >= 2 * meter.beat_ticks:
                assert slot.syllable.stressed or slot.phrase_end, (text, syllable)
            assert now % meter.beat_ticks == 0 or now % meter.beat_ticks + ticks <= meter.beat_ticks, (text, syllable)
        now += ticks


async def test_sung_words_step_into_their_last_note_as_tunes_do(composer):
    """Words set to music ended by a 4th or more (`E4:h E4:q E4:q | C5:w`) in a quarter of the melodies; the
    corpus's tunes do so in 5%. Three takes are written together and one is drawn by how usual its step into the
    last note is, as the ending of a continuation is: over 100 melodies, 4th/5th 25% -> 11%, by step 32% -> 45%."""
    from data.form import last_step

    lines = ["You are my sunshine, my only sunshine", "Walking home in the rain tonight, thinking of you",
             "The river runs down to the sea", "I will wait for you at the station tonight"]
    wide = 0
    for seed in range(24):
        request = MelodyRequest(None, seed=seed, key=("C major", "A minor", "G major")[seed % 3])
        result = await composer.set_words(request, lines[seed % len(lines)])
        wide += (last_step(result.melody.notes) or 0) >= 5
    assert wide <= 3, wide
