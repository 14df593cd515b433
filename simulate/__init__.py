"""The simulated national rollout (the embedded default data set), written through db.store."""
