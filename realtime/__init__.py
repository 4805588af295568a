"""Live events: the transactional outbox, the relay and subscription delivery (ticket issue)."""
