"""One option table and one error contract: the same mistake reads `bars:8` in Discord and `--bars 8` on the CLI."""

from __future__ import annotations

import pytest

from bot.errors import discord_syntax, user_message
from data.errors import MusicError, cmd, opt, render
from studio.arrange.arranger import ArrangeRequest
from studio.cli.main import build_parser, cli_syntax, main
from studio.options import ARRANGE, COMMANDS, MELODY, option_help
from studio.requests import MelodyRequest


def test_every_option_has_help_that_fits_discord_and_a_valid_example():
    for command, table in COMMANDS.items():
        for option in table.values():
            assert 0 < len(option.help) <= 100, (command, option.name)
            value = option.kind(option.example) if option.kind in (int, float) else option.example
            if option.kind is not bool:
                assert option.check(value) == value, (command, option.name)
            if option.default is not None and option.kind is not bool:
                assert option.check(option.default) == option.default, (command, option.name)


def test_requests_take_their_defaults_and_limits_from_the_table():
    request = MelodyRequest(notes="C E G")
    assert (request.bars, request.tempo, request.count, request.style) == (8, 110, 3, "irish")
    for name, bad in (("bars", 65), ("temperature", 0.05), ("top_p", 1.5), ("tempo", 20), ("count", 4)):
        with pytest.raises(MusicError) as error:
            MelodyRequest(notes="C E G", **{name: bad})
        assert error.value.option == name and error.value.example == MELODY[name].example
    with pytest.raises(MusicError) as error:
        ArrangeRequest(style="polka")
    assert error.value.option == "style" and "folk band" in str(error.value)
    assert ArrangeRequest().style == ARRANGE["style"].default


def test_each_front_end_spells_options_and_commands_its_own_way():
    text = f"Try {opt('bars', 12)} or {opt('top_p', 0.5)}; run {cmd('melody', notes='C E G', key='G major')} first."
    assert render(text, discord_syntax) == "Try `bars:12` or `top_p:0.5`; run `/melody notes:C E G key:G major` first."
    assert render(text, cli_syntax("melody")) == ('Try `--bars 12` or `--top-p 0.5`; run '
                                                  '`musicgenius melody "C E G" --key "G major"` first.')
    assert render(opt("notes", "C D E"), cli_syntax("lyrics")) == '`--notes "C D E"`'  # a flag there, not positional
    assert "⟦" not in str(MusicError(text)) and "bars=12" in str(MusicError(text))


def test_a_bad_value_in_discord_names_the_option_in_discord_syntax():
    with pytest.raises(MusicError) as error:
        MelodyRequest(notes="C E G", bars=10000)
    message = user_message(error.value)
    assert "`bars:8`" in message and "--bars" not in message


def test_the_cli_prints_flags_not_slash_command_syntax(tmp_path, capsys):
    assert main(["melody", "C E G", "--bars", "10000", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "`--bars 8`" in err and "bars:" not in err
    assert main(["arrange", "C E G", "--form", "XYZ", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "`--form AABA`" in err and "form:" not in err


def test_the_cli_has_a_flag_for_every_option_in_the_table():
    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for command, table in COMMANDS.items():
        flags = {s for action in subcommands[command]._actions for s in action.option_strings} | {"notes"}
        for option in table.values():
            if option.kind is bool:
                continue  # my_melody: the CLI has no "last melody"
            assert option.flag in flags or option.name in flags, (command, option.name)


def test_discord_options_come_from_the_table():
    from bot.cogs.arrange import Arranger
    from bot.cogs.compose import Compose
    from bot.cogs.harmony import Harmony

    for command, name in ((Compose.melody, "melody"), (Harmony.chords, "chords"), (Arranger.arrange, "arrange")):
        params = {p.name: p for p in command.parameters}
        assert set(params) == set(COMMANDS[name]), name
        for option in COMMANDS[name].values():
            assert params[option.name].description == option.help, (name, option.name)
            if option.choices:
                assert [c.value for c in params[option.name].choices] == list(option.choices), (name, option.name)
    assert option_help("melody", ("key", "tempo")) == {"key": MELODY["key"].help, "tempo": MELODY["tempo"].help}


def test_typed_values_with_bar_lines_or_equals_signs_survive_the_marks():
    """Notes may hold bar lines and words anything; a value never breaks the command it is quoted in."""
    text = cmd("melody", notes="C D | E F", lyrics="a=b ⟧ ⟦x", key=None)
    assert render(text, discord_syntax) == "`/melody notes:C D | E F lyrics:a=b  x`"
    assert render(text, cli_syntax(None)) == '`musicgenius melody "C D | E F" --lyrics "a=b  x"`'


def test_the_table_names_exactly_what_the_arranger_plays():
    """The option table owns the names; the arranger's band and chord-instrument tables must cover them all."""
    from studio.arrange.arranger import BANDS, CHORD_PARTS
    from studio.options import BAND_STYLES, INSTRUMENTS

    assert tuple(BANDS) == BAND_STYLES
    assert set(CHORD_PARTS) == set(INSTRUMENTS)
