"""ESC/POS bytes for 58 mm and 80 mm thermal printers (the Bluetooth printers a salesperson carries).

Chinese printers take text in GB18030 once told to (FS &): an ASCII character is one byte and one column wide, a
Chinese one two bytes and two columns. Their fonts hold only the two-byte part of GB18030 (GBK), so characters
outside it print as "?" rather than as garbage. Built here, on the server, so tests can check every byte; the
browser only passes them on (static/js/thermal.js).
"""
from app.printing.slips import Slip

ESC, FS, GS, LF = b"\x1b", b"\x1c", b"\x1d", b"\n"
INIT = ESC + b"@"  # forget earlier modes
CHINESE = FS + b"&"  # two-byte GB18030 text from here on
LEFT, CENTER, RIGHT = 0, 1, 2
NORMAL, TALL, BIG = 0, 1, 2  # character sizes: normal, double height, double width and height
# GS ! sizes ASCII and FS ! the Chinese characters (both sent: printers differ in which they obey for which).
SIZES = {NORMAL: GS + b"!\x00" + FS + b"!\x00", TALL: GS + b"!\x01" + FS + b"!\x08",
         BIG: GS + b"!\x11" + FS + b"!\x0c"}
CUT = GS + b"V\x42\x00"  # partial cut; printers without a cutter ignore it
# Columns of normal text (12-dot font A) on the 384 and 576 printable dots of 58 and 80 mm paper.
COLUMNS = {58: 32, 80: 48}
QR_MODULE_DOTS = {58: 6, 80: 8}  # a 41-module link code is then 31 mm wide on 80 mm paper, 31 mm on 58 mm
QR_MAX_BYTES = 300
SUBSTITUTES = {"¥": "￥"}  # the half-width yen sign is not in GBK; receipts use the full-width one anyway


def encode(text: str) -> bytes:
    """`text` as the printer reads it in Chinese mode; its length is also its width in columns."""
    out = bytearray()
    for char in text:
        char = SUBSTITUTES.get(char, char)
        if char in "\r\n\t":
            char = " "
        code = char.encode("gb18030")
        out += b"?" if len(code) > 2 or code < b" " else code
    return bytes(out)


def width(text: str) -> int:
    return len(encode(text))


def wrap(text: str, columns: int) -> list[str]:
    """`text` in lines of at most `columns`; Chinese breaks anywhere, other words at spaces when they fit."""
    lines, line = [], ""
    for word in _words(text):
        if width(line + word) <= columns:
            line += word
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = word.lstrip()
        while width(line) > columns:  # a word longer than the line: cut it
            cut = _fit(line, columns)
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _words(text: str) -> list[str]:
    """ASCII words with the spaces before them; every other character alone."""
    words, word = [], ""
    for char in text:
        if char.isascii() and not (char == " " and word.strip()):
            word += char
            continue
        if word:
            words.append(word)
        word = char if char == " " else ""
        if char != " ":
            words.append(char)
    if word:
        words.append(word)
    return words


def _fit(text: str, columns: int) -> int:
    """How many characters of `text` fit in `columns` (at least one)."""
    used = 0
    for count, char in enumerate(text):
        used += width(char)
        if used > columns:
            return max(count, 1)
    return len(text)


class Printout:
    """Commands and text appended in order; `bytes()` at the end."""

    def __init__(self, columns: int):
        self.columns = columns
        self.out = bytearray(INIT + CHINESE)

    def raw(self, data: bytes) -> "Printout":
        self.out += data
        return self

    def align(self, where: int) -> "Printout":
        return self.raw(ESC + b"a" + bytes([where]))

    def bold(self, on: bool) -> "Printout":
        return self.raw(ESC + b"E" + bytes([int(on)]))

    def size(self, size: int) -> "Printout":
        return self.raw(SIZES[size])

    def line(self, text: str = "") -> "Printout":
        return self.raw(encode(text) + LF)

    def wrapped(self, text: str, columns: int | None = None) -> "Printout":
        for part in wrap(text, columns or self.columns):
            self.line(part)
        return self

    def pair(self, left: str, right: str) -> "Printout":
        """`left` at the start of the line and `right` at its end; `right` on a line of its own if both do not fit."""
        room = self.columns - width(left) - width(right)
        if room >= 1:
            return self.line(left + " " * room + right)
        self.wrapped(left)
        return self.line(" " * max(self.columns - width(right), 0) + right)

    def rule(self) -> "Printout":
        return self.line("-" * self.columns)

    def qr(self, data: str, module_dots: int) -> "Printout":
        """A model 2 QR code (GS ( k), error correction M, `module_dots` dots a module, printed where aligned."""
        payload = data.encode()
        if not payload or len(payload) > QR_MAX_BYTES:
            raise ValueError(f"QR data of {len(payload)} bytes")
        store = len(payload) + 3
        return self.raw(GS + b"(k\x04\x001A2\x00"  # model 2
                        + GS + b"(k\x03\x001C" + bytes([module_dots])  # module size
                        + GS + b"(k\x03\x001E1"  # error correction M (49)
                        + GS + b"(k" + bytes([store % 256, store // 256]) + b"1P0" + payload  # store the data
                        + GS + b"(k\x03\x001Q0")  # print it

    def feed(self, lines: int) -> "Printout":
        return self.raw(ESC + b"d" + bytes([lines]))

    def cut(self) -> "Printout":
        return self.raw(CUT)

    def bytes(self) -> bytes:
        return bytes(self.out)


def slip_bytes(slip: Slip, paper_mm: int) -> bytes:
    """The slip as one print job for paper `paper_mm` wide (58 or 80): header, lines, totals, QR code, cut."""
    out = Printout(COLUMNS[paper_mm])
    out.align(CENTER).size(TALL).wrapped(slip.company).size(NORMAL)
    for text in slip.company_lines:
        out.wrapped(text)
    out.line().size(BIG).wrapped(slip.title, out.columns // 2).size(NORMAL).line().align(LEFT)
    for label, value in slip.fields:
        out.wrapped(label + value)
    if slip.lines:
        out.rule()
        for line in slip.lines:
            out.wrapped(line.name).pair("  " + line.detail, line.amount)
    out.rule()
    *totals, (grand_label, grand_value) = slip.totals
    for label, value in totals:
        out.pair(label, value)
    out.bold(True).size(TALL).pair(grand_label, grand_value).size(NORMAL).bold(False)
    for text in slip.notes:
        out.wrapped(text)
    for label in slip.signatures:
        out.line().line(label + "_" * max(out.columns - width(label), 0))
    out.line().align(CENTER).qr(slip.qr, QR_MODULE_DOTS[paper_mm]).line(slip.qr_caption)
    return out.feed(4).cut().bytes()
