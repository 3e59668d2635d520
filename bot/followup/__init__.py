"""Follow-up after a programme ends: check-in schedules, the outbox and its dispatcher."""
