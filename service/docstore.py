"""A content-addressed store of generated documents on the file system.

Each file is named by its SHA-256, so storing the same bytes twice costs
nothing and a stored file never changes. Files are written to a temporary name,
flushed to disk and renamed, so a crash leaves either the whole file or none.

A process killed between writing and renaming leaves its ``.tmp-*`` file
behind. Each process sweeps those out the first time it opens a store: files
older than a minute are removed, younger ones may still be being written by
another process sharing the store and are left alone.

Files no database record points to (a document whose transaction rolled back,
a replaced template, the result of a deleted job) are found by
:meth:`DocumentStore.unreferenced` and removed by ``verify-documents --prune``,
only once they are older than a grace period: a file written a moment ago may
belong to a transaction that has not committed yet.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

log = logging.getLogger(__name__)

TEMP_PREFIX = ".tmp-"
_HASH_FOLDER = re.compile(r"^[0-9a-f]{2}/[^/]+$")
# A write takes milliseconds; a temporary file this old has lost its writer.
STALE_TEMP_SECONDS = 60

_swept_roots: set[str] = set()
_sweep_lock = threading.Lock()


def write_atomically(target: Path, write: Callable[[BinaryIO], object], prefix: str = "") -> None:
    """Write a file through ``write(handle)`` so that it appears whole or not at all.

    The bytes go to a temporary name in the same folder, are flushed to disk,
    then renamed over ``target``; on any failure the temporary file is removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=prefix + TEMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


class DocumentStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        key = os.path.abspath(self.root)
        with _sweep_lock:
            first_use = key not in _swept_roots
            _swept_roots.add(key)
        if first_use:
            self.remove_stale_temp_files()

    def remove_stale_temp_files(self, older_than: float = STALE_TEMP_SECONDS) -> int:
        """Delete temporary files left by writers that died mid-write; return how many went."""
        cutoff = time.time() - older_than
        removed = 0
        for path in (*self.root.glob(TEMP_PREFIX + "*"), *self.root.glob("*/" + TEMP_PREFIX + "*")):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # another process swept it first
                continue
        if removed:
            log.warning("document store %s: removed %s temporary files left by an interrupted write",
                        self.root, removed)
        return removed

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Store ``content`` and return its SHA-256 hex digest."""
        digest = hashlib.sha256(content).hexdigest()
        target = self.path_for(digest)
        if target.exists():
            # A fresh time marks the file as wanted again, so a prune of unreferenced files
            # (which spares young files) cannot remove it before the new record commits.
            try:
                os.utime(target)
            except FileNotFoundError:
                pass
            else:
                return digest
        write_atomically(target, lambda handle: handle.write(content))
        return digest

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def verify(self, sha256: str) -> bool:
        """True when the stored file exists and still hashes to its name."""
        path = self.path_for(sha256)
        if not path.exists():
            return False
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest() == sha256

    def files(self) -> Iterator[tuple[str, Path]]:
        """Every file in the store as (name relative to the root, path), temporary files included."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                yield path.relative_to(self.root).as_posix(), path

    def unreferenced(self, digests: Iterable[str], other_files: Iterable[str], folders: Iterable[str] = (),
                     older_than: float = 0.0) -> list[tuple[str, Path]]:
        """Files no record points to, among the hash-named files and those in ``folders``: neither
        named by one of ``digests`` nor one of ``other_files`` (names relative to the root). Files
        elsewhere under the root are not the store's and are left out. With ``older_than``, only
        files last written that many seconds ago or earlier."""
        wanted = {f"{digest[:2]}/{digest}" for digest in digests} | set(other_files)
        areas = tuple(folder.rstrip("/") + "/" for folder in folders)
        cutoff = time.time() - older_than
        found = []
        for name, path in self.files():
            if name in wanted or not (_HASH_FOLDER.match(name) or name.startswith(areas)):
                continue
            try:
                if older_than and path.stat().st_mtime > cutoff:
                    continue
            except FileNotFoundError:
                continue
            found.append((name, path))
        return found
