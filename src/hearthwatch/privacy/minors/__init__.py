"""Accounts of children under 16 wait for a guardian's consent (P4)."""
