"""Small generated PDFs standing in for the certificates behind the demo's items (a
clinical-trial approval notice, a registration certificate): one A4 page of text, a few
hundred bytes, written without any PDF library. Chinese text uses the standard CJK font
STSong-Light (Adobe-GB1), which PDF viewers supply themselves, so nothing is embedded."""

from __future__ import annotations

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def _hex(text: str) -> str:
    """Text as UCS-2 big-endian hex (the UniGB-UCS2-H encoding): BMP characters only."""
    return "".join(f"{ord(char):04X}" for char in text if ord(char) <= 0xFFFF)


def certificate_pdf(*, title: str, lines: list[str]) -> bytes:
    """A one-page PDF: ``title`` large, then ``lines``, with a frame around them."""
    commands = [
        "0.6 0.1 0.1 RG 3 w 50 480 495 310 re S",
        f"BT /F1 22 Tf 80 740 Td <{_hex(title)}> Tj ET",
    ]
    y = 700
    for line in lines:
        commands.append(f"BT /F1 12 Tf 80 {y} Td <{_hex(line)}> Tj ET")
        y -= 22
    stream = "\n".join(commands).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 7 0 R /DW 1000 /W [1 95 500] >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
    ]
    body = bytearray(HEADER)
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        body += b"%010d 00000 n \n" % offset
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(body)
