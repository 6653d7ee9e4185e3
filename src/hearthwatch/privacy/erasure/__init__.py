"""Erasure (P19, P20) and the backups erasure reaches."""
