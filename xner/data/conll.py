"""Reader and writer for CoNLL-style NER files: one token per line, blank line between sentences.

Accepted layouts (one reader for every NER file in the development data):
- ``token<TAB>tag`` (Europarl-NER, PAN-X ``lang:token<TAB>tag``), or more tab-separated columns
  with the tag last;
- ``token tag`` or ``token POS chunk tag`` separated by whitespace (MasakhaNER, CoNLL-2003), tag last.
``-DOCSTART-`` lines end the current sentence and are skipped. A line starting with ``#`` is a
comment unless its last field is a valid tag (so the token ``#`` tagged ``O`` stays a token).
CRLF line ends and a UTF-8 BOM are tolerated. Every file must keep one column count; a line that
differs is an error naming file:line. An empty token (``xho/train.txt`` has two lines `` O``) is
dropped with a logged warning — an empty string has no subwords for any model — or rejected when
``strict``. Non-UTF-8 bytes are an error naming file:line.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from xner.data.tags import TAG_RE, check_tags
from xner.data.types import Sentence
from xner.errors import DataFormatError

log = logging.getLogger(__name__)


def _decode_lines(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataFormatError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataFormatError(f"{path}: is a directory, expected a CoNLL file") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    # LF or CRLF line ends; a file with CRs only (classic Mac) is split on CR instead of being read
    # as one long line whose tokens after the first would be lost.
    lines = raw.split(b"\r") if b"\n" not in raw and b"\r" in raw else raw.split(b"\n")
    out = []
    for number, line in enumerate(lines, 1):
        try:
            text = line.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            raise DataFormatError(
                f"{path}:{number}: not valid UTF-8 (byte {line[exc.start]:#04x} at column {exc.start + 1})"
            ) from None
        if "\r" in text:
            raise DataFormatError(f"{path}:{number}: carriage return inside a line; expected LF or CRLF line ends")
        out.append(text)
    return out


_BLANKS = re.compile(r"[ \t]+")


def split_fields(line: str) -> list[str]:
    if "\t" in line:
        return line.split("\t")
    # ASCII spaces only: a no-break space or U+2028 inside a token must not split it into columns.
    return _BLANKS.split(line.strip(" \t"))


def read_conll(
    path: str | os.PathLike,
    *,
    strict: bool = False,
    labels: Iterable[str] | None = None,
    strip_lang_prefix: bool = False,
    id_prefix: str | None = None,
) -> list[Sentence]:
    """Read a CoNLL-style NER file into sentences (words, IOB2 tags, id, origin ``file:line``).

    `labels` restricts entity types (unknown → error); `strip_lang_prefix` removes PAN-X's
    ``xx:`` token prefix. Sentence ids are ``<id_prefix or file stem>-<index>``.
    """
    path = Path(path)
    lines = _decode_lines(path)
    prefix = id_prefix if id_prefix is not None else path.name
    sentences: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []
    where: list[str] = []
    start_line = 0
    ncols: int | None = None
    ncols_line = 0
    dropped_empty: list[str] = []
    repairs = 0
    first_repair = ""

    def flush() -> None:
        nonlocal words, tags, where, repairs, first_repair
        if words:
            fixed, n = check_tags(tags, where, labels=labels, strict=strict)
            if n and not repairs:
                first_repair = next(w for w, a, b in zip(where, tags, fixed, strict=True) if a != b)
            repairs += n
            sentences.append(
                Sentence(
                    words=tuple(words),
                    tags=tuple(fixed),
                    id=f"{prefix}-{len(sentences)}",
                    origin=f"{path}:{start_line}",
                )
            )
        words, tags, where = [], [], []

    for number, line in enumerate(lines, 1):
        if not line.strip():
            flush()
            continue
        if line.startswith("-DOCSTART-"):
            flush()
            continue
        fields = split_fields(line)
        if line.startswith("#") and not TAG_RE.match(fields[-1].strip()):
            continue  # comment line
        if line[:1] in (" ", "\t") and "\t" not in line:
            fields = ["", *fields]  # an empty token before its tag, e.g. " O"
        if ncols is None:
            ncols, ncols_line = len(fields), number
        if len(fields) < 2:
            raise DataFormatError(
                f"{path}:{number}: expected a token and a tag separated by a tab or spaces, "
                f"found {line[:80]!r}"
            )
        if len(fields) != ncols:
            raise DataFormatError(
                f"{path}:{number}: expected {ncols} columns (as on line {ncols_line}), found "
                f"{len(fields)}: {line[:80]!r}"
            )
        token, tag = fields[0].strip(" \t"), fields[-1].strip(" \t")  # a U+3000 token is a token
        if strip_lang_prefix and ":" in token:
            token = token.split(":", 1)[1]
        if not token:
            if strict:
                raise DataFormatError(f"{path}:{number}: empty token (tag {tag!r})")
            dropped_empty.append(f"{path}:{number}")
            continue
        if not words:
            start_line = number
        words.append(token)
        tags.append(tag)
        where.append(f"{path}:{number}")
    flush()
    if not sentences:
        log.warning("%s: no sentences found (empty file?)", path)
    if dropped_empty:
        log.warning(
            "%s: dropped %d empty token(s) (first at %s); set data.strict=true to reject them",
            path, len(dropped_empty), dropped_empty[0],
        )
    if repairs:
        log.warning(
            "%s: repaired %d I- tag(s) that started an entity to B- (first at %s); set data.strict=true "
            "to reject them", path, repairs, first_repair,
        )
    return sentences




def format_conll(sentences: Sequence[Sentence]) -> str:
    """Sentences → ``token<TAB>tag`` text (tags default to O)."""
    chunks = []
    for sent in sentences:
        bad = next((w for w in sent.words if not w.strip(" \t") or any(c in w for c in "\t\n\r")), None)
        if bad is not None:  # it would not read back as the same sentence
            raise DataFormatError(
                f"{sent.origin or sent.id}: token {bad!r} cannot be written to a CoNLL file "
                "(empty, or holds a tab or a line break)"
            )
        tags = sent.tags or ("O",) * len(sent.words)
        chunks.append("".join(f"{w}\t{t}\n" for w, t in zip(sent.words, tags, strict=True)))
    return "\n".join(chunks)


def write_conll(path: str | os.PathLike, sentences: Sequence[Sentence]) -> Path:
    """Write sentences as ``token<TAB>tag`` lines, atomically (never a half-written file)."""
    from xner.cache import atomic_write_text

    path = Path(path)
    atomic_write_text(path, format_conll(sentences))
    return path
