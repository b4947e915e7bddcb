import io
import shlex
import threading

import pretty_midi
import pytest

from data.audio import TARGET_LUFS, audio_loudness, audio_stats
from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi, midi_lyrics
from data.notation import parse_seed
from data.pronounce import rhymes, syllable_count, words
from studio.cli.main import main
from studio.inputs import melody_from_midi
from studio.lyrics.lyricist import Lyricist


def test_cli_writes_every_file_and_says_where(tmp_path, capsys):
    assert main(["melody", "C E G", "--seed", "4", "--bars", "4", "--tempo", "120", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    names = ["melody-4.txt", "melody-4-pianoroll.png", "melody-4-score.png", "melody-4.mid", "melody-4.ogg",
             "melody-4.musicxml"]
    for name in names:
        assert (tmp_path / name).exists()
        assert str(tmp_path / name) in out
    assert "C E G ➜" in (tmp_path / "melody-4.txt").read_text()
    midi = pretty_midi.PrettyMIDI(str(tmp_path / "melody-4.mid"))
    assert [n.pitch for n in midi.instruments[0].notes[:3]] == [60, 64, 67]
    seconds, peak = audio_stats((tmp_path / "melody-4.ogg").read_bytes())
    assert 8.0 <= seconds <= 10.5  # 4 bars of 4/4 at 120 bpm, plus the release tail
    assert audio_loudness((tmp_path / "melody-4.ogg").read_bytes()) == pytest.approx(TARGET_LUFS, abs=1.0)
    assert peak < 0.0


def test_cli_candidates_and_a_midi_file_as_seed(tmp_path, capsys):
    song = tmp_path / "song.mid"
    song.write_bytes(melody_to_midi(Melody((Note(62, 12), Note(66, 12), Note(69, 24)), Key(2), Meter(3, 4), 90)))
    assert main(["melody", "--midi", str(song), "--count", "2", "--seed", "8", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "Candidate 2" in out and "Meter: 3/4" in out and "Tempo: 90 bpm" in out
    assert (tmp_path / "o" / "melody-8-1.mid").exists() and (tmp_path / "o" / "melody-8-2.mid").exists()
    assert "D4:q F#4:q A4:h | ➜" in (tmp_path / "o" / "melody-8-2.txt").read_text()


def test_cli_says_which_track_of_a_band_it_took(tmp_path, capsys):
    """Piano chords, then the flute's tune, then a bass: the flute is the melody, and the user hears so."""
    band = pretty_midi.PrettyMIDI(initial_tempo=100)
    parts = [pretty_midi.Instrument(0, name="Piano"), pretty_midi.Instrument(73, name="Flute"),
             pretty_midi.Instrument(33, name="Bass")]
    for i, pitch in enumerate([72, 74, 76, 77, 79, 77, 76, 74]):
        parts[1].notes.append(pretty_midi.Note(90, pitch, i * 0.6, i * 0.6 + 0.55))
    for bar in range(2):
        parts[0].notes += [pretty_midi.Note(60, p, bar * 2.4, bar * 2.4 + 2.4) for p in (60, 64, 67)]
        parts[2].notes.append(pretty_midi.Note(80, 36, bar * 2.4, bar * 2.4 + 2.4))
    band.instruments += parts
    band.write(str(song := tmp_path / "band.mid"))
    assert main(["melody", "--midi", str(song), "--count", "1", "--seed", "3", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert f"I used track 2 of {song}, Flute (Flute, 8 notes), as the melody" in out and "--track 1" in out
    assert "C5:q D5:q E5:q F5:q | G5:q F5:q E5:q D5:q | ➜" in (tmp_path / "o" / "melody-3.txt").read_text()
    assert main(["chords", "--midi", str(song), "--track", "3", "--out", str(tmp_path / "c")]) == 0
    assert f"I used track 3 of {song}, Bass (Electric Bass (finger), 2 notes)." in capsys.readouterr().out
    assert main(["analyze", "--midi", str(song), "--out", str(tmp_path / "a")]) == 0
    assert "to take another, set e.g. `--track 1`." in capsys.readouterr().out  # every command, in its syntax
    picked = melody_from_midi(song.read_bytes(), name="`band.mid` on the message you picked", choose=False)
    assert picked.used == ("I used track 2 of `band.mid` on the message you picked, Flute (Flute, 8 notes), as the "
                           "melody (the highest of its 3 tracks).")  # the Apps menu takes no track: no hint


def test_cli_shows_candidates_that_came_out_the_same_once(tmp_path, capsys):
    assert main(["melody", "C E G", "--bars", "1", "--count", "3", "--seed", "5", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert ("All 3 candidates came out the same, so I show one. Your notes leave 1 beat to write: for more, ask for "
            "`--bars 4`.") in out
    assert out.count("C E G ➜ C5:q |") == 1 and sorted(p.name for p in tmp_path.glob("*.mid")) == ["melody-5.mid"]


def test_cli_bad_input_is_a_clear_error(tmp_path, capsys):
    assert main(["melody", "C E Q", "--out", str(tmp_path)]) == 2
    assert "`Q`" in capsys.readouterr().err
    assert main(["melody", "--midi", str(tmp_path / "missing.mid"), "--out", str(tmp_path)]) == 2
    assert "missing.mid" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_a_missing_or_mistyped_command_lists_the_commands(tmp_path, capsys):
    assert main([]) == 2 and "Give a command: melody, chords" in capsys.readouterr().err
    assert main(["melodie", "C E G"]) == 2
    assert "There is no command `melodie`: did you mean `melody`?" in capsys.readouterr().err
    assert main(["Melody", "C E G", "--seed", "4", "--bars", "2", "--out", str(tmp_path)]) == 0  # capitalised
    assert (tmp_path / "melody-4.mid").exists()


def test_a_bad_seed_leaves_nothing_running_when_the_command_returns(tmp_path, capsys):
    """The corpus index is built in a thread while the model loads; a process that exited with it half-built could
    abort ("terminate called without an active exception", exit 134) after printing the error."""
    before = set(threading.enumerate())  # other tests' composers may be running
    assert main(["melody", "H A G", "--out", str(tmp_path)]) == 2
    assert "`H`" in capsys.readouterr().err
    assert not [t.name for t in set(threading.enumerate()) - before if t.name in ("corpus-index", "melody-engine")]


# ---- words, chords, arrangements and lyric ideas ----------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n"
MARY = "E D C D E E E:h D:q D D:h E:q G G:h"


@pytest.fixture
def shared_lyricist(monkeypatch, lyricist):
    """The CLI's Lyricist.load() gives the session's lyric model (loaded once for the whole run)."""
    monkeypatch.setattr(Lyricist, "load", lambda *args, **kwargs: lyricist)
    return lyricist


@pytest.fixture
def no_lyricist(monkeypatch):
    """Bad input must be refused before the lyric model loads."""

    def refuse(*args, **kwargs):
        raise AssertionError("the lyric model was loaded for bad input")

    monkeypatch.setattr(Lyricist, "load", refuse)


def sung_words(midi: bytes) -> list[str]:
    return "".join(text for _, text in midi_lyrics(midi)).lower().split()


def test_options_the_cli_leaves_aside_are_said(tmp_path, capsys):
    """Notes beside --midi, --bars with --lyrics, --count without --style: used or not, the user hears which."""
    song = tmp_path / "song.mid"
    song.write_bytes(melody_to_midi(Melody((Note(62, 12), Note(66, 12), Note(69, 24)), Key(2), Meter(3, 4), 90)))
    assert main(["melody", "C E G", "--midi", str(song), "--count", "1", "--out", str(tmp_path / "a")]) == 0
    assert "the file wins, so I left the notes aside" in capsys.readouterr().out
    assert main(["melody", "--lyrics", "Happy birthday to you", "--bars", "16", "--out", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "so I left --bars aside" in out and "Bars: 2" in out
    assert main(["transform", "C D E F G", "--mode", "minor", "--count", "3", "--out", str(tmp_path / "c")]) == 0
    assert "so I left --count aside" in capsys.readouterr().out
    assert main(["transform", "C D E F G", "--mode", "minor", "--out", str(tmp_path / "d")]) == 0
    assert "aside" not in capsys.readouterr().out


def test_melody_for_words_one_note_per_syllable_with_the_words_in_the_files(tmp_path, capsys):
    text = "Twinkle twinkle little star, how I wonder what you are"
    assert main(["melody", "--lyrics", text, "--key", "G major", "--seed", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Words: Twin-kle twin-kle lit-tle star how I won-der what you are" in out
    assert "Key: G major\n" in out
    midi = (tmp_path / "melody-3.mid").read_bytes()
    sung = pretty_midi.PrettyMIDI(io.BytesIO(midi)).instruments[0].notes
    assert len(sung) == sum(syllable_count(w) for w in words(text)) == 14
    assert sung_words(midi) == [w.strip(",") for w in text.lower().split()]
    assert [round(t, 3) for t, _ in midi_lyrics(midi)] == [round(n.start, 3) for n in sung]
    assert b"<lyric" in (tmp_path / "melody-3.musicxml").read_bytes()
    assert (tmp_path / "melody-3-score.png").read_bytes().startswith(PNG)
    assert "Words: Twin-kle" in (tmp_path / "melody-3.txt").read_text()


def test_melody_words_need_letters_and_not_a_midi_file(tmp_path, capsys):
    assert main(["melody", "--lyrics", "🎵 !!", "--out", str(tmp_path)]) == 2
    assert "no words to sing" in capsys.readouterr().err
    song = tmp_path / "song.mid"  # a tune: words with it are refused (a file of chords would take them)
    song.write_bytes(melody_to_midi(Melody(parse_seed("C D E F G A B C5").notes, Key(0), Meter(4, 4), 100)))
    assert main(["melody", "--lyrics", "la la", "--midi", str(song), "--out", str(tmp_path)]) == 2
    assert "not both" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [song]


def test_chords_print_symbols_per_bar_and_numerals_and_write_the_files(tmp_path, capsys):
    args = ["chords", MARY, "--key", "C major", "--rhythm", "bar", "--style", "pop", "--tempo", "100"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Chords in C major · 4/4 · 100 bpm · up to one chord per bar · pop style" in out
    symbols = next(line for line in out.splitlines() if line.startswith("Chords:")).split(":", 1)[1].strip()
    cells = symbols.strip("| ").split(" | ")
    assert len(cells) == 4 and cells[0] == "C" and cells[-1] == "C"  # one chord per bar, home at the end
    assert all(cell in ("C", "F", "G", "Am") for cell in cells)  # pop: I IV V vi
    numerals = next(line for line in out.splitlines()
                    if line.startswith("Roman numerals:")).split(":", 1)[1].replace("|", " ").split()
    assert len(numerals) == 4 and numerals[0] == numerals[-1] == "I"
    names = ["chords-pop.txt", "chords-pop-score.png", "chords-pop.mid", "chords-pop.ogg", "chords-pop.musicxml"]
    for name in names:
        assert str(tmp_path / name) in out
    assert (tmp_path / "chords-pop-score.png").read_bytes().startswith(PNG)
    midi = pretty_midi.PrettyMIDI(str(tmp_path / "chords-pop.mid"))
    melody, chords = midi.instruments
    assert [n.pitch for n in melody.notes[:4]] == [64, 62, 60, 62]
    assert chords.program == 48 and {round(n.start, 2) for n in chords.notes} == {0.0, 2.4, 4.8, 7.2}
    seconds, _ = audio_stats((tmp_path / "chords-pop.ogg").read_bytes())
    assert 9.0 <= seconds <= 11.5  # 4 bars at 100 bpm, plus the release tail
    assert (tmp_path / "chords-pop.musicxml").read_bytes().count(b"<harmony") == 4
    assert symbols in (tmp_path / "chords-pop.txt").read_text()


def test_chords_for_a_midi_file_take_its_meter_and_key(tmp_path, capsys):
    song = tmp_path / "song.mid"
    song.write_bytes(melody_to_midi(Melody((Note(62, 12), Note(66, 12), Note(69, 24)), Key(2), Meter(3, 4), 90)))
    assert main(["chords", "--midi", str(song), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "Chords in D major · 3/4 · 90 bpm" in out and "Its key signature (2 sharps) puts it in D major." in out
    assert f"I used the top voice of {song}." in out
    assert (tmp_path / "o" / "chords-pop.mid").exists() and "Below, chords of my own" not in out
    from tests.bot.helpers import sketch_midi

    sketch = tmp_path / "sketch.mid"  # a tune with a piano playing its chords: named, then mine
    sketch.write_bytes(sketch_midi())
    assert main(["chords", "--midi", str(sketch), "--out", str(tmp_path / "s")]) == 0
    assert f"The chords of `{sketch}`, track 2: `| C | F | G | C |`. Below, chords of my own for it." in (
        capsys.readouterr().out)


def test_chords_bad_input_is_a_clear_error(tmp_path, capsys):
    assert main(["chords", "E D Q", "--out", str(tmp_path)]) == 2
    assert "`Q`" in capsys.readouterr().err
    assert main(["chords", "R R", "--out", str(tmp_path)]) == 2
    assert "only rests" in capsys.readouterr().err
    assert main(["chords", "--out", str(tmp_path)]) == 2
    assert "Give me a melody" in capsys.readouterr().err
    assert main(["chords", "C E G", "--tempo", "999", "--out", str(tmp_path)]) == 2
    assert "tempo" in capsys.readouterr().err
    assert main(["chords", "--midi", str(tmp_path / "missing.mid"), "--out", str(tmp_path)]) == 2
    assert "missing.mid" in capsys.readouterr().err
    assert main(["chords", "C E G", "--midi", str(tmp_path / "song.mid"), "--out", str(tmp_path)]) == 2
    assert "not both" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_arrange_prints_sections_chords_instruments_and_writes_the_files(tmp_path, capsys):
    args = ["arrange", "C D E F G:h", "--form", "AB", "--style", "rock", "--instruments", "piano",
            "--chords", "C G", "--key", "C major", "--tempo", "120", "--seed", "4", "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Arrangement · rock · form AB · C major · 4/4 · 120 bpm · 12 bars · seed 4" in out
    assert "Intro (2 bars): C | G" in out
    assert "A (4 bars — your melody): C | G | C | G" in out  # your 2 bars, continued to 4 by the model
    assert "continued it to 4 bars" in out
    assert "\nB (4 bars — " in out and "Outro (2 bars): F | C" in out
    assert "Instruments: Lead guitar (melody) (GM 31) · Piano (chords) (GM 1) · Picked bass (GM 35) · Drums" in out
    assert "**" not in out and "`" not in out  # no Discord markdown in a terminal
    assert "Again: musicgenius arrange 'C D E F G:h' --key 'C major'" in out
    for name in ["arrangement-4.txt", "arrangement-4-score.png", "arrangement-4-overview.png", "arrangement-4.mid",
                 "arrangement-4.ogg", "arrangement-4.musicxml"]:
        assert str(tmp_path / name) in out
    for name in ["arrangement-4-score.png", "arrangement-4-overview.png"]:
        assert (tmp_path / name).read_bytes().startswith(PNG)
    midi = pretty_midi.PrettyMIDI(str(tmp_path / "arrangement-4.mid"))
    assert [i.name for i in midi.instruments] == ["Lead guitar (melody)", "Piano (chords)", "Picked bass", "Drums"]
    assert midi.instruments[-1].is_drum
    assert [n.pitch for n in midi.instruments[0].notes[:5]] == [60, 62, 64, 65, 67]  # A: the melody as typed
    assert 23.5 <= midi.get_end_time() <= 24.5  # 12 bars of 4/4 at 120 bpm


def test_arrange_bad_input_is_a_clear_error(tmp_path, capsys):
    assert main(["arrange", "C D E", "--form", "XYZ", "--out", str(tmp_path)]) == 2
    assert "form 'XYZ'" in capsys.readouterr().err
    assert main(["arrange", "C D E", "--chords", "H7 C", "--out", str(tmp_path)]) == 2
    assert "`H7`" in capsys.readouterr().err
    assert main(["arrange", "C D E", "--key", "Z major", "--out", str(tmp_path)]) == 2
    assert "Z major" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_lyrics_rhyme_and_scan_as_asked(tmp_path, capsys, shared_lyricist):
    args = ["lyrics", "--theme", "the sea at night", "--lines", "2", "--scheme", "AA", "--syllables", "6",
            "--seed", "3", "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.endswith("A]")]
    assert len(lines) == 2 and all(line.endswith("  [6 A]") for line in lines)
    assert all(line.split("  [")[0].endswith("*") for line in lines)  # rhyme words marked for a terminal
    plain = (tmp_path / "lyrics-3.txt").read_text().splitlines()
    assert [sum(syllable_count(w) for w in words(line)) for line in plain] == [6, 6]
    assert rhymes(words(plain[0])[-1], words(plain[1])[-1])
    assert "Again: musicgenius lyrics --theme 'the sea at night' --lines 2 --scheme AA --syllables 6 --seed 3" in out
    assert str(tmp_path / "lyrics-3.txt") in out


def test_lyrics_for_typed_notes_write_a_karaoke_midi_and_a_score(tmp_path, capsys, shared_lyricist):
    notes = "C:q D E C E F G:h C:q D E C E F G:h"
    assert main(["lyrics", "--notes", notes, "--key", "C major", "--seed", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Words for your melody · C major · 4/4 · 110 bpm · 2 phrases, one syllable per note" in out
    assert "Sung as:" in out and "Stressed syllables on strong beats:" in out
    for name in ["lyrics-2.txt", "lyrics-2-score.png", "lyrics-2.mid", "lyrics-2.ogg", "lyrics-2.musicxml"]:
        assert str(tmp_path / name) in out
    midi = (tmp_path / "lyrics-2.mid").read_bytes()
    sung = pretty_midi.PrettyMIDI(io.BytesIO(midi)).instruments[0].notes
    assert [n.pitch for n in sung[:4]] == [60, 62, 64, 60]
    assert [round(t, 3) for t, _ in midi_lyrics(midi)] == [round(n.start, 3) for n in sung]  # a syllable per note
    verse = (tmp_path / "lyrics-2.txt").read_text().split("\n\n")[1].splitlines()
    assert sung_words(midi) == [w.lower() for line in verse for w in line.split()]
    assert b"<lyric" in (tmp_path / "lyrics-2.musicxml").read_bytes()
    assert (tmp_path / "lyrics-2-score.png").read_bytes().startswith(PNG)


def test_lyrics_bad_input_is_refused_before_the_model_loads(tmp_path, capsys, no_lyricist):
    cases = [
        (["--lines", "40"], "1 to 16 lines"),
        (["--scheme", "A1B"], "rhyme scheme"),
        (["--syllables", "eight"], "syllable counts"),
        (["--syllables", "30"], "not 30"),
        (["--key", "G major"], "--key only apply"),
        (["--notes", "R R"], "only rests"),
        (["--notes", "C D E", "--lines", "4"], "leave out --lines"),
        (["--midi", str(tmp_path / "missing.mid")], "missing.mid"),
    ]
    for extra, message in cases:
        assert main(["lyrics", *extra, "--out", str(tmp_path)]) == 2
        assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_inspire_prints_openings_rhymes_images_and_grows_one_into_a_verse(capsys, shared_lyricist):
    assert main(["inspire", "--topic", "rain", "--seed", "5", "--count", "1", "--expand", "1"]) == 0
    out = capsys.readouterr().out
    assert 'Lyric ideas for "rain" (seed 5)' in out
    opening = next(line for line in out.splitlines() if line.startswith("1. "))
    assert opening.endswith("*  [8]")
    assert "rhymes for “" in out and "Images: " in out
    verse = out.split("Verse from idea 1 (ABAB):\n")[1].strip().splitlines()
    assert len(verse) == 4 and verse[0].split("  [")[0] == opening[3:].split("  [")[0]
    assert [line.rsplit("[", 1)[1] for line in verse][1:] == ["8 B]", "8 A]", "8 B]"]


def test_a_theme_or_topic_typed_without_its_flag_is_read_as_one(tmp_path, capsys, shared_lyricist):
    """`musicgenius lyrics a broken clock` and `musicgenius inspire rain` are what people type first."""
    assert main(["lyrics", "a", "broken", "clock", "--seed", "3", "--out", str(tmp_path)]) == 0
    assert "--theme 'a broken clock'" in capsys.readouterr().out  # the "Again:" line spells it with the flag
    assert main(["inspire", "rain", "--seed", "5", "--count", "1"]) == 0
    assert 'Lyric ideas for "rain" (seed 5)' in capsys.readouterr().out
    assert main(["lyrics", "clocks", "--theme", "rain", "--out", str(tmp_path)]) == 2
    assert "Give the theme once" in capsys.readouterr().err
    assert main(["lyrics", "--syllables", "8", "6", "8", "6", "--theme", "rain", "--out", str(tmp_path)]) == 0
    assert "--syllables '8 6 8 6'" in capsys.readouterr().out  # the counts typed unquoted, not a second theme


def test_inspire_bad_input_is_a_clear_error(capsys, no_lyricist):
    assert main(["inspire", "--topic", "   "]) == 2
    assert "Give me a topic" in capsys.readouterr().err
    assert main(["inspire", "--topic", "rain", "--count", "2", "--expand", "3"]) == 2
    assert "from 1 to 2" in capsys.readouterr().err
    assert main(["inspire", "--topic", "rain", "--count", "9"]) == 2
    assert "1 to 8 ideas" in capsys.readouterr().err


def test_the_reproduce_line_is_a_command_line_that_writes_the_same_melody(tmp_path, capsys):
    """The CLI prints its own syntax (not a slash command), and running that line gives the same notes."""
    assert main(["melody", "D F# A", "--meter", "6/8", "--seed", "11", "--bars", "4", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    line = next(x for x in printed.splitlines() if x.startswith("Reproduce: "))
    command = line.removeprefix("Reproduce: ").strip("`")
    assert command.startswith("musicgenius melody ") and "⟦" not in printed and "notes:" not in printed
    words = shlex.split(command)[1:]
    assert main([*words, "--out", str(tmp_path / "again")]) == 0
    again = capsys.readouterr().out
    notes = [x for x in printed.splitlines() if "➜" in x]
    assert notes and notes == [x for x in again.splitlines() if "➜" in x]


def test_chords_typed_as_notes_are_read_back_with_numerals(tmp_path, capsys):
    assert main(["chords", "C G Am F", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Your chords in C major") and "| I | V | vi | IV |" in out
    assert '`musicgenius melody --chords "C G Am F"`' in out and not any(tmp_path.iterdir())


def test_chords_alone_are_written_to_sing(tmp_path, capsys):
    """`musicgenius melody "C Am F G"`: chords alone get the european style and say so; a typed style wins."""
    assert main(["melody", "C Am F G", "--seed", "5", "--count", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "From chords alone I write a melody to sing, in the european style" in out and "--style european" in out
    assert main(["melody", "--chords", "C Am F G", "--style", "irish", "--count", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "european" not in out and "Style: irish" in out and "🎯" not in out
    assert main(["melody", "--chords", "C G Am F", "--key", "C minor", "--count", "1", "--out", str(tmp_path)]) == 0
    assert "🎯 Your chords sound notes outside C minor (E, A): they sit in C major." in capsys.readouterr().out
