"""Clips -> programme: placement, silence trimming, encoding, chapters."""
