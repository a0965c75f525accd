"""Stored files: what Putright keeps on disk as part of its data, everything under ``MEDIA_ROOT``.

Django's default file storage writes there, so attachments and any other file a model stores are backed
up without this module learning about them. Secrets never enter an archive, even when configured inside
that folder: the audit key file (``AUDIT_KEY_FILE``) and a ``SECRET_KEY_FILE``. A restore leaves them where
they are. The mail sink's ``var/mail`` is not data (copies of emails a development machine caught) and
the static files are rebuilt from the code, so neither is included.
"""

from __future__ import annotations

import errno
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

FILES_PREFIX = "files"


@dataclass(frozen=True)
class StoredFile:
    path: Path
    member: str  # "files/<path under MEDIA_ROOT>", always with forward slashes


def root() -> Path:
    return Path(settings.MEDIA_ROOT)


def secret_paths() -> list[Path]:
    """Every configured secret file, resolved, so one inside MEDIA_ROOT can be recognised and left out."""
    configured = [
        getattr(settings, "AUDIT_KEY_FILE", None),
        getattr(settings, "PUTRIGHT", {}).get("AUDIT_KEY_FILE"),
        # settings keeps the secret key, not the file it came from; the environment still names the file.
        os.environ.get("SECRET_KEY_FILE"),
    ]
    return [Path(p).resolve() for p in configured if p]


def collect() -> tuple[list[StoredFile], list[str]]:
    """The stored files to archive, and a sentence for each thing left out."""
    base = root()
    if not base.is_dir():
        return [], []
    secrets = set(secret_paths())
    files: list[StoredFile] = []
    skipped: list[str] = []
    for folder, subfolders, names in os.walk(base):
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            relative = PurePosixPath(path.relative_to(base).as_posix())
            if path.resolve() in secrets:
                skipped.append(
                    f"skipped the secret key file {path}: secrets are never backed up; keep it apart"
                )
            elif path.is_symlink() or not path.is_file():
                skipped.append(f"skipped {path}: not a plain file")
            else:
                files.append(StoredFile(path=path, member=f"{FILES_PREFIX}/{relative}"))
    return files, skipped


def swap_in(staged: Path, work: Path) -> None:
    """Make ``staged`` (the archive's files, unpacked) the new MEDIA_ROOT.

    The old folder is renamed aside, the staged one renamed in, then the old one removed: each rename is
    atomic, so MEDIA_ROOT is never a mix of old and restored files. Secret files inside it stay.
    """
    base = root()
    staged.mkdir(parents=True, exist_ok=True)
    if base.exists():
        for secret in secret_paths():
            if secret.is_relative_to(base.resolve()) and secret.is_file():
                kept = staged / secret.relative_to(base.resolve())
                kept.parent.mkdir(parents=True, exist_ok=True)
                os.replace(secret, kept)
        aside = work / "stored-files-before-restore"
        try:
            os.replace(base, aside)
        except OSError as exc:
            if exc.errno not in (errno.EBUSY, errno.EXDEV):
                raise
            # MEDIA_ROOT is a mount point, which cannot be renamed: its contents are replaced instead.
            _contents_move(base, aside)
            _contents_move(staged, base)
        else:
            os.replace(staged, base)
        shutil.rmtree(aside)
    else:
        base.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, base)


def _contents_move(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir()):
        shutil.move(entry, target / entry.name)
