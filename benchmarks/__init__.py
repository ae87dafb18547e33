"""Benchmarks at newsroom scale.

`python -m benchmarks [--scale F] [--database-url URL] [--json FILE]`
"""
