"""Documents the domain issues and archives (rendered, not served: the doors serve the archived bytes)."""
