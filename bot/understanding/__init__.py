"""Understanding typed text: normalisation per script, matching, crisis and language names."""
