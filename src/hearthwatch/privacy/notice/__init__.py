"""The privacy notice (P48): generated from the data map, versioned, accepted."""
