"""The rights a person can ask for, as data: request kinds and their deadlines (P17-P27)."""
