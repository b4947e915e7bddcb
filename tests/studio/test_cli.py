import pretty_midi

from data.audio import audio_stats
from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi
from studio.cli import main


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
    assert -3.0 <= peak <= 0.0


def test_cli_candidates_and_a_midi_file_as_seed(tmp_path, capsys):
    song = tmp_path / "song.mid"
    song.write_bytes(melody_to_midi(Melody((Note(62, 12), Note(66, 12), Note(69, 24)), Key(2), Meter(3, 4), 90)))
    assert main(["melody", "--midi", str(song), "--count", "2", "--seed", "8", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "Candidate 2" in out and "Meter: 3/4" in out and "Tempo: 90 bpm" in out
    assert (tmp_path / "o" / "melody-8-1.mid").exists() and (tmp_path / "o" / "melody-8-2.mid").exists()
    assert "D4:q F#4:q A4:h | ➜" in (tmp_path / "o" / "melody-8-2.txt").read_text()


def test_cli_bad_input_is_a_clear_error(tmp_path, capsys):
    assert main(["melody", "C E Q", "--out", str(tmp_path)]) == 2
    assert "`Q`" in capsys.readouterr().err
    assert main(["melody", "--midi", str(tmp_path / "missing.mid"), "--out", str(tmp_path)]) == 2
    assert "missing.mid" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
