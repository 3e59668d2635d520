"""Many offices in one deployment: per-office settings, a person's office, workers' groups."""
