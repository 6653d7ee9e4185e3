"""Erasure (P19, P20), account closure (P34) and backups erasure reaches."""
