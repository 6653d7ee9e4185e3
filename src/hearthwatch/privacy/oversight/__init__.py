"""The operator's reports across every subject: privacy check, statistics, API and commands."""
