"""Background work: jobs written in the same transaction as the change that asks for them, and the worker that runs
them at least once, with back-off, and keeps those that keep failing for a coordinator to see."""
