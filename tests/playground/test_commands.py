"""Reading typed slash commands against a registered command schema."""

from __future__ import annotations

from typing import Any

import pytest

from playground.commands import CommandError, parse, typing

STRING, INTEGER, BOOLEAN, NUMBER, ATTACHMENT = 3, 4, 5, 10, 11
COMMANDS: list[dict[str, Any]] = [
    {"name": "melody", "type": 1, "description": "Continue a melody", "options": [
        {"name": "notes", "type": STRING, "description": "notes"},
        {"name": "bars", "type": INTEGER, "description": "bars"},
        {"name": "temperature", "type": NUMBER, "description": "t"},
        {"name": "key", "type": STRING, "description": "key", "autocomplete": True},
        {"name": "style", "type": STRING, "description": "style",
         "choices": [{"name": "irish", "value": "irish"}, {"name": "folk band", "value": "folk"}]},
        {"name": "top_p", "type": NUMBER, "description": "p"},
        {"name": "midi", "type": ATTACHMENT, "description": "a MIDI file"},
    ]},
    {"name": "lyrics", "type": 1, "description": "Lyrics", "options": [
        {"name": "theme", "type": STRING, "description": "theme"},
        {"name": "lines", "type": INTEGER, "description": "lines", "min_value": 1, "max_value": 16},
        {"name": "my_melody", "type": BOOLEAN, "description": "use my melody"},
    ]},
    {"name": "prefs", "type": 1, "description": "Prefs", "options": [
        {"name": "show", "type": 1, "description": "show"},
        {"name": "set", "type": 1, "description": "set", "options": [{"name": "tempo", "type": INTEGER,
                                                                       "description": "bpm"}]},
    ]},
    {"name": "history", "type": 1, "description": "History"},
    {"name": "Chords for this melody", "type": 3},
]


@pytest.mark.parametrize(("text", "name", "options"), [
    ("/melody C E G", "melody", {"notes": "C E G"}),
    ('/melody notes:"C E G" key:"D minor" bars:8', "melody", {"notes": "C E G", "key": "D minor", "bars": 8}),
    ("/melody notes:C E G bars:8 key:D minor", "melody", {"notes": "C E G", "bars": 8, "key": "D minor"}),
    ("/melody C:q D:e E G:h. temperature:0.9 top_p:0.8", "melody",
     {"notes": "C:q D:e E G:h.", "temperature": 0.9, "top_p": 0.8}),
    ("/melody rest:q C E style:Folk Band", "melody", {"notes": "rest:q C E", "style": "folk"}),
    ('/melody notes:"key: not an option here" bars:2', "melody", {"notes": "key: not an option here", "bars": 2}),
    ("/MELODY  “C E G”  Bars:3", "melody", {"notes": "C E G", "bars": 3}),
    ("/lyrics the sea at night lines:4 my_melody:yes", "lyrics", {"theme": "the sea at night", "lines": 4,
                                                                   "my_melody": True}),
    ("/prefs set tempo:90", "prefs set", {"tempo": 90}),
    ("/prefs show", "prefs show", {}),
    ("/history", "history", {}),
])
def test_commands_are_read_as_discord_would_send_them(text: str, name: str, options: dict[str, Any]) -> None:
    parsed = parse(text, COMMANDS)
    assert (parsed.name, parsed.options, parsed.attachment) == (name, options, None)


def test_an_attached_file_goes_into_the_attachment_option() -> None:
    assert parse("/melody bars:4", COMMANDS, has_file=True).attachment == "midi"
    assert parse("/melody midi: bars:4", COMMANDS, has_file=True).options == {"bars": 4}
    with pytest.raises(CommandError, match="attach it with 📎"):
        parse("/melody midi:song.mid", COMMANDS)
    with pytest.raises(CommandError, match="takes no file"):
        parse("/history", COMMANDS, has_file=True)


@pytest.mark.parametrize(("text", "says"), [
    ("hello", "only read slash commands"),
    ("/", "Commands: /history, /lyrics, /melody, /prefs"),
    ("/melodee C E G", "Did you mean `/melody`?"),
    ("/chords C E G", "There is no `/chords` here. Commands: /history, /lyrics, /melody, /prefs."),
    ("/prefs", "needs one of `/prefs show`, `/prefs set`"),
    ("/melody C E G barss:4", "no option `barss:` — did you mean `bars:`?"),
    ("/lyrics topic:rain", "no option `topic:` — did you mean `theme:`?"),
    ("/melody C E G scale:D", "no option `scale:` — did you mean `key:`?"),
    ("/melody bars:eight", "`bars:` takes a whole number, e.g. `bars:8` — not `eight`"),
    ("/melody temperature:hot", "takes a number"),
    ("/melody style:rock", "`style:` is one of irish, folk band — not `rock`"),
    ("/lyrics lines:40", "`lines:` must be from 1 to 16"),
    ("/lyrics my_melody:maybe", "true or false"),
    ("/melody C E G bars:", "`bars:` needs a value"),
    ("/melody bars:2 bars:3", "given twice"),
    ("/history please", "/history has nowhere to put `please`: /history takes no options."),
])
def test_mistakes_get_a_hint_of_what_to_type(text: str, says: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(text, COMMANDS)
    assert says in str(caught.value)


def test_the_option_being_typed_is_found_for_autocomplete() -> None:
    found = typing("/melody C E G bars:8 key:D m", COMMANDS)
    assert found is not None
    assert (found.command, found.option["name"], found.value, found.others) == (
        "melody", "key", "D m", {"notes": "C E G", "bars": 8})
    assert typing("/melody C E G", COMMANDS) is None
    assert typing("/nothing key:D", COMMANDS) is None
