import pretty_midi

from studio.cli import main


def test_cli_writes_the_files_and_says_where(tmp_path, capsys):
    assert main(["melody", "C E G", "--seed", "4", "--bars", "4", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in ["melody-4.txt", "melody-4-pianoroll.png", "melody-4.mid"]:
        assert (tmp_path / name).exists()
        assert str(tmp_path / name) in out
    assert "C E G ➜" in (tmp_path / "melody-4.txt").read_text()
    midi = pretty_midi.PrettyMIDI(str(tmp_path / "melody-4.mid"))
    assert [n.pitch for n in midi.instruments[0].notes[:3]] == [60, 64, 67]


def test_cli_bad_input_is_a_clear_error(tmp_path, capsys):
    assert main(["melody", "C E Q", "--out", str(tmp_path)]) == 2
    assert "`Q`" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
