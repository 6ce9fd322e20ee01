"""Watching twins in use: the audit log of what was done with them."""

from __future__ import annotations

from datatwin.monitor.audit import AUDIT_LOG_ENV, Verification, append_entry, audited, verify_log

__all__ = ["AUDIT_LOG_ENV", "Verification", "append_entry", "audited", "verify_log"]
