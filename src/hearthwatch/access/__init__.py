"""The one permission resolver, and short-lived signed media tokens."""
