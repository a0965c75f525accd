"""`putright backup` and `putright restore` on the database the suite runs on (SQLite or PostgreSQL).

The tests are transactional: a backup reads the database through its own connection (SQLite's backup API,
pg_dump), which sees only committed rows, and a restore replaces the test database itself.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import os
import re
import stat
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from putright.audit.events import chain_verify
from putright.audit.models import Event
from putright.backup import archive, database
from putright.backup.errors import BackupError
from putright.cases import services
from putright.cases.models import Case, Category

pytestmark = pytest.mark.django_db(transaction=True)

RECEIPT = bytes(range(256)) * 40  # not text: restored byte for byte, not line by line
NOTE = b"Customer's photo of the leak, taken 3 March.\n"


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "var" / "media"
    (root / "attachments" / "2026").mkdir(parents=True)
    (root / "attachments" / "2026" / "receipt.bin").write_bytes(RECEIPT)
    (root / "note.txt").write_bytes(NOTE)
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def three_cases(report_case, alice):
    cases = [report_case(customer_email=f"customer{n}@example.com") for n in range(3)]
    services.case_summarise_understanding(actor=alice, case=cases[0], summary="Leaks; wants a replacement.")
    services.case_confirm_understanding(actor=None, case=cases[0])
    return cases


def _backup(tmp_path: Path) -> tuple[Path, str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", "--output", str(tmp_path), stdout=out, stderr=err)
    written = re.search(r"backup written: (\S+) \(", out.getvalue())
    assert written, out.getvalue()
    return Path(written.group(1)), out.getvalue(), err.getvalue()


def _manifest(path: Path) -> dict:
    with tarfile.open(path, "r:gz") as tar:
        return json.load(tar.extractfile(archive.MANIFEST))


def _rewrite(path: Path, change) -> None:
    """Write the archive again with ``change(name, data)`` applied to each member's bytes."""
    with tarfile.open(path, "r:gz") as tar:
        members = [(info.name, tar.extractfile(info).read()) for info in tar]
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            data = change(name, data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _restore(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _state(media: Path) -> tuple[dict[str, int], dict[str, bytes]]:
    files = {p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*") if p.is_file()}
    return database.current_snapshot(connection).row_counts, files


def test_a_backup_is_one_owner_only_archive_with_a_manifest_that_describes_it(three_cases, media, tmp_path):
    path, out, _ = _backup(tmp_path)

    assert re.fullmatch(r"putright-backup-\d{8}-\d{6}\.tar\.gz", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, "var"]  # no temporary file left
    manifest = _manifest(path)
    member = database.DATABASE_MEMBERS[connection.vendor]
    assert manifest["format_version"] == archive.FORMAT_VERSION
    assert manifest["database"] == {"vendor": connection.vendor, "member": member}
    assert manifest["row_counts"]["cases_case"] == 3
    assert manifest["row_counts"]["audit_event"] == Event.objects.count()
    assert manifest["row_counts"] == database.current_snapshot(connection).row_counts
    assert manifest["migrations"]["cases"] == database.current_snapshot(connection).migrations["cases"]
    assert sorted(manifest["members"]) == [member, "files/attachments/2026/receipt.bin", "files/note.txt"]
    assert manifest["members"]["files/attachments/2026/receipt.bin"] == {
        "sha256": hashlib.sha256(RECEIPT).hexdigest(),
        "size": len(RECEIPT),
    }
    assert manifest["skipped"] == []
    assert f"database: {connection.vendor}, {len(manifest['row_counts'])} tables" in out
    assert "stored files: 2" in out


def test_a_backup_taken_while_the_app_writes_holds_exactly_the_committed_rows(three_cases, media, tmp_path):
    """The app keeps running during a backup: a transaction still open when it runs is not in it, and the
    manifest counts the very rows the archived database holds."""
    categories = Category.objects.count()
    written, finish = threading.Event(), threading.Event()

    def _app_writing() -> None:
        try:
            with transaction.atomic():
                Category.objects.create(name="Written during the backup", slug="during-the-backup")
                written.set()
                finish.wait(timeout=60)
        finally:
            connections.close_all()

    app = threading.Thread(target=_app_writing)
    app.start()
    try:
        assert written.wait(timeout=60)
        path, _, _ = _backup(tmp_path)
    finally:
        finish.set()
        app.join(timeout=60)

    assert Category.objects.count() == categories + 1
    assert _manifest(path)["row_counts"]["cases_category"] == categories
    _restore(path, "--yes")
    assert Category.objects.count() == categories
    assert not Category.objects.filter(slug="during-the-backup").exists()


def test_restore_brings_back_every_row_and_stored_file_and_the_audit_chain_verifies(
    three_cases, media, tmp_path, report_case, alice
):
    path, _, _ = _backup(tmp_path)
    manifest = _manifest(path)
    # After the backup: a new case, a timeline event altered behind the services' back, stored files
    # changed, added and deleted.
    report_case(customer_email="later@example.com")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_event SET summary = 'rewritten' WHERE seq = 1")
    assert chain_verify()[1]
    (media / "note.txt").write_bytes(b"overwritten")
    (media / "attachments" / "2026" / "receipt.bin").unlink()
    (media / "later.txt").write_bytes(b"made after the backup")

    out = _restore(path, "--yes")

    counts, files = _state(media)
    assert counts == manifest["row_counts"]
    assert Case.objects.count() == 3
    assert files == {"attachments/2026/receipt.bin": RECEIPT, "note.txt": NOTE}
    checked, breaks = chain_verify()
    assert (checked, breaks) == (manifest["row_counts"]["audit_event"], [])
    call_command("audit_verify", stdout=io.StringIO())
    assert f"{sum(counts.values())} rows, 2 stored files" in out
    assert f"audit chain intact: {checked} events verified" in out
    assert "migrate" not in out  # the code and the backup have the same migrations


def test_the_audit_key_file_is_never_archived_and_a_restore_leaves_it_in_place(
    three_cases, media, tmp_path, settings
):
    key = media / "keys" / "audit.key"
    key.parent.mkdir()
    key.write_bytes(b"the audit secret")
    settings.AUDIT_KEY_FILE = str(key)

    path, _, err = _backup(tmp_path)

    manifest = _manifest(path)
    assert "files/keys/audit.key" not in manifest["members"]
    assert f"skipped the secret key file {key}" in err
    with tarfile.open(path, "r:gz") as tar:
        assert all(b"the audit secret" not in tar.extractfile(info).read() for info in tar)
    key.write_bytes(b"the audit secret, rotated")
    _restore(path, "--yes")
    assert key.read_bytes() == b"the audit secret, rotated"
    assert _state(media)[1]["note.txt"] == NOTE


def test_a_flipped_byte_is_refused_with_a_clear_message_and_nothing_changes(three_cases, media, tmp_path):
    path, _, _ = _backup(tmp_path)
    (media / "note.txt").write_bytes(b"changed after the backup")
    before = _state(media)
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))

    with pytest.raises(CommandError, match=r"^the archive .* is damaged or not a Putright backup \("):
        _restore(path, "--yes")

    assert _state(media) == before


def test_a_member_altered_inside_a_sound_archive_fails_its_checksum(three_cases, media, tmp_path):
    path, _, _ = _backup(tmp_path)
    _rewrite(path, lambda name, data: b"forged" if name == "files/note.txt" else data)
    before = _state(media)

    with pytest.raises(CommandError) as err:
        _restore(path, "--yes")

    assert str(err.value) == "checksum mismatch for 'files/note.txt': the archive is damaged or was altered"
    assert _state(media) == before


def test_a_backup_of_the_other_kind_of_database_is_refused(three_cases, media, tmp_path):
    path, _, _ = _backup(tmp_path)
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def _other_vendor(name, data):
        if name != archive.MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["database"]["vendor"] = other
        return json.dumps(manifest).encode()

    _rewrite(path, _other_vendor)
    with pytest.raises(CommandError) as err:
        _restore(path, "--yes")
    assert str(err.value) == (
        f"this backup is of a {other} database and the configured database is {connection.vendor}: "
        "restore it where DATABASE_URL names the same kind of database"
    )
    assert Case.objects.count() == 3


def test_a_backup_from_newer_code_is_refused(three_cases, media, tmp_path):
    path, _, _ = _backup(tmp_path)

    def _newer(name, data):
        if name != archive.MANIFEST:
            return data
        manifest = json.loads(data)
        manifest["migrations"]["cases"] = "9999_from_the_future"
        return json.dumps(manifest).encode()

    _rewrite(path, _newer)
    with pytest.raises(CommandError, match=r"schema is newer than this code .* cases\.9999_from_the_future"):
        _restore(path, "--yes")


def test_restoring_over_data_needs_yes_or_a_typed_yes(three_cases, media, tmp_path, report_case, monkeypatch):
    path, _, _ = _backup(tmp_path)
    report_case(customer_email="later@example.com")
    before = _state(media)

    # Not on a terminal (cron, a pipe): refused, with what to do.
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    with pytest.raises(
        CommandError,
        match=r"^the configured database holds data \(cases: 4, customers: 4, staff accounts: 1, timeline events: \d+\); nothing",
    ):
        _restore(path)
    assert _state(media) == before

    # On a terminal: asked, and anything but "yes" cancels.
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    questions: list[str] = []
    monkeypatch.setattr("builtins.input", lambda q: questions.append(q) or "no")
    with pytest.raises(CommandError, match=r"^restore cancelled; nothing was changed$"):
        _restore(path)
    assert _state(media) == before
    assert "The configured database holds data" in questions[0]

    monkeypatch.setattr("builtins.input", lambda q: "yes")
    _restore(path)
    assert Case.objects.count() == 3


def test_output_problems_are_one_clear_sentence_and_leave_nothing_behind(
    three_cases, media, tmp_path, monkeypatch
):
    with pytest.raises(CommandError) as err:
        call_command("backup", "--output", str(tmp_path / "missing" / "b.tar.gz"))
    assert str(err.value) == f"output folder {tmp_path / 'missing'} does not exist"

    existing = tmp_path / "taken.tar.gz"
    existing.write_bytes(b"an older backup")
    with pytest.raises(CommandError) as err:
        call_command("backup", "--output", str(existing))
    assert (
        str(err.value)
        == f"{existing} already exists: choose another --output (a backup never overwrites one)"
    )
    assert existing.read_bytes() == b"an older backup"

    with pytest.raises(CommandError) as err:
        call_command("backup", "--output", str(media / "attachments"))
    assert str(err.value) == (
        f"{media / 'attachments'} is inside MEDIA_ROOT ({media}), whose files the archive holds: "
        "choose an --output outside it"
    )

    locked = tmp_path / "locked"
    locked.mkdir()
    open_file = os.open

    def _permission_denied(path, *args, **kwargs):  # the tests run as root, whom chmod does not stop
        if Path(path).parent == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return open_file(path, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(os, "open", _permission_denied)
        with pytest.raises(CommandError) as err:
            call_command("backup", "--output", str(locked))
    assert str(err.value) == f"cannot write to the output folder {locked}: permission denied"

    full = tmp_path / "full"
    full.mkdir()

    def _no_space(self, member, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive.ArchiveWriter, "add_file", _no_space)
    with pytest.raises(CommandError) as err:
        call_command("backup", "--output", str(full))
    assert str(err.value) == f"disk full: no space left in {full}; free some space or choose another place"
    assert list(full.iterdir()) == []


def test_missing_postgresql_tools_are_named(settings, tmp_path):
    settings.PG_BIN_DIR = str(tmp_path)
    with pytest.raises(BackupError) as err:
        database.pg_tool("pg_dump")
    assert str(err.value) == (
        f"pg_dump was not found in PUTRIGHT_PG_BIN_DIR={tmp_path}: install the PostgreSQL client tools "
        "(e.g. apt-get install postgresql-client-15) or point the setting at them"
    )


def test_an_unreachable_database_is_one_sentence(tmp_path):
    if connection.vendor == "sqlite":
        conf = {**connection.settings_dict, "NAME": str(tmp_path / "gone.sqlite3")}
        expected = f"database unreachable: there is no SQLite database at {tmp_path / 'gone.sqlite3'}"
    else:
        conf = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": "1"}  # nothing listens on port 1
        expected = f"database unreachable: cannot connect to PostgreSQL at 127.0.0.1:1/{conf['NAME']} ("
    elsewhere = connections["default"].__class__(conf, alias="unreachable")
    with pytest.raises(BackupError) as err:
        database.dump(elsewhere, tmp_path / "dump", lambda done, total: None)
    assert str(err.value).startswith(expected)
    assert "\n" not in str(err.value)


def test_the_console_command_reports_an_error_in_one_line_without_a_traceback(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "putright.settings",
        "PUTRIGHT_VAR_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "backup", "--output", str(tmp_path / "b.tar.gz")],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"CommandError: database unreachable: there is no SQLite database at {tmp_path / 'var' / 'putright.sqlite3'}"
    ]
    assert not (tmp_path / "b.tar.gz").exists()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, media):
    not_a_backup = tmp_path / "notes.tar.gz"
    with gzip.open(not_a_backup, "wb") as fh:
        fh.write(b"hello")
    with pytest.raises(CommandError, match=r"is damaged or not a Putright backup"):
        _restore(not_a_backup, "--yes")
    with pytest.raises(CommandError) as err:
        _restore(tmp_path / "nowhere.tar.gz", "--yes")
    assert str(err.value) == f"no backup at {tmp_path / 'nowhere.tar.gz'}"


def test_stored_files_are_restored_into_a_folder_that_cannot_be_renamed(
    three_cases, media, tmp_path, monkeypatch
):
    """MEDIA_ROOT may be a mount point, which rename() refuses: its contents are replaced instead."""
    path, _, _ = _backup(tmp_path)
    (media / "note.txt").write_bytes(b"overwritten")
    (media / "later.txt").write_bytes(b"made after the backup")
    rename = os.replace

    def _mount_point(source, target):
        if Path(source) == media:
            raise OSError(errno.EBUSY, "Device or resource busy", str(source))
        rename(source, target)

    monkeypatch.setattr(os, "replace", _mount_point)
    _restore(path, "--yes")

    assert _state(media)[1] == {"attachments/2026/receipt.bin": RECEIPT, "note.txt": NOTE}


def test_stored_files_that_cannot_be_put_back_say_the_database_was_restored(
    three_cases, media, tmp_path, report_case, monkeypatch
):
    path, _, _ = _backup(tmp_path)
    report_case(customer_email="later@example.com")
    rename = os.replace

    def _refused(source, target):
        if Path(source) == media:
            raise PermissionError(errno.EACCES, "Permission denied", str(source))
        rename(source, target)

    monkeypatch.setattr(os, "replace", _refused)
    with pytest.raises(CommandError) as err:
        _restore(path, "--yes")

    assert str(err.value) == (
        f"the database was restored, but the stored files could not be put into {media} ([Errno 13] "
        f"Permission denied: '{media}'): put that right and run the restore again"
    )
    assert Case.objects.count() == 3
    assert (media / "note.txt").read_bytes() == NOTE
