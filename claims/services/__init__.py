"""Use-cases: the only code that writes. Each write is one transaction with its audit event."""
