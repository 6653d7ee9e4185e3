"""How long data is kept (P33-P36), restriction and objection (P21, P22)."""
