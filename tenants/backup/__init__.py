"""Backup and restore of one center: its schema's rows and its files, in one file.

``archive.py`` is the file (its members, the manifest, reading it back checked whole),
``dump.py`` writes one (``center_backup``), ``restore.py`` reads one back into a new or the
same center (``center_restore``), calling the steps the apps register for a restore
(``tenants.provisioning``). The commands are ``backup_center`` and ``restore_center``.

The backup holds personal data (applicants, case scans): keep it like the database itself."""

from .archive import FORMAT, VERSION, backup_manifest, media_folder
from .dump import BackupSummary, center_backup, default_backup_path
from .restore import RestoreSummary, center_restore

__all__ = [
    "FORMAT",
    "VERSION",
    "BackupSummary",
    "RestoreSummary",
    "backup_manifest",
    "center_backup",
    "center_restore",
    "default_backup_path",
    "media_folder",
]
