"""Rights requests and complaints (P17-P27), the operator's desk, corrections."""
