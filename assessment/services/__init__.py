"""Assessment services: each takes the actor, checks permission then state, and writes in one
transaction with its audit row."""
