"""RQ queues, job functions (IDs in, JSON-safe results out) and the worker."""
