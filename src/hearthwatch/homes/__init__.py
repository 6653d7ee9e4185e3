"""Homes: the place cameras belong to, and its arming mode (Home, Away, Night, Off)."""
