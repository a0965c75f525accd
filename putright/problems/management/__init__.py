"""Console commands of the problems app (``putright problems ...``, ``putright text ...``)."""
