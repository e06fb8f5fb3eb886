"""Folders and files only their owner may read: 0700 and 0600 (issue 14 finding 8; SPEC §6 R-PM-04).

The data directory holds the SQLite database with its write-ahead log, the keyring, the stored
archive files and backups: customer records, whatever the sealing. The modes given to ``mkdir``
and ``open`` pass through the process's umask, which commonly leaves them readable by every
local user (0755, 0644), so each helper sets the mode explicitly after creating.

Only what these helpers create is made private: a folder that already exists was set up by the
deployment (e.g. a mounted volume for ``CRM_DATA_DIR``) and is left as its owner made it; a file
they are handed is tightened, because the application owns its files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "create_private", "ensure_private_file", "private_dir"]

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` as a folder, with every folder created for it (parents included) 0700."""
    path = Path(path)
    missing: list[Path] = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR)
        except FileExistsError:
            continue  # created meanwhile by another process: theirs to set
        os.chmod(folder, PRIVATE_DIR)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    return path


def ensure_private_file(path: Path) -> Path:
    """``path`` exists and is 0600: created empty if missing, its contents untouched otherwise.

    SQLite gives the ``-wal`` and ``-shm`` files it creates the mode of the database file, so
    making the database file private before SQLite first opens it makes those private too.
    """
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return path


def create_private(path: Path) -> BinaryIO:
    """A new (or emptied) file at ``path``, open for writing bytes, readable by its owner only."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise
