"""Music data: notation, MIDI, MusicXML, audio, the corpus. One adapter module per external library."""

import contextlib
import io

# pyfluidsynth prints where it found its library when $CI is set, on first import (data.audio's or pretty_midi's),
# which would corrupt output that is parsed (--check-config, JSON logs): import it once, quietly, here.
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(ImportError):  # no library: data.audio says so
    import fluidsynth  # noqa: F401
