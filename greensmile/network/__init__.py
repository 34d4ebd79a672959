"""The network's bodies: farmer groups, buyer organisations and supporting organisations, with members."""
