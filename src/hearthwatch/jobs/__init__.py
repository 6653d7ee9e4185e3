"""Background work: periodic and queued jobs, leased, one runner per node.

registry.py   what a job is: `Job` (periodic) and `JobKind` (queued), a `Registry`
catalog.py    every job the node runs, gathered above the domains (a domain declares its
              kinds beside their handlers; only the commands import the catalogue)
models.py     their state: `scheduled_jobs` and the queue, `jobs`
scheduler.py  periodic jobs, one run across nodes (a conditional UPDATE takes the lease)
queue.py      enqueue in the caller's transaction; claim, renew, finish
runner.py     the node's runner (started by `server.py`, never by a router) and `run_now`
"""
