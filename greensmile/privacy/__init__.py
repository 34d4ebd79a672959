"""Personal data: consents per purpose (and, with the PDPA issue, notices, the access log, export and erasure)."""
