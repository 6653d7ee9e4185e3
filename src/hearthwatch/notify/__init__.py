"""Notifications: message kinds and their rules, channels (Web Push, e-mail, webhooks, MQTT),
each user's choices, and the history of what was sent."""
