"""How long data is kept (P33-P36) and closing an account (P34)."""
