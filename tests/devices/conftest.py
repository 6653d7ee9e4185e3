"""Fixtures for device tests: the media tests' running recorder, for cameras whose
connection is changed while they record."""

from tests.media.conftest import recorder  # noqa: F401
