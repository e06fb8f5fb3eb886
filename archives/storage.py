"""The blob store holding archive files, one per data directory (an object store could replace it)."""

from __future__ import annotations

import functools
from pathlib import Path

from archives.blobstore import BlobStore, FilesystemBlobStore
from crm.context import AppContext


@functools.lru_cache(maxsize=8)
def _filesystem_store(root: Path) -> FilesystemBlobStore:
    return FilesystemBlobStore(root)


def blob_store(ctx: AppContext) -> BlobStore:
    return _filesystem_store(ctx.settings.archive_blob_dir)
