"""```quiz blocks (renderer registered on import)."""
