"""Consent: the ledger, cookies, analytics and marketing mail (P28, P29)."""
