"""Jianpu seeds in requests, and results shown in jianpu (no model: stored results are restored)."""

from __future__ import annotations

from dataclasses import asdict, replace

import pretty_midi
import pytest

from data.errors import MusicError
from data.notation import parse_seed, stored_notes
from studio.analysis.key import infer_key
from studio.cli.main import main
from studio.melody import Composer
from studio.requests import MelodyRequest


def test_a_jianpu_seed_is_read_in_the_key_asked_for_and_keeps_it():
    request = MelodyRequest(notes="1 2 3 5", key="D major")
    assert request.notes == "1=D 1 2 3 5"
    assert replace(request, key="G major").notes == "1=D 1 2 3 5"  # a key tried later doesn't move the seed
    assert MelodyRequest(notes="6, 7, 1", key="A minor").notes == "1=C 6, 7, 1"
    assert MelodyRequest(notes="1 2 3").notes == "1=C 1 2 3"  # no key: read in C, then the key is guessed
    assert MelodyRequest(notes="C E G", key="D major").notes == "C E G"
    with pytest.raises(MusicError) as error:
        MelodyRequest(notes="C", notation="braille")
    assert error.value.option == "notation" and error.value.example == "jianpu"


def _restored(notes: str, key: str, notation: str | None, meter: str = "4/4"):
    """A result as the bot stores it (params and note text) and restores it for a Pick or Regenerate."""
    request = MelodyRequest(notes=notes, key=key, meter=meter, seed=5, notation=notation)
    seed = parse_seed(request.notes, meter=request.parsed_meter)
    text = f"{seed.text} ➜ E4:e F#4:e G4:q A4:h | D4:w |" if meter == "4/4" else f"{seed.text} ➜ E4:q. F#4:q. | D4:h. |"
    return Composer.restore(asdict(request), text)


def test_a_jianpu_seed_is_answered_in_jianpu_with_its_key_line():
    result = _restored("1 2 3 5", "D major", None)
    assert result.shown == "1=D 1 2 3 5 | ➜ 2_ 3_ 4 5 - | 1 - - - |"
    assert stored_notes(result.shown) == result.melody.notes  # what a user copies reads back
    assert result.text.startswith("1=D 1 2 3 5 ➜ E4:e")  # stored as letters after the seed
    assert "notation" not in result.reproduce
    assert _restored("1 2 3 5", "D major", "letters").shown == result.text


def test_letter_seeds_in_jianpu_when_asked_in_minor_and_six_eight():
    result = _restored("D4:q. E4:q.", "B minor", "jianpu", "6/8")
    assert result.shown == "1=D 6/8 1. 2. | ➜ 2. 3. | 1 - - |"
    assert "jianpu" in result.reproduce and stored_notes(result.shown) == result.melody.notes
    assert _restored("G | C E G C", "C major", "jianpu").shown.startswith("1=C 5 | 1' 3' 5' 1'' | ➜")  # the pickup kept


def test_the_cli_reads_and_writes_jianpu(tmp_path, capsys):
    assert main(["melody", "1 2 3 5", "--key", "G major", "--notation", "jianpu", "--seed", "4", "--bars", "4",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1=G 1 2 3 5 | ➜ " in out and "--notation jianpu" in out  # the notes, and the command that reproduces them
    assert "1=G 1 2 3 5 | ➜ " in (tmp_path / "melody-4.txt").read_text()
    midi = pretty_midi.PrettyMIDI(str(tmp_path / "melody-4.mid"))
    assert [n.pitch for n in midi.instruments[0].notes[:4]] == [67, 69, 71, 74]
    assert main(["melody", "1 2 9", "--out", str(tmp_path / "bad")]) == 2
    assert "`9`" in capsys.readouterr().err


@pytest.mark.parametrize("typed", ["1' 7 6 5", "#4 5 b7 1'", ".5 .6 .7 1"])
def test_a_guessed_key_keeps_the_signature_of_1(typed):
    seed = parse_seed(typed)  # 1=C: C major or A minor, so the reply writes the seed as it was typed, not in G
    assert infer_key(seed.notes, seed.do).parent_major == 0
    seed = parse_seed(f"1=Bb {typed}")
    assert infer_key(seed.notes, seed.do).parent_major == 10


@pytest.mark.parametrize(("typed", "key"), [("1=D 3 2 1 2 | 3 3 3 -", "D major"),  # Mary: music21 said B minor
                                            ("1=C 6, 7, 1 2 3 2 1 7, 6,", "A minor"), ("1=F 5", "F major"),
                                            ("1=Eb 6, 1 3 6 5 3", "C minor")])
def test_a_guessed_key_is_the_major_or_relative_minor_the_tune_is_in(typed, key):
    seed = parse_seed(typed)
    assert str(infer_key(seed.notes, seed.do)) == key


def test_a_seed_without_a_key_is_answered_in_the_1_it_was_typed_in(tmp_path, capsys):
    assert main(["melody", "1' 7 6 5", "--seed", "2", "--bars", "2", "--count", "1", "--out", str(tmp_path)]) == 0
    assert "1=C 1' 7 6 5 | ➜ " in capsys.readouterr().out  # not renumbered as `1=G 4 3 2 1` in a guessed G major
