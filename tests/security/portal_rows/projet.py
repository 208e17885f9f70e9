"""Matrix rows of the person's space: projet."""

ROWS = []
