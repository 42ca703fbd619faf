"""The event spine: changes write events into an outbox in their own transaction, and a delivery
queue fans each event out to every subscriber, at least once, in order per subject and endpoint."""
