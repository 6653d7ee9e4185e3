"""Background work: periodic and queued jobs, leased, one runner per node."""
