"""Uploaded photos: checked, re-encoded without EXIF, kept under UPLOAD_DIR and served from /media."""
