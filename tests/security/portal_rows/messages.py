"""Matrix rows of the person's space: messages."""

ROWS = []
