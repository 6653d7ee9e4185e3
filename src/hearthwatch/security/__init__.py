"""Passwords, secrets, keys and request throttling."""
