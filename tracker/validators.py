"""Model and form validators built on the pure helpers: they turn their errors into Django's
ValidationError.

Text that can't spoof (issue 12). Every text field is stored NFC-normalised
(`normalize_text`; accounts/signals.py applies it before every save of the project's models)
and refuses what can make it read other than it is:

- bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), which reorder what
  follows ("Acme\u202egnp.exe" reads "Acmeexe.png");
- a value made only of invisible characters (zero-width spaces and joiners, word joiner, BOM,
  soft hyphen) and spaces: a name that looks empty but is not;
- U+FFFD, the replacement character that invalid UTF-8 becomes when a body is decoded;
- control characters; and in one-line fields also the line and paragraph separators (U+2028,
  U+2029, U+0085), which mail clients and browsers turn into line breaks.

Usernames are NFKC-normalised and refused when they look like an existing one
(`username_skeleton`: NFKC, case folded, each character replaced by its ASCII look-alike).
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from tracker import zones


def validate_zone(name: str) -> None:
    try:
        zones.check_zone(name)
    except zones.ZoneError as exc:
        raise ValidationError(str(exc), code="unknown_zone") from exc


# --- Text that can't spoof -------------------------------------------------------------------

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad\u034f\u115f\u1160\u3164\uffa0"
LINE_SEPARATORS = "\u2028\u2029\u0085"
REPLACEMENT = "\ufffd"

_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_LINES = re.compile(f"[{LINE_SEPARATORS}]")
# C0 controls but tab, CR and LF (which a multi-line field may hold), DEL and the C1 controls.
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x84\x86-\x9f]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f\x80-\x9f]")


def normalize_text(value):
    """NFC, the form every text is stored in (a composed é, never e + U+0301)."""
    if isinstance(value, str) and not value.isascii():
        return unicodedata.normalize("NFC", value)
    return value


def _only_invisible(value: str) -> bool:
    return bool(value) and all(c in INVISIBLE or c.isspace() for c in value) and any(
        c in INVISIBLE for c in value
    )


def _check_text(value: str, *, one_line: bool) -> None:
    if not isinstance(value, str) or not value or value.isascii() and value.isprintable():
        return
    if _BIDI.search(value):
        raise ValidationError(
            "Right-to-left and left-to-right override characters are not allowed: they make "
            "text read differently from what it is.",
            code="bidi_control",
        )
    if REPLACEMENT in value:
        raise ValidationError(
            "This text has a character that could not be read (�). Type it again.",
            code="invalid_utf8",
        )
    if _only_invisible(value):
        raise ValidationError("This is only invisible characters.", code="invisible")
    if one_line and _LINES.search(value):
        raise ValidationError(
            "Line breaks and control characters are not allowed here.", code="line_separator"
        )
    if (_CONTROL_ONE_LINE if one_line else _CONTROL_MULTILINE).search(value):
        raise ValidationError(
            "Line breaks and control characters are not allowed here."
            if one_line else "Control characters are not allowed here.",
            code="control_character",
        )


def validate_one_line_text(value: str) -> None:
    """For names, companies, subjects, links, phones: one line of text that reads as it is."""
    _check_text(value, one_line=True)


def validate_multiline_text(value: str) -> None:
    """For notes, lessons, message texts: line breaks allowed, spoofing characters not."""
    _check_text(value, one_line=False)


@deconstructible
class _TextValidator:
    """`_check_text` as a model field validator (a class, so migrations name it: each kind is a
    subclass of its own name, equal to any other of the same kind)."""

    one_line: bool

    def __call__(self, value):
        _check_text(value, one_line=self.one_line)

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))


class OneLineText(_TextValidator):
    """`validate_one_line_text` as a model field validator."""

    one_line = True


class MultilineText(_TextValidator):
    """`validate_multiline_text` as a model field validator."""

    one_line = False


one_line_text = OneLineText()
multiline_text = MultilineText()


# --- Usernames -------------------------------------------------------------------------------


def _ascii_lookalikes() -> dict[str, str]:
    from confusable_homoglyphs.confusables import confusables_data

    table = {}
    for char, glyphs in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        ascii_ones = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii()]
        if ascii_ones:
            table[char] = ascii_ones[0]
    return table


_LOOKALIKES: dict[str, str] | None = None


def normalize_username(value: str) -> str:
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def username_skeleton(value: str) -> str:
    """What a username looks like: "раul" (Cyrillic р and а) and "Paul" share "paul"."""
    global _LOOKALIKES
    if _LOOKALIKES is None:
        _LOOKALIKES = _ascii_lookalikes()
    text = normalize_username(value).casefold()
    return "".join(_LOOKALIKES.get(c, c) for c in text).casefold()


def validate_username_text(value: str) -> None:
    validate_one_line_text(value)
    if normalize_username(value) != value:
        raise ValidationError("Write the username in plain characters.", code="not_nfkc")


def validate_username_not_confusable(value: str, existing, *, exclude_pk=None) -> None:
    """`existing`: (pk, username) pairs. Refused when another account's username looks the
    same once normalised."""
    mine = username_skeleton(value)
    for pk, other in existing:
        if pk != exclude_pk and username_skeleton(other) == mine:
            raise ValidationError(
                "That username looks like one already taken. Choose another.",
                code="confusable_username",
            )
