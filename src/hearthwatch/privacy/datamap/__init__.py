"""The data map: every kind of personal data held, declared once, by area."""
