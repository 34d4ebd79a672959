"""What the public sees: each plot's page behind its QR code, the QR images, label sheets, scan counts."""
