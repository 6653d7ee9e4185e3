"""A copy of your data (P17, P23): exports, the data view, and importing."""
