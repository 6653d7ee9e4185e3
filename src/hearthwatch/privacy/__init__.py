"""The privacy engine: the data map and, later, consent, rights requests and retention."""
