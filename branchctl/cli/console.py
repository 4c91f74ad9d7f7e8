"""Everything the CLI writes goes through here: terminal text made safe, JSON as UTF-8 bytes.

A Chinese Windows console encodes in GBK, which has no room for rare characters (生僻字 such as
U+20BB7, common in place names): terminal text replaces what the console cannot show, and JSON,
read by programs, is always UTF-8 whatever the console.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from branchctl.text import json_safe, terminal_safe


def fit(text: str, stream: TextIO) -> str:
    """``text`` with what ``stream``'s encoding cannot hold replaced by ``?``."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "replace").decode(encoding)
    except LookupError:  # an encoding Python does not know: keep to ASCII
        return text.encode("ascii", "replace").decode("ascii")
    return text


def say(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Terminal text: escapes from cell text shown escaped, unshowable characters replaced."""
    import typer  # click's echo; JSON output (write_raw) runs without loading it

    stream = sys.stderr if err else sys.stdout
    typer.echo(fit(terminal_safe(text), stream), err=err, nl=nl)


def warn(text: str) -> None:
    """A note for the clerk on stderr, ``提示：…``."""
    say(f"提示：{text}", err=True)


def fail(sentence: str) -> None:
    """The one sentence of a run that could not finish, on stderr."""
    say(f"错误：{sentence}", err=True)


def print_json(data: Any, *, large: bool = False) -> None:
    """One JSON document on stdout, UTF-8 bytes whatever the console's encoding.

    Indented JSON goes through the pure-Python encoder: big results stay compact (10× faster).
    """
    print_json_text(json.dumps(data, ensure_ascii=False, indent=None if large else 2))


def print_json_text(text: str | Iterable[str], *, escaped: bool = False) -> None:
    """JSON already encoded, whole or in consecutive pieces (a library that makes a big document
    faster than json.dumps, and need not hold it all at once). ``escaped``: the text has been
    through :func:`branchctl.text.json_safe` already (scanning tens of megabytes again costs)."""
    for piece in [text] if isinstance(text, str) else text:
        write_raw(piece if escaped else json_safe(piece))
    write_raw("\n")


def write_raw(text: str) -> None:
    """Text for programs (JSON, a rubric's TOML) on stdout as UTF-8 bytes, not re-encoded."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a stream without bytes underneath (some test harnesses)
        stream.write(text)
        stream.flush()
        return
    stream.flush()
    buffer.write(text.encode("utf-8", "backslashreplace"))
    buffer.flush()
