"""Archive file keys for `crm keys rotate`: each per-file key is re-wrapped under the new data key.

The files themselves are not re-encrypted: only the small wrapped key changes, bound (as when
it was sealed) to the file it opens. Destroyed files have no key left and are skipped.
"""

from archives.tables import ArchiveFile
from crm.rotation import SealedColumns

SEALED = (
    SealedColumns(
        table=ArchiveFile,
        columns=("wrapped_key",),
        extra=(ArchiveFile.file_id,),
        binding=lambda row, column: ("archive_file", "file_key", row["file_id"]),
    ),
)
