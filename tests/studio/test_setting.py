import time

import pytest

from data.errors import MusicError
from data.events import DURATIONS, Melody, Meter, Note
from data.notation import parse_seed
from data.pronounce import stresses, syllable_count, words
from studio.lyrics.setting import MAX_SYLLABLES, phrases, rhythm_for_words, underlay

TWINKLE = "Twinkle twinkle little star,\nhow I wonder what you are"
LONG_LINE = "the river runs to the sea tonight forever"
COUNTING = "one two three four five six seven eight nine ten"


def melody(text: str, meter: str = "4/4") -> Melody:
    return Melody(parse_seed(text, max_notes=1000).notes, meter=Meter.parse(meter))


def melody_for(events: list[tuple[str | None, int]], meter: Meter) -> Melody:
    return Melody(tuple(Note(None if s is None else 60, t) for s, t in events), meter=meter)


def sung_stresses(text: str) -> list[bool]:
    """Per syllable, stressed or not, as a listener would check (a line's last one-syllable word is stressed)."""
    marks: list[bool] = []
    for line in text.replace(",", "\n").splitlines():
        found = words(line)
        for k, word in enumerate(found):
            stress = stresses(word)
            if k == len(found) - 1 and len(stress) == 1:
                stress = "1"
            marks += [m == "1" for m in stress]
    return marks


def test_phrases_split_at_rests_and_mark_strong_beats():
    m = melody("C4:q D E F | G:h r:h | E:e F G A G:q F | E:w")
    found = phrases(m)
    assert [p.syllables for p in found] == [5, 7]
    sounding = [i for i, n in enumerate(m.notes) if n.pitch is not None]
    assert sorted(i for p in found for i in p.notes) == sounding  # every sounding note in exactly one phrase
    assert found[0].template == "SwSwS"  # C(beat 1) D E(beat 3) F G(beat 1)
    assert found[1].template == "SwwwSwS"  # eighths E F G A, then G(beat 3) F, E(beat 1)


def test_phrases_of_a_long_run_of_eighths_are_a_few_bars_long():
    m = melody(" | ".join(["C4:e D E F G A B C5"] * 8))
    found = phrases(m)
    assert len(found) >= 4
    assert all(p.syllables <= 16 for p in found)


def test_a_pickup_after_a_held_note_starts_the_next_line():
    """Happy Birthday: `B:h G:e. G:s | A` sang "hap-py" at the end of the first line, so the lines were 8 and 4
    syllables; the two notes after the held B lead into the next bar, and each line is "hap-py birth-day to you"."""
    tune = Melody(parse_seed("G4:e. G4:s | A4:q G4:q C5:q | B4:h G4:e. G4:s | A4:q G4:q D5:q | C5:h.",
                             meter=Meter(3, 4)).notes, meter=Meter(3, 4), pickup=12)
    found = phrases(tune)
    assert [p.syllables for p in found] == [6, 6]
    assert [p.template for p in found] == ["wwSwwS", "wwSwwS"]


def test_underlay_puts_one_syllable_under_each_note_with_hyphens():
    m = melody("C4:q C G G | A A G:h | F:q F E E | D D C:h")
    lay = underlay(m, TWINKLE.splitlines())
    assert lay.syllables == ("Twin-", "kle", "twin-", "kle", "lit-", "tle", "star",
                             "how", "I", "won-", "der", "what", "you", "are")
    assert lay.lines == ("Twin-kle twin-kle lit-tle star", "how I won-der what you are")
    assert "".join(t for t in lay.midi_text if t) == "Twinkle twinkle little star\nhow I wonder what you are\n"
    assert lay.stress_rate == 1.0 and lay.folded == 0 and lay.melisma == 0


def test_a_glide_is_held_from_its_word_not_printed_as_a_syllable():
    m = melody("C4:q D E F | G:h E:h | C:w")
    lay = underlay(m, ["our fire burns through the hour"])
    assert lay.lines == ("our fire burns through the hour",)
    assert lay.syllables[:4] == ("our", "", "fire", "")  # 'fire' is sung on two notes, not as 'fi-re'
    assert "".join(t for t in lay.midi_text if t) == "our fire burns through the hour\n"
    events = rhythm_for_words("the fire", Meter(4, 4))
    assert [s for s, _ in events if s is not None] == ["the", "fire", ""]


def test_a_short_line_holds_its_last_syllable_and_a_long_line_folds_without_losing_words():
    m = melody("C4:q D E F | G:h r:h | E:q F G A | G:w")
    lay = underlay(m, ["sing the moon", LONG_LINE])
    first = lay.syllables[:5]
    assert first[:2] == ("sing", "the") and first.count(None) == 2  # a melisma on 'moon'
    sung = "".join(t for t in lay.midi_text if t)
    assert sung == f"sing the moon\n{LONG_LINE}\n"  # every word, in order, none dropped
    assert lay.folded > 0
    last_phrase = [s for s in lay.syllables[6:] if s]
    assert len(last_phrase) == 5  # five notes, every one sung


def test_when_line_and_phrase_counts_differ_the_words_flow_across_phrases():
    m = melody("C4:q D E F | G:h r:h | E:q F G A | G:w")
    lay = underlay(m, [COUNTING])
    assert len(lay.lines) == 2
    assert " ".join(lay.lines).replace("-", "") == COUNTING


def test_underlay_errors_are_friendly():
    with pytest.raises(MusicError, match="no words"):
        underlay(melody("C D E"), ["😀 🎵", ""])
    with pytest.raises(MusicError, match="no notes"):
        underlay(Melody((Note(None, 48),)), ["hello"])


@pytest.mark.parametrize("meter", ["4/4", "3/4", "6/8", "2/4"])
def test_words_get_a_rhythm_with_stresses_on_strong_beats_and_full_bars(meter):
    m = Meter.parse(meter)
    events = rhythm_for_words(TWINKLE, m)
    sung = [(s, t) for s, t in events if s is not None]
    assert len(sung) == sum(syllable_count(w) for w in words(TWINKLE))
    now, onsets = 0, []
    for s, ticks in events:
        assert ticks in DURATIONS
        assert now // m.bar_ticks == (now + ticks - 1) // m.bar_ticks  # nothing crosses a bar line
        if s is not None:
            onsets.append(now % m.bar_ticks)
        now += ticks
    assert now % m.bar_ticks == 0
    strong = m.strong_ticks
    marks = sung_stresses(TWINKLE)
    on_strong = [onset in strong for onset, stressed in zip(onsets, marks, strict=True) if stressed]
    assert sum(on_strong) / len(on_strong) >= 0.85
    assert "".join(s for s, _ in sung).replace("-", "").lower() == "".join(words(TWINKLE))


def test_busy_words_sing_a_syllable_an_eighth_with_the_stresses_on_beats():
    """density busy (/melody lyrics: density:busy): a pop verse's pace, not a hymn's; the line still ends long and
    the bars stay whole. 6/8 already sings a syllable an eighth."""
    text = "I walked along the river in the rain, and thought of you again"
    natural, busy = rhythm_for_words(text, Meter(4, 4)), rhythm_for_words(text, Meter(4, 4), "busy")
    assert [s for s, _ in natural if s] == [s for s, _ in busy if s]  # the same syllables
    sung = [t for s, t in busy if s]
    assert sum(t == 6 for t in sung) >= 0.7 * len(sung) and sum(t == 12 for s, t in natural if s) > 10
    now = 0
    marks = iter(sung_stresses(text))
    for s, ticks in busy:
        if s is not None and next(marks):
            assert now % 12 == 0, s  # every stressed syllable on a beat
        now += ticks
    assert now % 48 == 0 and busy[-1][1] >= 24  # "gain" held
    assert rhythm_for_words(TWINKLE, Meter(6, 8), "busy") == rhythm_for_words(TWINKLE, Meter(6, 8))


def test_a_line_ends_with_a_long_note_or_a_rest():
    m = Meter(4, 4)
    events = rhythm_for_words("the moon is high. the night is long", m)
    end = next(i for i, (s, _) in enumerate(events) if s == "high")
    held = events[end][1] + sum(t for s, t in events[end + 1:end + 3] if s is None)
    assert held >= 24
    assert sum(t for _, t in events) % 48 == 0


def test_rhythm_round_trips_through_underlay():
    m = Meter(3, 4)
    events = rhythm_for_words(TWINKLE, m)
    lay = underlay(melody_for(events, m), TWINKLE.splitlines())
    assert lay.syllables == tuple(s for s, _ in events)
    assert lay.stress_rate >= 0.85


def test_bad_words_give_friendly_errors():
    with pytest.raises(MusicError, match="lyrics=Twinkle"):
        rhythm_for_words("😀🎵 … !!", Meter(4, 4))
    with pytest.raises(MusicError, match=f"{MAX_SYLLABLES} syllables"):
        rhythm_for_words("la " * (MAX_SYLLABLES + 1), Meter(4, 4))


def test_numbers_are_sung_as_words():
    """A digit has no syllables until it is said: "2" was dropped from "I love 2 dance"."""
    sung = [s.rstrip("-") for s, _ in rhythm_for_words("I love 2 dance, 99 red balloons in 1999", Meter(4, 4)) if s]
    assert sung == ["I", "love", "two", "dance", "nine", "ty", "nine", "red", "bal", "loons", "in", "nine", "teen",
                    "nine", "ty", "nine"]


def test_a_two_thousand_character_theme_is_refused_quickly_or_set_quickly():
    theme = ("Sing of the moon 🌙 and the quiet sea, the сердце 心 of it all. " * 40)[:2000]
    started = time.perf_counter()
    with pytest.raises(MusicError):
        rhythm_for_words(theme, Meter(6, 8))
    events = rhythm_for_words(theme[:400], Meter(6, 8))
    assert len(events) > 50
    assert time.perf_counter() - started < 2.0


def test_fewer_lines_than_phrases_go_one_per_phrase_and_the_rest_stays_instrumental():
    m = melody("C4:q D E F | G:h r:h | E:q F G A | G:w | r:w | C:q D E F | G:w")
    assert len(phrases(m)) == 3
    lay = underlay(m, ["sing it now", "sing it again"])
    assert lay.lines == ("sing it now", "sing it a-gain")
    assert lay.syllables[-5:] == (None,) * 5  # the third phrase has no words
    assert lay.syllables[6:11] == ("sing", "it", None, "a-", "gain")  # 'it' held so 'gain' falls on beat 1


def test_a_blocked_word_is_sung_and_printed_as_la(monkeypatch):
    from data import blocklist
    from studio.lyrics import setting

    stand_in = {blocklist.digest("zorblagg")}  # a made-up word stands in for a slur
    monkeypatch.setattr(setting, "is_blocked", lambda word: blocklist.is_blocked(word, stand_in))
    events = rhythm_for_words("you Zorblagg, sing", Meter(4, 4))
    assert [s for s, _ in events if s] == ["you", "la", "sing"]
    lay = underlay(melody("C4:q D E F | G:w"), ["the zorblagg sings"])
    assert "zorblagg" not in " ".join(lay.lines).lower() and "la" in lay.lines[0].split()
