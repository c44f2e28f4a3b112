"""A zip writer for .docx packages whose unchanged parts are compressed once.

Each entry is compressed as its bytes arrive (``EntryWriter``), so a streamed
body is never held whole; ``write_zip`` lays out the already compressed
entries as a plain (non-ZIP64) archive.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass

from .sandbox import TemplateRenderError

__all__ = ["Entry", "EntryWriter", "write_zip", "zip_entry"]

# Compressing the template's unchanged parts (styles, theme, numbering …)
# took most of a render's time when zipfile did it afresh each time; they
# are compressed once, and each render only compresses what it rendered.
_DEFLATE_LEVEL = 6
_UTF8_NAME_FLAG = 0x800


@dataclass(frozen=True)
class Entry:
    name: bytes
    flags: int
    method: int
    dos_time: int
    dos_date: int
    crc: int
    compressed: bytes
    size: int
    external_attr: int


class EntryWriter:
    """Compresses a part as its bytes arrive, keeping its CRC and size."""

    def __init__(self, info: zipfile.ZipInfo):
        self.info = info
        self.crc = 0
        self.size = 0
        self.chunks: list[bytes] = []
        self.compressor = (
            None if info.compress_type == zipfile.ZIP_STORED
            else zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -15)
        )

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self.chunks.append(data if self.compressor is None else self.compressor.compress(data))

    def close(self) -> Entry:
        if self.compressor is not None:
            self.chunks.append(self.compressor.flush())
        info = self.info
        year, month, day, hour, minute, second = info.date_time
        return Entry(
            name=info.filename.encode("utf-8"),
            flags=_UTF8_NAME_FLAG if not info.filename.isascii() else 0,
            method=zipfile.ZIP_STORED if self.compressor is None else zipfile.ZIP_DEFLATED,
            dos_time=(hour << 11) | (minute << 5) | (second // 2),
            dos_date=(max(year, 1980) - 1980) << 9 | (month << 5) | day,
            crc=self.crc & 0xFFFFFFFF,
            compressed=b"".join(self.chunks),
            size=self.size,
            external_attr=info.external_attr,
        )


def zip_entry(info: zipfile.ZipInfo, data: bytes) -> Entry:
    writer = EntryWriter(info)
    writer.write(data)
    return writer.close()


def write_zip(entries: list[Entry]) -> bytes:
    """A plain (non-ZIP64) zip archive of already compressed entries."""
    if len(entries) > 0xFFFF or any(len(e.compressed) > 0x7FFFFFFF or e.size > 0x7FFFFFFF for e in entries):
        raise TemplateRenderError("Văn bản tạo ra quá lớn.")
    chunks: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for e in entries:
        local = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, e.flags, e.method, e.dos_time, e.dos_date,
            e.crc, len(e.compressed), e.size, len(e.name), 0,
        )
        central.append(struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, e.flags, e.method, e.dos_time, e.dos_date,
            e.crc, len(e.compressed), e.size, len(e.name), 0, 0, 0, 0, e.external_attr, offset,
        ) + e.name)
        chunks += (local, e.name, e.compressed)
        offset += len(local) + len(e.name) + len(e.compressed)
    directory = b"".join(central)
    if offset > 0x7FFFFFFF:
        raise TemplateRenderError("Văn bản tạo ra quá lớn.")
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(chunks) + directory + end
