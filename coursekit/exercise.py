"""```exercise blocks (renderer registered on import)."""
