"""Video: recording by packet copy into encrypted fMP4 segments, live fan-out and playback."""
