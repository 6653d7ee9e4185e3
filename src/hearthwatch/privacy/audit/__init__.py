"""Proof: the audit log, signed receipts, statistics and the privacy check."""
