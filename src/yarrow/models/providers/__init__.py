"""Built-in model providers; each is registered by name through the entry-point group."""
