"""The notification centre: one service every domain tells what people must hear about; an outbox (a row and a job
in the caller's transaction) that the worker delivers by LINE or e-mail, as each person chose."""
