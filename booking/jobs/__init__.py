"""The scheduler process and its jobs; the jobs call the services like any other door."""
