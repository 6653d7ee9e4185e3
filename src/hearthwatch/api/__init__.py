"""The HTTP edge: dependencies, error mapping and middleware shared by every domain's routes."""
