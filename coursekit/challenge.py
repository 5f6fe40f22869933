"""```challenge blocks (renderer registered on import)."""
