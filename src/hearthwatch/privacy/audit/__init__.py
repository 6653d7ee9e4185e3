"""Proof: the tamper-evident audit log and signed receipts (it imports no other subject)."""
