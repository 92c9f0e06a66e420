"""routekit's read-only package data: the public suffix list and the consumer mail list."""
