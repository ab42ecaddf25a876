"""Reading text files for ingestion: the encoding, and CSV records that survive malformed lines.

**Encoding.** A byte-order mark names the encoding (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) and is
skipped; without one, a file whose first 4 kB hold NUL bytes at every other position is read as
UTF-16 (LE or BE by their side), anything else as UTF-8. A caller naming an encoding gets it (a BOM
of the same family is still skipped). Bytes that are not valid in the encoding never stop a read:
they are decoded to the code points U+DC00 + byte (``"shopmind-raw"``, like Python's
``surrogateescape`` but for every byte, so it also works for UTF-16) — a row holding one is rejected,
and writing it with the same handler gives back the original bytes (the rejects file does).

**CSV.** Records are parsed with the :mod:`csv` module in strict mode, over blocks of physical
lines, each record tagged with the line it starts on (the header is line 1). A record that cannot be parsed
(bad quoting, a field over :func:`csv.field_size_limit`, a quoted field running over
:data:`MAX_RECORD_LINES` lines) or whose number of fields differs from the header's is a malformed
line: only its first physical line is rejected, and parsing resumes on the next line — so a stray
quote costs one line, never the rest of the file. Blank lines are skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

# Error handler that maps undecodable bytes to U+DC00 + byte and back (see the module docstring).
RAW_ERRORS = "shopmind-raw"
# The most physical lines one CSV record may span (a longer quoted field is taken for a stray quote).
MAX_RECORD_LINES = 1_000
# How much of a file the UTF-16 guess looks at.
SNIFF_BYTES = 4096
# About how many characters of CSV lines are parsed at a time.
BLOCK_CHARS = 1 << 20

_BOMS = (  # UTF-32 first: its LE mark starts with UTF-16 LE's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ESCAPED = re.compile("[\udc00-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _raw_bytes(exc: UnicodeError) -> tuple[str | bytes, int]:
    if isinstance(exc, UnicodeDecodeError):
        return "".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end
    if isinstance(exc, UnicodeEncodeError):
        out = bytearray()
        for ch in exc.object[exc.start : exc.end]:
            code = ord(ch)
            out += bytes([code - 0xDC00]) if 0xDC00 <= code <= 0xDCFF else f"\\u{code:04x}".encode()
        return bytes(out), exc.end
    raise exc


def raw_errors() -> str:
    """The name of the raw-bytes error handler, registered on first use."""
    try:
        codecs.lookup_error(RAW_ERRORS)
    except LookupError:
        codecs.register_error(RAW_ERRORS, _raw_bytes)
    return RAW_ERRORS


def has_bad_text(text: str) -> bool:
    """Whether ``text`` holds undecodable bytes or unpaired surrogates (not storable as UTF-8)."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def shown(text: str) -> str:
    """``text`` with undecodable bytes as ``\\xNN`` and other unpaired surrogates as ``\\uNNNN``."""
    if not has_bad_text(text):
        return text
    return _SURROGATE.sub(
        lambda m: f"\\x{ord(m[0]) - 0xDC00:02x}" if _ESCAPED.match(m[0]) else f"\\u{ord(m[0]):04x}", text
    )


def _family(name: str) -> str:
    codec = codecs.lookup(name).name  # e.g. utf-8, utf-16-le, utf-16
    return codec[:6] if codec.startswith("utf-") else codec


def _utf16_guess(head: bytes) -> str | None:
    """UTF-16 without a BOM: NUL bytes on one side of most byte pairs (ASCII text), none on the other."""
    n = len(head) // 2
    if n < 2:
        return None
    even, odd = head[0 : 2 * n : 2].count(0), head[1 : 2 * n : 2].count(0)
    if odd >= 0.3 * n and even <= 0.05 * n:
        return "utf-16-le"
    if even >= 0.3 * n and odd <= 0.05 * n:
        return "utf-16-be"
    return None


def detect_encoding(head: bytes, named: str | None = None) -> tuple[str, int]:
    """The encoding to read a file starting with ``head`` in, and the length of its BOM to skip."""
    if named is not None:
        codecs.lookup(named)  # LookupError for an unknown name
    for bom, encoding in _BOMS:
        if head.startswith(bom) and (named is None or _family(named) == _family(encoding)):
            return encoding, len(bom)
    if named is not None:
        return ("utf-8" if _family(named) == "utf-8" else named), 0
    return _utf16_guess(head[:SNIFF_BYTES]) or "utf-8", 0


def open_text(fh: IO[bytes], encoding: str | None, newline: str = "") -> tuple[io.TextIOWrapper, str]:
    """A text stream over the binary ``fh`` (positioned at its start) and the encoding it decodes."""
    head = fh.read(SNIFF_BYTES)
    encoding, skip = detect_encoding(head, encoding)
    fh.seek(skip)
    return io.TextIOWrapper(fh, encoding=encoding, errors=raw_errors(), newline=newline), encoding


# One CSV record: (line it starts on, its fields or None, the text of a malformed line, the reason).
Record = tuple[int, "list[str] | None", "str | None", "str | None"]
# Records of a block of lines: their fields (a malformed record's all None), the lines they start on,
# and when some went wrong, each one's reason and the text of each malformed line (else None, None).
Block = tuple["list[list[Any]]", "Sequence[int]", "list[str | None] | None", "list[str | None] | None"]
BAD_BYTES = "the line holds bytes that are not valid in the file's encoding"


class CsvRecords:
    """The header and then the records of a CSV text stream (see the module docstring).

    Lines are read in blocks of about :data:`BLOCK_CHARS` characters and parsed by :mod:`csv` at C
    speed; a record is taken apart line by line only when it is malformed."""

    def __init__(self, fh: IO[str], delimiter: str = ",") -> None:
        self._fh, self._delimiter = fh, delimiter
        self.header: list[str] | None = None
        self.header_error: str | None = None
        self._next_line = 1  # the file line of the first line not read yet
        self._read_header()

    def _reader(self, lines: Iterable[str]) -> Iterator[list[str]]:
        return csv.reader(lines, delimiter=self._delimiter, strict=True)

    def _read_header(self) -> None:
        taken: list[str] = []

        def source() -> Iterator[str]:
            while len(taken) < MAX_RECORD_LINES and (line := self._fh.readline()):
                taken.append(line)
                yield line

        reader = self._reader(source())
        try:
            for fields in reader:
                if fields and "".join(fields).strip():
                    self.header = fields
                    break
        except csv.Error as exc:
            self.header_error = f"not readable as CSV: {exc}"
        self._next_line += len(taken)

    def __iter__(self) -> Iterator[Block]:
        width = len(self.header or ())
        lines: list[str] = []
        eof = False
        while not (eof and not lines):
            more = [] if eof else self._fh.readlines(BLOCK_CHARS)
            eof = eof or not more
            lines = lines + more if lines else more
            check = _SURROGATE.search("".join(lines)) is not None
            whole = None if check else self._whole(lines, width)
            if whole is not None:
                yield whole
                self._next_line += len(lines)
                lines = []
                continue
            records: list[Record] = []
            pos, wait = 0, False
            while pos < len(lines) and not wait:
                pos, wait = self._parse(lines, pos, width, eof, check, records)
            yield _block(records, width)
            self._next_line += pos
            lines = lines[pos:]

    def _whole(self, lines: list[str], width: int) -> Block | None:
        """The common case, at C speed: every line of the block one record of the header's width (or
        blank). None when that is not so."""
        reader = self._reader(lines)
        try:
            rows = list(reader)
        except csv.Error:
            return None
        if reader.line_num != len(rows):  # a record over several lines
            return None
        first = self._next_line
        sizes = set(map(len, rows))
        if sizes == {width}:
            return rows, range(first, first + len(rows)), None, None
        if not sizes <= {width, 0}:
            return None
        keep = [i for i, r in enumerate(rows) if r]  # blank lines ("" or "\r\n") are left out
        return [rows[i] for i in keep], [first + i for i in keep], None, None

    def _parse(
        self, lines: list[str], pos: int, width: int, eof: bool, check: bool, out: list[Record]
    ) -> tuple[int, bool]:
        """Records of ``lines[pos:]`` into ``out``, one by one, up to a malformed one (returns the
        position to go on from) or to the end (and whether the last record may go on in lines not
        read yet)."""
        first = self._next_line
        reader = self._reader(itertools.islice(lines, pos, None))
        done = 0  # lines of lines[pos:] the records so far took
        try:
            for fields in reader:
                start, n = pos + done, reader.line_num - done
                done = reader.line_num
                if len(fields) == width and n <= MAX_RECORD_LINES:
                    text = lines[start] if n == 1 else "".join(lines[start : start + n])
                    out.append(
                        (first + start, fields, None, BAD_BYTES if check and has_bad_text(text) else None)
                    )
                elif n == 1 and not lines[start].strip():
                    continue  # a blank line
                else:
                    why = f"expected {width} fields (as in the header), found {len(fields)}"
                    if n > MAX_RECORD_LINES:
                        why = f"a quoted field runs over more than {MAX_RECORD_LINES:,} lines (open quote?)"
                    out.append((first + start, None, lines[start], why))
                    return start + 1, False
        except csv.Error as exc:
            start = pos + done
            if not eof and len(lines) - start <= MAX_RECORD_LINES and pos + reader.line_num >= len(lines):
                return start, True  # a quoted field that may close in the next block
            out.append((first + start, None, lines[start], f"not readable as CSV: {exc}"))
            return start + 1, False
        return len(lines), False


def _block(records: list[Record], width: int) -> Block:
    empty = [None] * width
    fields = [f if f is not None else empty for _, f, _, _ in records]
    return fields, [r[0] for r in records], [r[3] for r in records], [r[2] for r in records]
