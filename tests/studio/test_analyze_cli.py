"""`musicgenius analyze`: the reading printed, the marked score, MIDI, audio and MusicXML written; bad input exits 2."""

from __future__ import annotations

from PIL import Image

from data.events import Key, Melody, Meter, Note
from data.midi import melody_to_midi
from studio.cli.main import main

TUNE = "G4:q A B G | C5 B A G | F#:q A D5 C | B4:h G:h | G4:q A B G | C5 B A G | F#:q A D5 F# | G:w"


def test_analyze_prints_the_reading_and_writes_its_files(tmp_path, capsys):
    assert main(["analyze", TUNE, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for heading in ("Key", "Scale and mode", "Range and tessitura", "Intervals", "Contour", "Phrases and form",
                    "Cadences", "Rhythm", "Harmonisation"):
        assert f"\n{heading}\n" in out
    assert "G major" in out and "F# and the final G point to G major" in out and "**" not in out
    names = {p.name for p in tmp_path.iterdir()}
    assert {"analysis.txt", "analysis-score.png", "analysis.mid", "analysis.ogg", "analysis.musicxml"} <= names
    with Image.open(tmp_path / "analysis-score.png") as score:
        assert score.format == "PNG"
    assert b"<rehearsal" in (tmp_path / "analysis.musicxml").read_bytes()


def test_analyze_a_midi_track(tmp_path, capsys):
    notes = (*(Note(p, 12) for p in (57, 59, 60, 62, 64, 62, 60, 59)), Note(57, 48))
    path = tmp_path / "tune.mid"
    path.write_bytes(melody_to_midi(Melody(notes, Key(9, "minor"), Meter(4, 4))))
    assert main(["analyze", "--midi", str(path), "--track", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "A minor" in out and "track 1 of" in out


def test_bad_input_exits_2_with_cli_syntax(tmp_path, capsys):
    assert main(["analyze", "C E H", "--out", str(tmp_path)]) == 2
    assert "H" in capsys.readouterr().err
    assert main(["analyze", "--out", str(tmp_path)]) == 2
    assert "musicgenius analyze" in capsys.readouterr().err
