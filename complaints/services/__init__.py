"""Every write goes through a function here; each records its event in the same transaction."""
