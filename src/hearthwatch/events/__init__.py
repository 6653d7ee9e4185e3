"""Events: motion detection on each camera, the events it opens and closes, and reading them."""
