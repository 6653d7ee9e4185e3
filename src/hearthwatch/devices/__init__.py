"""Cameras and, later, smart devices: binding, identity, settings and status."""
