"""Watching twins in use: the profile a twin keeps of its training rows and drift against it
(:mod:`~datatwin.monitor.drift`), refreshing a twin on new data, data cards, the audit log.

The public face is :func:`datatwin.drift`, :func:`datatwin.refresh` and
:func:`datatwin.data_card`; the audit log is the CLI's (``--audit-log``).
"""

from __future__ import annotations

from datatwin.monitor.audit import AUDIT_LOG_ENV, Verification, append_entry, audited, verify_log

__all__ = ["AUDIT_LOG_ENV", "Verification", "append_entry", "audited", "verify_log"]
