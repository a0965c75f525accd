"""The archive: a gzipped tar of the database, the stored files and ``manifest.json``, which lists every
other member with its size and SHA-256.

Written to a temporary file beside its destination (owner-only, mode 0600: it holds customers' data) and
renamed into place once complete, so a half-written archive never carries the final name. Read back into
a staging folder member by member, each name checked (no absolute paths, no ``..``, no links) and each
checksum compared before anything is restored.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from putright.backup.errors import BackupError

MANIFEST = "manifest.json"
FORMAT = "putright-backup"
FORMAT_VERSION = 1
_CHUNK = 1024 * 1024


class _Hashing(io.RawIOBase):
    """A readable file that hashes what passes through it, so a member is read from disk only once."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


@dataclass
class ArchiveWriter:
    """Build the archive under a temporary name; ``commit`` renames it to ``final``."""

    final: Path
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.temporary = self.final.with_name(f".{self.final.name}.partial-{os.getpid()}")
        # Owner-only from the first byte: the archive holds every customer's words and details.
        fd = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb")
        self._tar = tarfile.open(fileobj=self._file, mode="w:gz", format=tarfile.PAX_FORMAT)

    def add_file(self, member: str, path: Path) -> None:
        with open(path, "rb") as source:
            info = tarfile.TarInfo(member)
            info.size = os.fstat(source.fileno()).st_size
            info.mode = 0o600
            info.mtime = int(os.fstat(source.fileno()).st_mtime)
            hashing = _Hashing(source)
            self._tar.addfile(info, io.BufferedReader(hashing, _CHUNK))
        self.members[member] = {"sha256": hashing.sha256.hexdigest(), "size": hashing.size}

    def add_manifest(self, manifest: dict[str, Any], *, mtime: int) -> None:
        data = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mode = 0o600
        info.mtime = mtime
        self._tar.addfile(info, io.BytesIO(data))

    def commit(self) -> None:
        self._tar.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self.temporary, self.final)
        _fsync_folder(self.final.parent)

    def discard(self) -> None:
        for closing in (self._tar.close, self._file.close):
            try:
                closing()
            except OSError:
                pass  # a full disk may refuse the last write too; the temporary file goes all the same
        self.temporary.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts):
        raise BackupError(f"the archive holds an unsafe name {name!r}: refused")
    return path


def _damaged(archive: Path, exc: BaseException) -> BackupError:
    return BackupError(f"the archive {archive} is damaged or not a Putright backup ({exc})")


def read(
    archive: Path, staging: Path, progress: Callable[[int, int], None] = lambda done, total: None
) -> dict:
    """Unpack ``archive`` into ``staging`` and return its manifest, once every member matches it.

    ``progress`` hears (bytes of the archive read, its size) over both passes: the check, then the unpacking.
    """
    total = 2 * archive.stat().st_size
    with open(archive, "rb") as raw:
        # gzip's checksum covers the whole stream but is read only at its end, and tarfile stops quietly at
        # a damaged header as if the archive ended there: so the stream is read through once first.
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                while stream.read(_CHUNK):
                    progress(raw.tell(), total)
        except (OSError, EOFError, zlib.error) as exc:  # bad gzip header, bad CRC, cut short
            raise _damaged(archive, exc) from exc
        raw.seek(0)
        seen: dict[str, dict[str, Any]] = {}
        manifest_bytes: bytes | None = None
        try:
            with tarfile.open(fileobj=raw, mode="r:gz") as tar:
                for info in tar:
                    name = str(_safe_name(info.name))
                    if not info.isfile():
                        raise BackupError(f"the archive member {name!r} is not a plain file: refused")
                    if name in seen or (name == MANIFEST and manifest_bytes is not None):
                        raise BackupError(f"the archive holds {name!r} twice: refused")
                    source = tar.extractfile(info)
                    if source is None:
                        raise BackupError(f"the archive member {name!r} cannot be read: refused")
                    if name == MANIFEST:
                        manifest_bytes = source.read()
                    else:
                        seen[name] = _unpack(source, staging / name)
                    progress(total // 2 + raw.tell(), total)
        except tarfile.TarError as exc:
            raise _damaged(archive, exc) from exc
    progress(total, total)
    if manifest_bytes is None:
        raise BackupError(f"the archive {archive} is damaged or not a Putright backup (no {MANIFEST})")
    manifest = _manifest_parse(manifest_bytes)
    _members_check(manifest["members"], seen)
    return manifest


def _unpack(source: IO[bytes], target: Path) -> dict[str, Any]:
    target.parent.mkdir(parents=True, exist_ok=True)
    sha256 = hashlib.sha256()
    size = 0
    with open(target, "xb") as out:
        while chunk := source.read(_CHUNK):
            sha256.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"sha256": sha256.hexdigest(), "size": size}


def _manifest_parse(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise BackupError(f"the archive's {MANIFEST} is not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"the archive's {MANIFEST} is not a Putright backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"the archive is in backup format {manifest.get('format_version')!r}; this Putright reads "
            f"format {FORMAT_VERSION}: restore it with the Putright version that made it "
            f"({manifest.get('putright_version', 'unknown')})"
        )
    for key, kind in (("members", dict), ("row_counts", dict), ("migrations", dict), ("database", dict)):
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"the archive's {MANIFEST} lacks {key!r}")
    return manifest


def _members_check(expected: dict[str, Any], found: dict[str, dict[str, Any]]) -> None:
    missing = sorted(set(expected) - set(found))
    if missing:
        raise BackupError(
            f"the archive lacks {missing[0]!r}, listed in its manifest ({len(missing)} missing)"
        )
    extra = sorted(set(found) - set(expected))
    if extra:
        raise BackupError(f"the archive holds {extra[0]!r}, which its manifest does not list: refused")
    for name, facts in sorted(found.items()):
        if facts["sha256"] != expected[name].get("sha256") or facts["size"] != expected[name].get("size"):
            raise BackupError(f"checksum mismatch for {name!r}: the archive is damaged or was altered")
