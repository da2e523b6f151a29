"""Leader dashboard: pages over stored releases, never over responses."""
